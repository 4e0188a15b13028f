import Foundation
import Testing

/// The built agent answers Prometheus's own request (its `Accept` header, gzip): a gzip body that `gzip -d`
/// turns into OpenMetrics, with `_created` samples only when `server.metrics.created_samples` is on.
@Suite(.serialized)
struct MetricsEndpointAgentTests {
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test(arguments: [nil, false, true] as [Bool?])
    func createdSamplesFollowTheSwitch(createdSamples: Bool?) throws {
        let dir = try Harness.tempDirectory("vigil-created")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = createdSamples.map { "server:\n  metrics:\n    created_samples: \($0)\n" }
        let agent = try AgentProcess(config: config, directory: dir)
        defer { agent.child.stop() }

        let response = try Harness.http("GET", "\(agent.baseURL)/metrics",
                                        headers: ["Accept: \(Self.prometheusAccept)", "Accept-Encoding: gzip"])
        #expect(response.status == 200)
        #expect(response.headers.lowercased().contains("content-encoding: gzip"))
        #expect(response.headers.lowercased().contains("content-type: application/openmetrics-text; version=1.0.0"))
        let packed = dir.appendingPathComponent("metrics.gz")
        try response.body.write(to: packed)
        let gunzip = try Harness.run("/usr/bin/gzip", ["-dc", packed.path])
        #expect(gunzip.status == 0, "gzip -d: \(gunzip.stderr)")
        let text = gunzip.stdout
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("\nvigil_build_info{"))
        // process_cpu_seconds_total is a counter the agent always has.
        #expect(text.contains("\nprocess_cpu_seconds_created ") == (createdSamples == true))
        #expect(text.contains("_created") == (createdSamples == true))
    }
}
