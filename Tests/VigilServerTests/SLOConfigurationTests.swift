import Foundation
import Testing
import VigilCore
@testable import VigilRuntime

struct SLOConfigurationTests {
    static let histogram = """
        metrics_from_logs:
          - name: http_server_request_duration_seconds
            histogram_of: latency_ms
            scale: 0.001
            labels: ["service", "http_route=route", "http_response_status_code=status"]
          - name: inference_log_events_total
            labels: ["service"]

        """

    @Test func objectivesParse() throws {
        let yaml = Self.histogram + """
            slos:
              - { name: api-availability, service: api, type: availability, objective: 99.9 }
              - { name: api-latency, service: api, type: latency, objective: "99.5%", threshold: 250ms, window: 28d }
              - { name: api-fast, service: api, type: latency, objective: 90, threshold: 1s, metric: http_server_request_duration_seconds }
            """
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.slos == [
            ServiceLevelObjective(name: "api-availability", service: "api", kind: .availability, objectivePercent: 99.9),
            ServiceLevelObjective(name: "api-latency", service: "api", kind: .latency, objectivePercent: 99.5,
                                  latencyThresholdSeconds: 0.25, windowSeconds: 28 * 86_400),
            ServiceLevelObjective(name: "api-fast", service: "api", kind: .latency, objectivePercent: 90, latencyThresholdSeconds: 1),
        ])
        #expect(try ConfigurationLoader.parse(yaml: "log: { level: info }", file: "t.yaml").slos.isEmpty)
    }

    @Test func thresholdSnapsToTheBucketBound() throws {
        // 300 × 0.001 is not exactly 0.3 in binary; the rule must still name the bound the agent exposes.
        let yaml = Self.histogram.replacingOccurrences(of: "scale: 0.001", with: "scale: 0.001\n    buckets: [0.1, 0.3, 1]")
            + "slos: [{ name: l, service: api, type: latency, objective: 99, threshold: 300ms }]"
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.slos.first?.latencyThresholdSeconds == 0.3)
    }

    @Test(arguments: [
        ("slos: [{ name: l, service: api, type: latency, objective: 99, threshold: 300ms }]",
         "t.yaml:8:74: slos[0].threshold: 300ms is not a bucket bound of http_server_request_duration_seconds (bounds: 5ms, 10ms, 25ms, 50ms, 75ms, 100ms, 250ms, 500ms, 750ms, 1s, 2.5s, 5s, 7.5s, 10s); the nearest are 250ms and 500ms"),
        ("slos: [{ name: l, service: api, type: latency, objective: 99 }]",
         "t.yaml:8:8: slos[0].threshold: is required for a latency SLO, e.g. 250ms"),
        ("slos: [{ name: a, service: api, type: availability, objective: 0.999 }]",
         "t.yaml:8:64: slos[0].objective: is a percentage: write 99.9 for a ratio of 0.999"),
        ("slos: [{ name: a, service: api, type: availability, objective: 100 }]",
         "slos[0].objective: must be a percentage from 50 to below 100, got 100"),
        ("slos: [{ name: a, service: api, type: availabilty, objective: 99 }]",
         "t.yaml:8:39: slos[0].type: must be one of availability, latency, got \"availabilty\"; did you mean \"availability\"?"),
        ("slos: [{ name: a, service: api, type: availability, objectve: 99 }]",
         "slos[0].objectve: unknown key \"objectve\"; did you mean \"objective\"?"),
        ("slos: [{ name: a, service: api, type: availability }]", "t.yaml:8:8: slos[0].objective: is required"),
        ("slos: [{ name: a, service: api, type: availability, objective: 99, metric: http_server_request_duration }]",
         "slos[0].metric: no metrics_from_logs histogram is named \"http_server_request_duration\"; did you mean \"http_server_request_duration_seconds\"?"),
        ("slos: [{ name: a, service: api, type: availability, objective: 99, metric: inference_log_events_total }]",
         "slos[0].metric: \"inference_log_events_total\" is a counter; an SLO needs a histogram"),
        ("slos: [{ name: a, service: api, type: availability, objective: 99, threshold: 1s }]",
         "slos[0].threshold: only a latency SLO has a threshold"),
        ("slos: [{ name: a, service: api, type: availability, objective: 99 }, { name: a, service: b, type: availability, objective: 99 }]",
         "slos[1].name: SLO \"a\" is configured twice"),
        ("slos: [{ name: \"a b\", service: api, type: availability, objective: 99 }]",
         "slos[0].name: use letters, digits, - and _ only"),
        ("slos: [{ name: a, service: api, type: availability, objective: 99, window: 1d }]",
         "slos[0].window: must be between 7d and 90d, got 1d"),
    ])
    func errorsNameTheField(slos: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: Self.histogram + slos, file: "t.yaml")
            Issue.record("accepted: \(slos)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }

    @Test func theHistogramNeedsTheLabelsTheRulesSelectOn() {
        let yaml = """
            metrics_from_logs: [{ name: d_seconds, histogram_of: latency_ms, labels: ["service_name=service"] }]
            slos: [{ name: a, service: api, type: availability, objective: 99, metric: d_seconds }]
            """
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml") }
        do { _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml") } catch {
            #expect(error.description.contains("t.yaml:2:76: slos[0].metric: the histogram \"d_seconds\" has no label service (its labels: service_name)"),
                    "got: \(error.description)")
        }
        let noHistogram = "slos: [{ name: a, service: api, type: availability, objective: 99 }]"
        do { _ = try ConfigurationLoader.parse(yaml: noHistogram, file: "t.yaml"); Issue.record("accepted") } catch {
            #expect(error.description.contains("slos[0]: no metrics_from_logs histogram is named \"http_server_request_duration_seconds\"; add one under metrics_from_logs"),
                    "got: \(error.description)")
        }
    }

    @Test func theGeneratorUsesTheConfiguredRunbookBase() throws {
        let yaml = Self.histogram + """
            slos: [{ name: a, service: api, type: availability, objective: 99 }]
            actions: { alertmanager: { url: "http://127.0.0.1:9093", runbook_base_url: "https://wiki.example/runbooks" } }
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-slo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("vigil.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let text = try RulesGenerate.render(configPath: path)
        #expect(text.contains("runbook_url: \"https://wiki.example/runbooks/slo-error-budget-burn.md\""))
        #expect(text.hasPrefix("# Generated by `vigil rules generate` from the slos: section of vigil.yaml"))
    }
}
