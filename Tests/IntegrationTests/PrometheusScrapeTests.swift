import Foundation
import Testing

/// A real Prometheus (Debian's) scrapes the built agent on loopback. Prometheus 2.42 asks for
/// OpenMetrics first and parses it strictly, so a clean scrape proves the OpenMetrics output is valid.
@Suite(.serialized)
struct PrometheusScrapeTests {
    /// With and without OpenMetrics `_created` samples (`server.metrics.created_samples`), so the strict
    /// parser sees both shapes.
    @Test(arguments: [false, true])
    func realPrometheusScrapesTheAgent(createdSamples: Bool) throws {
        let dir = try Harness.tempDirectory("vigil-prom")
        defer { try? FileManager.default.removeItem(at: dir) }
        let agent = try AgentProcess(config: "server:\n  metrics:\n    created_samples: \(createdSamples)\n", directory: dir)
        defer { agent.child.stop() }

        let promPort = try Harness.freePort()
        let config = """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
        scrape_configs:
          - job_name: vigil
            static_configs:
              - targets: ["127.0.0.1:\(agent.port)"]
        """
        try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let prometheus = try ChildProcess("prometheus", path: "/usr/bin/prometheus", arguments: [
            "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
            "--storage.tsdb.path=\(dir.appendingPathComponent("tsdb").path)",
            "--web.listen-address=127.0.0.1:\(promPort)",
        ], directory: dir)
        defer { prometheus.stop() }
        let api = "http://127.0.0.1:\(promPort)/api/v1"

        // up{job="vigil"} == 1
        let up = try Harness.eventually("up{job=\"vigil\"} == 1", seconds: 60) { () -> Double? in
            guard prometheus.isRunning else { throw HarnessError("prometheus exited: \(prometheus.stderr.suffix(2000))") }
            return try Self.query(api, #"up{job="vigil"}"#).flatMap { $0 == 1 ? $0 : nil }
        }
        #expect(up == 1)

        // A value round-trips: the agent's own process_start_time_seconds and max fds, as Prometheus stored them.
        let text = try agent.metricsText()
        let startTime = try #require(Self.sampleValue(text, "process_start_time_seconds"))
        let maxFDs = try #require(Self.sampleValue(text, "process_max_fds"))
        let storedStart = try Harness.eventually("process_start_time_seconds in Prometheus") {
            try Self.query(api, #"process_start_time_seconds{job="vigil"}"#)
        }
        #expect(abs(storedStart - startTime) < 0.01)
        let storedMaxFDs = try Harness.eventually("process_max_fds in Prometheus") { try Self.query(api, #"process_max_fds{job="vigil"}"#) }
        #expect(storedMaxFDs == maxFDs)
        let buildInfo = try Harness.eventually("vigil_build_info in Prometheus") { try Self.query(api, #"vigil_build_info{job="vigil",version="0.1.0"}"#) }
        #expect(buildInfo == 1)

        // No scrape error, and Prometheus negotiated OpenMetrics (strict parser) with our answer.
        let targets = try Harness.http("GET", "\(api)/targets")
        let object = try #require(try JSONSerialization.jsonObject(with: targets.body) as? [String: Any])
        let data = try #require(object["data"] as? [String: Any])
        let active = try #require(data["activeTargets"] as? [[String: Any]])
        let vigil = try #require(active.first { ($0["labels"] as? [String: String])?["job"] == "vigil" })
        #expect(vigil["health"] as? String == "up")
        #expect((vigil["lastError"] as? String ?? "x").isEmpty)

        // The agent counted those scrapes as OpenMetrics-negotiated /metrics requests.
        let after = try agent.metricsText()
        let scrapes = try #require(Self.sampleValue(after, #"vigil_http_requests_total{route="/metrics",code="200"}"#))
        #expect(scrapes >= 1)
    }

    /// Runs an instant query and returns the first sample's value, or nil while there is none.
    static func query(_ api: String, _ promql: String) throws -> Double? {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
        let response = try Harness.http("GET", "\(api)/query?query=\(encoded)")
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let data = object["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]],
              let first = result.first,
              let value = first["value"] as? [Any],
              value.count == 2, let text = value[1] as? String else { return nil }
        return Double(text)
    }

    /// The value of the first sample line starting with `series` (name plus optional labels) in text format.
    static func sampleValue(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix(series + " ") {
                let fields = line.dropFirst(series.count + 1).split(separator: " ")
                if let first = fields.first { return Double(first) }
            }
        }
        return nil
    }
}
