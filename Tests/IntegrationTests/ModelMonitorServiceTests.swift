import Foundation
import Synchronization
import Testing
import VigilCore
import VigilRuntime
import VigilStorage

/// The model monitor in the runtime: event parsing, metrics, and pending predictions that survive a restart
/// (a real SQLite file, reopened).
@Suite struct ModelMonitorServiceTests {
    static func body(_ json: String) -> [UInt8] { Array(json.utf8) }

    static func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-monitor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func text(_ registry: MetricRegistry) -> String {
        String(decoding: registry.render(.prometheusText), as: UTF8.self)
    }

    @Test func pendingPredictionsSurviveARestart() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let models = [ModelConfiguration(name: "fraud", labelTTLSeconds: 60)]
        let clock = Atomic<Int64>(1_000_000)

        do {
            let database = try VigilDatabase(path: dir.appendingPathComponent("vigil.db").path)
            let registry = MetricRegistry()
            let service = ModelMonitorService(models: models, registry: registry,
                                              store: PendingPredictionStore(database: database),
                                              now: { clock.load(ordering: .relaxed) })
            try service.restore()
            service.acceptPrediction(body: Self.body(#"{"type":"prediction","model":"fraud","variant":"v1","request_id":"r1","prediction":1,"score":0.9,"segment":{"country":"DE"}}"#), timestampMillis: 0)
            service.acceptPrediction(body: Self.body(#"{"type":"prediction","model":"fraud","variant":"v1","request_id":"r2","score":0.2}"#), timestampMillis: 0)
            service.acceptPrediction(body: Self.body(#"{"type":"prediction","model":"other","request_id":"x"}"#), timestampMillis: 0)
            service.acceptLabel(body: Self.body(#"{"type":"label","model":"fraud","request_id":"r1","label":1}"#), timestampMillis: 0)
            service.flush()
            let text = Self.text(registry)
            #expect(text.contains(#"vigil_model_predictions_total{model="fraud",variant="v1"} 2"#))
            #expect(text.contains(#"vigil_model_labels_total{model="fraud",variant="v1",outcome="joined"} 1"#))
            #expect(text.contains(#"vigil_model_confusion_total{model="fraud",variant="v1",actual="1",predicted="1"} 1"#))
            #expect(text.contains(#"vigil_model_quality{model="fraud",variant="v1",metric="accuracy",window="count"} 1"#))
            #expect(text.contains(#"vigil_model_pending_labels{model="fraud"} 1"#))
            #expect(text.contains(#"vigil_model_events_ignored_total{reason="unknown_model"} 1"#))
            #expect(text.contains(#"vigil_model_estimated_quality{model="fraud",variant="v1",metric="accuracy"}"#))
        }

        // Reopen: r2 still waits and joins; r9 is unknown.
        clock.store(1_030_000, ordering: .relaxed)
        let database = try VigilDatabase(path: dir.appendingPathComponent("vigil.db").path)
        let registry = MetricRegistry()
        let service = ModelMonitorService(models: models, registry: registry,
                                          store: PendingPredictionStore(database: database),
                                          now: { clock.load(ordering: .relaxed) })
        try service.restore()
        service.acceptLabel(body: Self.body(#"{"type":"label","model":"fraud","request_id":"r2","label":"0"}"#), timestampMillis: 0)
        service.acceptLabel(body: Self.body(#"{"type":"label","model":"fraud","request_id":"r9","label":"0"}"#), timestampMillis: 0)
        service.acceptLabel(body: Self.body(#"{"type":"label","model":"fraud","request_id":"r2","label":"0"}"#), timestampMillis: 0)
        service.acceptLabel(body: Self.body(#"{"type":"label","model":"fraud"}"#), timestampMillis: 0)
        service.tick()
        let text = Self.text(registry)
        #expect(text.contains(#"vigil_model_labels_total{model="fraud",variant="v1",outcome="joined"} 1"#))
        #expect(text.contains(#"vigil_model_labels_total{model="fraud",variant="unknown",outcome="unmatched"} 1"#))
        #expect(text.contains(#"vigil_model_labels_total{model="fraud",variant="v1",outcome="duplicate"} 1"#))
        #expect(text.contains(#"vigil_model_events_ignored_total{reason="missing_field"} 1"#))
        #expect(text.contains(#"vigil_model_pending_labels{model="fraud"} 0"#))
        #expect(try PendingPredictionStore(database: database).count() == 0)
    }

    @Test func expiredPredictionsMakeLateLabels() throws {
        let registry = MetricRegistry()
        let clock = Atomic<Int64>(0)
        let service = ModelMonitorService(models: [ModelConfiguration(name: "m", labelTTLSeconds: 1)], registry: registry,
                                          now: { clock.load(ordering: .relaxed) })
        service.acceptPrediction(body: Self.body(#"{"model":"m","request_id":"a","prediction":"yes"}"#), timestampMillis: 0)
        clock.store(5000, ordering: .relaxed)
        service.tick()
        service.acceptLabel(body: Self.body(#"{"model":"m","request_id":"a","label":"yes"}"#), timestampMillis: 0)
        #expect(Self.text(registry).contains(#"vigil_model_labels_total{model="m",variant="default",outcome="late"} 1"#))
    }

    @Test func featureDriftAgainstTheProfile() throws {
        let amounts = (0..<400).map { Double($0 % 100) }
        let profile = ReferenceProfile.build(model: "m", dataset: Dataset(columns: [("amount", .numeric(amounts))]),
                                             roles: DatasetRoles())
        let registry = MetricRegistry()
        let service = ModelMonitorService(models: [ModelConfiguration(name: "m", window: 100, drift: ["ks", "psi"])],
                                          profiles: ["m": profile], registry: registry, now: { 0 })
        for i in 0..<100 {
            service.acceptPrediction(body: Self.body(#"{"model":"m","prediction":1,"features":{"amount":\#(Double(i) + 70)}}"#),
                                     timestampMillis: 0)
        }
        let text = Self.text(registry)
        #expect(text.contains(#"vigil_drift_detected{model="m",feature="amount",method="ks"} 1"#))
        #expect(text.contains(#"vigil_drift_detected{model="m",feature="amount",method="psi"} 1"#))
        #expect(text.contains(#"vigil_feature_drift{model="m",feature="amount",method="psi"}"#))
    }

    @Test func parsesEventFields() throws {
        let p = try #require(ModelMonitorService.parsePrediction(Self.body(#"""
            {"model":"m","model_version":"3","request_id":42,"probabilities":{"a":0.2,"b":0.7,"c":0.1},
             "features":{"age":31,"country":"DE","vip":true},"segment":{"gender":"f"}}
            """#), timestampMillis: 7))
        #expect(p.requestID == "42")
        #expect(p.prediction == "b")
        #expect(p.variantName == "3")
        #expect(p.numericFeatures == ["age": 31])
        #expect(p.categoricalFeatures == ["country": "DE", "vip": "1"])
        #expect(p.segment == ["gender": "f"])
        let l = try #require(ModelMonitorService.parseLabel(Self.body(#"{"model":"m","request_id":"42","label":true}"#), timestampMillis: 0))
        #expect(l.label == "1")
    }
}
