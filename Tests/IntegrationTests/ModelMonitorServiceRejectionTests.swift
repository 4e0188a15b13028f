import Foundation
import Testing
import VigilCore
import VigilRuntime

/// Prediction and label events the monitor cannot use are counted by the core parser's reason (the same
/// closed set as rejected log lines, plus the schema's), and pipeline events are read where they are.
@Suite struct ModelMonitorServiceRejectionTests {
    static func ignored(_ registry: MetricRegistry) -> [String: Double] {
        var out: [String: Double] = [:]
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("vigil_model_events_ignored_total{reason=\"") {
            let reason = line.dropFirst("vigil_model_events_ignored_total{reason=\"".count).prefix { $0 != "\"" }
            out[String(reason)] = Double(line.split(separator: " ").last!)
        }
        return out
    }

    @Test(arguments: [
        (EventKind.prediction, #"{"score":0.5}"#, "missing_field"),
        (.prediction, #"{"model":"m","score":1.5}"#, "invalid_field"),
        (.prediction, #"{"model":"m","features":{"tags":["a"]}}"#, "invalid_field"),
        (.prediction, #"{"model":"m""#, "invalid_json"),
        (.prediction, #"[{"model":"m"}]"#, "not_an_object"),
        (.label, #"{"model":"m","request_id":"r"}"#, "missing_field"),
        (.label, #"{"model":"m","request_id":"r","label":[1]}"#, "invalid_field"),
        (.prediction, #"{"model":"other"}"#, "unknown_model"),
    ])
    func badEventsAreCountedByReason(_ kind: EventKind, _ json: String, _ reason: String) {
        let registry = MetricRegistry()
        let service = ModelMonitorService(models: [ModelConfiguration(name: "m")], registry: registry, now: { 0 })
        service.accept(Event(id: "1", kind: kind, timestampMillis: 0, source: "test", body: Array(json.utf8)))
        #expect(Self.ignored(registry) == [reason: 1])
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(!text.contains("vigil_model_predictions_total{"))
    }

    @Test func pipelineEventsFeedTheMonitor() throws {
        let registry = MetricRegistry()
        var pipeline = try EventPipeline(configuration: PipelineConfiguration(), registry: registry)
        let service = ModelMonitorService(models: [ModelConfiguration(name: "m")], registry: registry, now: { 0 })
        // Bodies kept in an arena, as the file tailer keeps them: read in place by the monitor.
        let arena = EventBodyArena(capacity: 4096)
        for line in [#"{"type":"prediction","model":"m","variant":"a","request_id":"r1","prediction":"yes"}"#,
                     #"{"type":"label","model":"m","request_id":"r1","label":"yes"}"#] {
            let result = pipeline.process(Array(line.utf8), context: LineContext(source: "test", id: "x", readTimeMillis: 0, bodyArena: arena))
            guard case .accepted(let event) = result else { Issue.record("rejected: \(result)"); return }
            service.accept(event)
        }
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains(#"vigil_model_predictions_total{model="m",variant="a"} 1"#))
        #expect(text.contains(#"vigil_model_labels_total{model="m",variant="a",outcome="joined"} 1"#))
        #expect(Self.ignored(registry).isEmpty)
    }
}
