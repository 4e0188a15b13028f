import Testing
@testable import VigilCore

/// A detector that fires on every third error (to test wiring, not detection).
private struct EveryThirdError: DriftDetector {
    var errors = 0
    var driftDetected = false
    mutating func update(_ x: Double) {
        if x == 1 { errors += 1 }
        driftDetected = x == 1 && errors % 3 == 0
    }
    mutating func reset() { errors = 0 }
}

@Suite struct ModelMonitorTests {
    static func prediction(_ id: String, _ predicted: String, score: Double? = nil, variant: String = "v1",
                           segment: [String: String] = [:]) -> PredictionEvent {
        PredictionEvent(model: "m", variant: variant, requestID: id, prediction: predicted, score: score,
                        segment: segment, timestampMillis: 0)
    }

    static func label(_ id: String, _ value: String) -> LabelEvent {
        LabelEvent(model: "m", requestID: id, label: value, timestampMillis: 0)
    }

    @Test func countsPredictionsLabelsAndConfusion() {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m", labelTTLSeconds: 10)])
        let u = monitor.observe(prediction: Self.prediction("a", "1", score: 0.9), now: 0)
        #expect(u.predictions == [.init(model: "m", variant: "v1")])
        #expect(u.storeActions.count == 1)
        _ = monitor.observe(prediction: Self.prediction("b", "0", score: 0.2), now: 0)
        let joined = monitor.observe(label: Self.label("a", "0"), now: 1000)
        #expect(joined.labels == [.init(model: "m", variant: "v1", outcome: .joined)])
        #expect(joined.confusions == [.init(model: "m", variant: "v1", actual: "0", predicted: "1")])
        #expect(joined.storeActions == [.delete(model: "m", requestID: "a")])
        #expect(monitor.observe(label: Self.label("a", "0"), now: 1001).labels.first?.outcome == .duplicate)
        #expect(monitor.observe(label: Self.label("zz", "0"), now: 1001).labels
            == [.init(model: "m", variant: "unknown", outcome: .unmatched)])
        #expect(monitor.observe(label: Self.label("b", "0"), now: 20_000).labels.first?.outcome == .late)
        let other = monitor.observe(prediction: PredictionEvent(model: "x", timestampMillis: 0), now: 0)
        #expect(other.ignoredReason == "unknown_model")
        #expect(other.predictions.isEmpty)
    }

    @Test func windowsCumulativeAndEstimatedQuality() throws {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m", window: 4, windowSeconds: 100)])
        // 6 predictions; labels make the first two wrong, the rest right.
        let scores = [0.9, 0.8, 0.7, 0.2, 0.1, 0.6]
        for (i, s) in scores.enumerated() {
            _ = monitor.observe(prediction: Self.prediction("r\(i)", s >= 0.5 ? "1" : "0", score: s), now: Int64(i))
        }
        let truth = ["0", "0", "1", "0", "0", "1"]
        for (i, t) in truth.enumerated() { _ = monitor.observe(label: Self.label("r\(i)", t), now: 10_000 + Int64(i)) }
        let snap = try #require(monitor.snapshot(now: 10_010).first)
        #expect(snap.variant == "v1")
        let count = try #require(snap.windows.first { $0.window == "count" }?.quality)
        #expect(count.count == 4)
        #expect(count.value("accuracy") == 1.0)
        let time = try #require(snap.windows.first { $0.window == "time" }?.quality)
        #expect(time.count == 6)
        #expect(snap.cumulative?.accuracy == 4.0 / 6.0)
        let estimated = try #require(snap.estimated)
        #expect(estimated.count == 4)   // the CBPE window has the last `window` scores
        // The time window ages out.
        let later = try #require(monitor.snapshot(now: 200_000).first)
        #expect(later.windows.map(\.window) == ["count"])
    }

    @Test func segmentsAreBounded() throws {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m", maxSegmentValues: 2)])
        for (i, country) in ["DE", "FR", "IT", "ES", "DE"].enumerated() {
            _ = monitor.observe(prediction: Self.prediction("r\(i)", "1", segment: ["country": country]), now: 0)
            _ = monitor.observe(label: Self.label("r\(i)", i == 0 ? "0" : "1"), now: 1)
        }
        let snap = try #require(monitor.snapshot(now: 2).first)
        #expect(snap.segments.map(\.value) == ["DE", "FR", "other"])
        #expect(snap.segments.first { $0.value == "other" }?.quality.count == 2)
        #expect(snap.segments.first { $0.value == "DE" }?.quality.value("accuracy") == 0.5)
    }

    @Test func decayAgainstProfile() throws {
        let profile = ReferenceProfile(model: "m", task: .binaryClassification, rowCount: 10, roles: DatasetRoles(),
                                       features: [], quality: ["accuracy": 0.9])
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m")], profiles: ["m": profile])
        for i in 0..<10 {
            _ = monitor.observe(prediction: Self.prediction("r\(i)", "1"), now: 0)
            _ = monitor.observe(label: Self.label("r\(i)", i < 8 ? "1" : "0"), now: 1)
        }
        let decay = try #require(monitor.snapshot(now: 2).first?.decay)
        #expect(decay.map(\.metric).contains("accuracy"))
        #expect(decay.first { $0.metric == "accuracy" }?.threshold == 0.9 - 0.05)
    }

    @Test func detectorsGetTheErrorStream() {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m", detectors: ["fake", "missing"])],
                                   detectorFactory: { $0 == "fake" ? EveryThirdError() : nil })
        var signals: [ModelMonitor.Update.DetectorSignal] = []
        for i in 0..<7 {
            _ = monitor.observe(prediction: Self.prediction("r\(i)", "1"), now: 0)
            signals += monitor.observe(label: Self.label("r\(i)", "0"), now: 1).detectorSignals
        }
        #expect(signals.count == 2)
        #expect(signals.first?.detector == "fake")
        #expect(signals.allSatisfy { $0.drift })
    }

    @Test func tickExpiresAndRestoreReloads() {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m", labelTTLSeconds: 1)])
        _ = monitor.observe(prediction: Self.prediction("a", "1"), now: 0)
        #expect(monitor.pendingByModel == ["m": 1])
        #expect(monitor.tick(now: 5000).storeActions == [.delete(model: "m", requestID: "a")])
        #expect(monitor.pendingByModel == ["m": 0])
        monitor.restore(pending: [PendingPrediction(model: "m", requestID: "b", variant: "v1", prediction: "1",
                                                    score: nil, receivedAtMillis: 5000)])
        #expect(monitor.observe(label: Self.label("b", "1"), now: 5500).labels.first?.outcome == .joined)
    }

    @Test func multiclassProbabilities() throws {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m")])
        let rows: [(String, [String: Double], String)] = [("a", ["a": 0.7, "b": 0.2, "c": 0.1], "a"),
                                                            ("b", ["a": 0.1, "b": 0.6, "c": 0.3], "c"),
                                                            ("c", ["a": 0.2, "b": 0.2, "c": 0.6], "c")]
        for (i, (p, probabilities, a)) in rows.enumerated() {
            let event = PredictionEvent(model: "m", requestID: "r\(i)", prediction: p, probabilities: probabilities,
                                        timestampMillis: 0)
            _ = monitor.observe(prediction: event, now: 0)
            _ = monitor.observe(label: Self.label("r\(i)", a), now: 1)
        }
        let q = try #require(monitor.snapshot(now: 2).first?.windows.first?.quality)
        #expect(q.task == .multiclassClassification)
        let expected = -((0.7 as Double).evaluationLog + (0.3 as Double).evaluationLog + (0.6 as Double).evaluationLog) / 3
        #expect(abs((q.value("log_loss") ?? 0) - expected) < 1e-12)
    }

    @Test func regressionModels() throws {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m")])
        for (i, (p, a)) in [("1.5", "2.5"), ("3.25", "3.25")].enumerated() {
            _ = monitor.observe(prediction: Self.prediction("r\(i)", p), now: 0)
            _ = monitor.observe(label: Self.label("r\(i)", a), now: 1)
        }
        let q = try #require(monitor.snapshot(now: 2).first?.windows.first?.quality)
        #expect(q.task == .regression)
        #expect(q.value("mae") == 0.5)
    }
}

@Suite struct ModelMonitorFeatureDriftTests {
    static func profile() -> ReferenceProfile {
        let amounts = (0..<500).map { Double($0 % 100) }
        let countries: [String?] = (0..<500).map { $0 % 2 == 0 ? "DE" : "FR" }
        let data = Dataset(columns: [("amount", .numeric(amounts)), ("country", .categorical(countries))])
        return ReferenceProfile.build(model: "m", dataset: data, roles: DatasetRoles())
    }

    static func run(shift: Double, country: String) -> [ModelMonitor.FeatureDriftSnapshot] {
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "m", window: 200, drift: ["ks", "psi", "chi2"])],
                                   profiles: ["m": profile()])
        for i in 0..<200 {
            let event = PredictionEvent(model: "m", prediction: "1", numericFeatures: ["amount": Double(i % 100) + shift],
                                        categoricalFeatures: ["country": i % 2 == 0 ? "DE" : country], timestampMillis: 0)
            _ = monitor.observe(prediction: event, now: 0)
        }
        return monitor.featureDrift()
    }

    @Test func noDriftOnTheReferenceDistribution() {
        let results = Self.run(shift: 0, country: "FR")
        #expect(Set(results.map(\.method)) == ["ks", "psi", "chi2"])
        #expect(results.count == 4)   // amount: ks, psi; country: psi, chi2
        #expect(results.allSatisfy { !$0.drifted })
    }

    @Test func driftWhenFeaturesMove() {
        let results = Self.run(shift: 60, country: "PL")
        #expect(results.filter { $0.feature == "amount" }.allSatisfy { $0.drifted })
        #expect(results.filter { $0.feature == "country" }.allSatisfy { $0.drifted })
    }
}
