import Foundation
import Synchronization
import Testing
import VigilCore
import VigilRuntime
import VigilStorage

/// The rollout controller over a real SQLite store: commands, automatic rollback, assignment, metrics, audit
/// and restart.
@Suite struct RolloutControllerTests {
    /// Records what it is told, so the test can check when notifications happen.
    final class RecordingNotifier: RolloutNotifier {
        let changes = Mutex<[RolloutTransition]>([])
        let recommendations = Mutex<[RolloutEvaluation]>([])
        func notify(_ transition: RolloutTransition, definition: RolloutDefinition) async { changes.withLock { $0.append(transition) } }
        func recommend(_ evaluation: RolloutEvaluation, definition: RolloutDefinition) async {
            recommendations.withLock { $0.append(evaluation) }
        }
    }

    static func definition() throws -> RolloutDefinition {
        try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4", minSamples: 100, minStepDurationMillis: 0)
    }

    static func serve(_ evidence: LocalRolloutEvidence, champion: Int, championErrors: Int, challenger: Int, challengerErrors: Int) {
        evidence.update { ledger in
            for i in 0..<champion {
                ledger.recordRequest(model: "fraud", variant: "v3", latencySeconds: 0.05, failed: i < championErrors)
            }
            for i in 0..<challenger {
                ledger.recordRequest(model: "fraud", variant: "v4", latencySeconds: 0.05, failed: i < challengerErrors)
            }
        }
    }

    @Test func aWorseChallengerIsRolledBackAndTheStateSurvivesARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rollout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = Atomic<Int64>(1_000)
        let evidence = LocalRolloutEvidence()
        let notifier = RecordingNotifier()
        let registry = MetricRegistry()
        do {
            let store = SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: dir.path))
            let controller = RolloutController(definitions: [try Self.definition()], store: store, evidence: evidence,
                                               notifiers: [notifier], registry: registry,
                                               now: { clock.load(ordering: .relaxed) })
            try await controller.restore()
            #expect(controller.assign(model: "fraud", unit: "u1")?.variant == "v3")
            #expect(controller.assign(model: "nope", unit: "u1") == nil)

            let started = await controller.apply(.start, model: "fraud", actor: "alice", reason: "ship v4")
            #expect(started.outcome == "changed" && started.status?.weight == 5)
            let again = await controller.apply(.start, model: "fraud", actor: "alice", reason: "ship v4")
            #expect(again.outcome == "unchanged")
            #expect(await controller.apply(.promote, model: "nope", actor: "alice", reason: "x").outcome == "unknown")

            await controller.evaluateAll()   // baseline
            Self.serve(evidence, champion: 19_000, championErrors: 190, challenger: 1_000, challengerErrors: 100)
            clock.store(60_000, ordering: .relaxed)
            let actions = await controller.evaluateAll()
            guard case .transition(let t) = actions.first else { Issue.record("expected a rollback, got \(actions)"); return }
            #expect(t.change == .rollback && t.actor == "vigil" && t.automatic)

            // Assignment changed at once: every unit gets the champion.
            let variants = Set((0..<2_000).compactMap { controller.assign(model: "fraud", unit: "user-\($0)")?.variant })
            #expect(variants == ["v3"])
            #expect(controller.assign(model: "fraud", unit: "x")?.state == .rolledBack)

            let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            #expect(text.contains(#"vigil_rollout_state{model="fraud",state="rolled_back"} 1"#))
            #expect(text.contains(#"vigil_rollout_state{model="fraud",state="running"} 0"#))
            #expect(text.contains(#"vigil_rollout_weight{model="fraud",variant="v3"} 100"#))
            #expect(text.contains(#"vigil_rollout_weight{model="fraud",variant="v4"} 0"#))
            #expect(text.contains(#"vigil_rollout_decisions_total{model="fraud",decision="rollback"} 1"#))
            #expect(text.contains(#"vigil_rollout_decisions_total{model="fraud",decision="start"} 1"#))
            #expect(text.contains(#"vigil_rollout_guardrail_status{model="fraud",guardrail="error_rate"} -1"#))
            #expect(notifier.changes.withLock { $0.map(\.change) } == [.start, .rollback])
        }
        // A new controller on the same database (a restart, or `kill -9` after the commit) keeps the state.
        let store = SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: dir.path))
        let restarted = RolloutController(definitions: [try Self.definition()], store: store, evidence: evidence,
                                          registry: MetricRegistry(), now: { clock.load(ordering: .relaxed) })
        try await restarted.restore()
        let status = try #require(await restarted.status(model: "fraud"))
        #expect(status.state == .rolledBack && status.weight == 0 && status.version == 2)
        #expect(status.lastEvaluation?.decision == .rollback)
        #expect(restarted.assign(model: "fraud", unit: "user-1")?.variant == "v3")
        let audit = try await restarted.audit(model: "fraud", limit: 10)
        #expect(audit.map(\.action) == ["rollback", "start"])
        #expect(audit.map(\.actor) == ["vigil", "alice"])
        #expect(audit[0].reason.hasPrefix("challenger error rate 10% vs 1%"))
        #expect(audit[0].evidenceJSON.contains("\"pValue\""))
    }

    @Test func aManualRolloutOnlyRecommends() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rollout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var d = try Self.definition()
        d.automatic = false
        let evidence = LocalRolloutEvidence()
        let notifier = RecordingNotifier()
        let controller = RolloutController(definitions: [d], store: SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: dir.path)),
                                           evidence: evidence, notifiers: [notifier], registry: MetricRegistry(), now: { 0 })
        _ = await controller.apply(.start, model: "fraud", actor: "alice", reason: "go")
        await controller.evaluateAll()
        Self.serve(evidence, champion: 19_000, championErrors: 190, challenger: 1_000, challengerErrors: 100)
        await controller.evaluateAll()
        #expect(await controller.status(model: "fraud")?.state == .running)
        #expect(notifier.recommendations.withLock { $0.map(\.decision) } == [.rollback])
        let manual = await controller.apply(.rollback, model: "fraud", actor: "bob", reason: "as recommended")
        #expect(manual.outcome == "changed" && manual.transition?.actor == "bob")
    }
}

@Suite struct RequestLogEvidenceTests {
    @Test func withRequestsFromLogsPredictionsOnlyFeedEstimatedAccuracy() throws {
        let d = try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4", requestSource: .logs)
        let evidence = LocalRolloutEvidence(definitions: [d])
        evidence.record(PredictionEvent(model: "fraud", variant: "v4", score: 0.9, latencyMillis: 30, status: "error", timestampMillis: 0),
                        threshold: 0.5)
        func log(_ json: String) -> Bool { Array(json.utf8).withUnsafeBytes { evidence.recordRequestLog($0) } }
        #expect(log(#"{"model":"fraud","variant":"v4","status":500,"latency_ms":250}"#))
        #expect(log(#"{"model":"fraud","variant":"v3","status":"ok","latency_ms":20}"#))
        #expect(!log(#"{"model":"fraud","variant":"v9","status":"ok"}"#))      // not in the rollout
        #expect(!log(#"{"model":"other","variant":"v4"}"#))
        #expect(!log(#"{"message":"unrelated"}"#))
        let snapshot = evidence.snapshot.evidence(model: "fraud", champion: "v3", challenger: "v4")
        #expect(snapshot.challenger.requests == 1 && snapshot.challenger.errors == 1 && snapshot.challenger.latency.total == 1)
        #expect(snapshot.champion.requests == 1 && snapshot.champion.errors == 0)
        #expect(snapshot.challenger.expectedCorrect.count == 1 && abs(snapshot.challenger.expectedCorrect.mean - 0.9) < 1e-12)
    }

    @Test func withRequestsFromPredictionsLogsAreNotCounted() throws {
        let d = try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4")
        let evidence = LocalRolloutEvidence(definitions: [d])
        #expect(!Array(#"{"model":"fraud","variant":"v4","status":500}"#.utf8).withUnsafeBytes { evidence.recordRequestLog($0) })
        evidence.record(PredictionEvent(model: "fraud", variant: "v4", latencyMillis: 30, status: "500", timestampMillis: 0), threshold: 0.5)
        let e = evidence.snapshot.evidence(model: "fraud", champion: "v3", challenger: "v4")
        #expect(e.challenger.requests == 1 && e.challenger.errors == 1)
    }
}

/// Drift guardrails compare each variant's recent feature values with the model's reference profile.
@Suite struct DriftEvidenceTests {
    @Test func aChallengerWhoseInputsDriftFailsItsDriftGuardrail() async throws {
        let dir = try Harness.tempDirectory("vigil-drift-evidence")
        defer { try? FileManager.default.removeItem(at: dir) }
        let profilePath = try MetricCatalogueTests.buildProfile(in: dir)
        let profiles = try ModelMonitorService.loadProfiles([ModelConfiguration(name: "credit", profilePath: profilePath.path)])
        let d = try RolloutDefinition(model: "credit", champion: "v0", challenger: "v1", minSamples: 100,
                                      guardrails: [.init(metric: .drift(feature: "income"), margin: 0.1),
                                                   .init(metric: .drift(feature: "country"), margin: 0.1)])
        let evidence = LocalRolloutEvidence(definitions: [d], profiles: profiles)
        // Reference rows for the champion; the challenger sees incomes five times higher and only one country.
        let rows = try String(contentsOf: Harness.packageRoot.appendingPathComponent("examples/evaluate/reference.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        for (i, row) in rows.enumerated() {
            guard let income = Double(row[1]) else { continue }
            evidence.record(PredictionEvent(model: "credit", variant: "v0", requestID: "c\(i)", numericFeatures: ["income": income],
                                            categoricalFeatures: ["country": row[3]], timestampMillis: 0), threshold: 0.5)
            evidence.record(PredictionEvent(model: "credit", variant: "v1", requestID: "t\(i)", numericFeatures: ["income": income * 5],
                                            categoricalFeatures: ["country": "DE"], timestampMillis: 0), threshold: 0.5)
        }
        let e = await evidence.evidence(for: d)
        let championIncome = try #require(e.champion.drift["income"]), challengerIncome = try #require(e.challenger.drift["income"])
        #expect(championIncome < 0.05, "champion PSI \(championIncome)")
        #expect(challengerIncome > 1, "challenger PSI \(challengerIncome)")
        let championCountry = try #require(e.champion.drift["country"]), challengerCountry = try #require(e.challenger.drift["country"])
        #expect(challengerCountry > championCountry + 0.1)
        let evaluation = RolloutEvaluator.evaluate(d, total: e, step: e, stepIndex: 3, stepElapsedMillis: 120_000, nowMillis: 0)
        #expect(evaluation.guardrails.map(\.verdict) == [.fail, .fail])
        #expect(evaluation.reason.hasPrefix("challenger drift of income"))
    }
}
