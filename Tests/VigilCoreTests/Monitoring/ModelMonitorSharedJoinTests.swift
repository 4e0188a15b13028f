import Testing
@testable import VigilCore

/// Fleet mode: predictions wait in a shared ``LabelJoinStore`` and labels are joined there; the monitor counts and
/// scores what the store returns. Driven here with ``InMemoryLabelJoinStore`` (the reference the PostgreSQL store
/// is tested against), without I/O or sleeps.
@Suite struct ModelMonitorSharedJoinTests {
    static let ttl: Int64 = 60_000
    static let model = ModelConfiguration(name: "fraud", labelTTLSeconds: 60)

    /// One agent of a fleet: its monitor in shared mode, driven like ModelMonitorService drives it.
    struct Agent {
        var monitor = ModelMonitor(models: [ModelMonitorSharedJoinTests.model], joinMode: .shared)
        var labels: [String: Int] = [:]
        var confusions: [String: Int] = [:]

        mutating func prediction(_ id: String, variant: String = "v1", predicted: String, at t: Int64,
                                 into store: InMemoryLabelJoinStore) {
            let event = PredictionEvent(model: "fraud", variant: variant, requestID: id, prediction: predicted, timestampMillis: t)
            let update = monitor.observe(prediction: event, now: t)
            var entries: [PendingPredictionEntry] = []
            for case .persist(let p) in update.storeActions {
                entries.append(PendingPredictionEntry(p, expiresAtMillis: p.receivedAtMillis + ModelMonitorSharedJoinTests.ttl))
            }
            #expect(entries.count == 1, "a prediction with a request id yields one persist action")
            store.record(entries)
        }

        mutating func label(_ id: String, _ value: String, at t: Int64, from store: InMemoryLabelJoinStore) {
            let event = LabelEvent(model: "fraud", requestID: id, label: value, timestampMillis: t)
            let outcome = store.join([LabelJoinKey(model: "fraud", requestID: id)], nowMillis: t)[0]
            count(monitor.observe(label: event, sharedOutcome: outcome, now: t))
        }

        mutating func count(_ update: ModelMonitor.Update) {
            for l in update.labels { labels["\(l.variant)/\(l.outcome.rawValue)", default: 0] += 1 }
            for c in update.confusions { confusions["\(c.variant)/\(c.actual)/\(c.predicted)", default: 0] += 1 }
        }
    }

    @Test func aPredictionInSharedModeIsOnlyAPersistActionNotALocalPendingOne() {
        var monitor = ModelMonitor(models: [Self.model], joinMode: .shared)
        let update = monitor.observe(prediction: PredictionEvent(model: "fraud", variant: "v1", requestID: "r1",
                                                                 prediction: "1", timestampMillis: 0), now: 0)
        #expect(update.predictions.count == 1)
        #expect(update.storeActions.count == 1)
        if case .persist(let p)? = update.storeActions.first { #expect(p.requestID == "r1") } else { Issue.record("no persist action") }
        #expect(monitor.pendingByModel["fraud"] == 0, "nothing waits in the agent itself")
        // An expiry round has nothing of its own to expire.
        #expect(monitor.tick(now: 10 * Self.ttl).storeActions.isEmpty)
    }

    /// Outcome table: what the store returned × what this agent settled before ⇒ the counted outcome.
    @Test(arguments: [
        // (store outcome, settled here before, expected)
        ("joined", "none", LabelOutcome.joined),
        ("late", "none", .late),
        ("unmatched", "none", .unmatched),
        ("unmatched", "joined", .duplicate),
        ("unmatched", "late", .late),
    ])
    func outcomeTable(store: String, before: String, expected: LabelOutcome) {
        var monitor = ModelMonitor(models: [Self.model], joinMode: .shared)
        let p = PendingPrediction(model: "fraud", requestID: "r1", variant: "v1", prediction: "1", score: nil, receivedAtMillis: 0)
        let label = LabelEvent(model: "fraud", requestID: "r1", label: "1", timestampMillis: 0)
        switch before {
        case "joined": _ = monitor.observe(label: label, sharedOutcome: .joined([p]), now: 1_000)
        case "late": _ = monitor.observe(label: label, sharedOutcome: .late([p]), now: 1_000)
        default: break
        }
        let outcome: LabelJoinOutcome = switch store {
        case "joined": .joined([p])
        case "late": .late([p])
        default: .unmatched
        }
        let update = monitor.observe(label: label, sharedOutcome: outcome, now: 2_000)
        #expect(update.labels.map(\.outcome) == [expected])
        #expect(update.confusions.count == (expected == .joined ? 1 : 0), "only a joined label is scored")
    }

    @Test func anUnknownModelIsIgnoredWithItsReason() {
        var monitor = ModelMonitor(models: [Self.model], joinMode: .shared)
        let update = monitor.observe(label: LabelEvent(model: "other", requestID: "r", label: "1", timestampMillis: 0),
                                     sharedOutcome: .unmatched, now: 0)
        #expect(update.ignoredReason == "unknown_model")
        #expect(update.labels.isEmpty)
    }

    /// Predictions at one agent, labels at another: every label joins exactly once across the fleet, and the
    /// counts and quality equal one agent joining everything locally.
    @Test func twoAgentsOnOneStoreCountWhatOneLocalAgentCounts() {
        let store = InMemoryLabelJoinStore()
        var a = Agent(), b = Agent()
        var local = ModelMonitor(models: [Self.model])
        var localLabels: [String: Int] = [:]
        var localConfusions: [String: Int] = [:]
        func countLocal(_ u: ModelMonitor.Update) {
            for l in u.labels { localLabels["\(l.variant)/\(l.outcome.rawValue)", default: 0] += 1 }
            for c in u.confusions { localConfusions["\(c.variant)/\(c.actual)/\(c.predicted)", default: 0] += 1 }
        }
        for i in 0..<200 {
            let t = Int64(i) * 10
            let variant = i % 3 == 0 ? "v2" : "v1"
            let predicted = i % 4 == 0 ? "1" : "0"
            a.prediction("r\(i)", variant: variant, predicted: predicted, at: t, into: store)
            countLocal(local.observe(prediction: PredictionEvent(model: "fraud", variant: variant, requestID: "r\(i)",
                                                                 prediction: predicted, timestampMillis: t), now: t))
        }
        for i in 0..<200 {
            let t = 2_000 + Int64(i) * 10
            let actual = i % 5 == 0 ? "1" : "0"
            b.label("r\(i)", actual, at: t, from: store)
            countLocal(local.observe(label: LabelEvent(model: "fraud", requestID: "r\(i)", label: actual, timestampMillis: t), now: t))
        }
        #expect(b.labels == localLabels)
        #expect(b.confusions == localConfusions)
        #expect(a.labels.isEmpty)
        #expect(b.labels.values.reduce(0, +) == 200)
        // The same labels again: at b (which joined them) duplicates, at a (which did not) unmatched; nothing joins twice.
        for i in 0..<10 { b.label("r\(i)", "1", at: 5_000, from: store) }
        for i in 10..<20 { a.label("r\(i)", "1", at: 5_000, from: store) }
        #expect(b.labels.filter { $0.key.hasSuffix("/duplicate") }.values.reduce(0, +) == 10)
        #expect(a.labels.filter { $0.key.hasSuffix("/unmatched") }.values.reduce(0, +) == 10)
        #expect(b.labels.filter { $0.key.hasSuffix("/joined") }.values.reduce(0, +) == 200)
        // Quality is the same as the local agent's.
        let shared = b.monitor.snapshot(now: 10_000).map { "\($0.variant) \($0.windows.first?.quality.value("accuracy") ?? -1)" }
        let single = local.snapshot(now: 10_000).map { "\($0.variant) \($0.windows.first?.quality.value("accuracy") ?? -1)" }
        #expect(shared == single)
    }

    @Test func aLabelAfterTheTTLIsLateAndNotScored() {
        let store = InMemoryLabelJoinStore()
        var a = Agent(), b = Agent()
        a.prediction("r1", predicted: "1", at: 0, into: store)
        b.label("r1", "1", at: Self.ttl + 1, from: store)
        #expect(b.labels == ["v1/late": 1])
        #expect(b.confusions.isEmpty)
    }
}

extension ModelMonitorSharedJoinTests {
    @Test func aMonitorKnowsWhichLabelsItSettledItself() {
        var monitor = ModelMonitor(models: [Self.model], joinMode: .shared)
        let p = PendingPrediction(model: "fraud", requestID: "r1", variant: "v1", prediction: "1", score: nil, receivedAtMillis: 0)
        let l1 = LabelEvent(model: "fraud", requestID: "r1", label: "1", timestampMillis: 0)
        let l2 = LabelEvent(model: "fraud", requestID: "r2", label: "1", timestampMillis: 0)
        #expect(!monitor.hasSettled(l1))
        _ = monitor.observe(label: l1, sharedOutcome: .joined([p]), now: 1_000)
        #expect(monitor.hasSettled(l1))
        #expect(!monitor.hasSettled(l2))
    }
}
