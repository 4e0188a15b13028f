import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VigilCore
import VigilGzip
@testable import VigilServer

struct MetricsEndpointTests {
    static func server(readiness: Readiness = Readiness()) -> (VigilHTTPServer, MetricRegistry) {
        let registry = MetricRegistry()
        registry.counter("demo_events_total", help: "Demo.", labelNames: ["kind"]).labels("a").increment(by: 3)
        let server = VigilHTTPServer(.init(registry: registry, readiness: readiness, authenticator: Authenticator(tokens: []),
                                           ingestor: nil, logSearch: nil, maxBodyBytes: 1024,
                                           makeRequestID: { "r" }, monotonicSeconds: { 0 }))
        return (server, registry)
    }

    @Test(arguments: [
        (nil as String?, "text/plain; version=0.0.4; charset=utf-8"),
        ("text/plain", "text/plain; version=0.0.4; charset=utf-8"),
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         "application/openmetrics-text; version=1.0.0; charset=utf-8"),
    ])
    func formatFollowsAccept(accept: String?, contentType: String) async throws {
        let (server, _) = Self.server()
        var fields = HTTPFields()
        if let accept { fields[.accept] = accept }
        let headers = fields
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == contentType)
                let text = String(buffer: response.body)
                #expect(text.contains("demo_events_total{kind=\"a\"} 3"))
                #expect(text.hasSuffix("# EOF\n") == contentType.hasPrefix("application/openmetrics-text"))
            }
        }
    }

    @Test func gzipWhenAcceptEncodingAllows() async throws {
        let (server, _) = Self.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                let plain = try Gzip.decompress(Array(response.body.readableBytesView), maxOutputBytes: 1 << 20)
                #expect(String(decoding: plain, as: UTF8.self).contains("demo_events_total"))
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip;q=0, identity"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
    }

    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    /// A registry of `series` counters and as many histograms; 5,000 of each render to about 1 MB, many
    /// 64 KiB pieces on the gzip path.
    static func filledRegistry(series: Int) -> MetricRegistry {
        let registry = MetricRegistry()
        let counters = registry.counter("app_requests_total", help: "Requests.", labelNames: ["service", "route", "status"])
        let latency = registry.histogram("app_latency_seconds", help: "Latency.", labelNames: ["route"],
                                         buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])
        for i in 0..<series {
            counters.labels("svc-\(i % 20)", "/api/v1/resource/\(i / 20)", ["200", "404", "500"][i % 3]).increment(by: i)
            latency.labels("/api/v1/resource/\(i)").observe(Double(i % 97) * 0.013)
        }
        return registry
    }

    /// The path of `gzip` on this machine (Debian always has it).
    static func gzipExecutable() -> String? {
        ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func gunzipWithGzipTool(_ bytes: [UInt8]) throws -> [UInt8] {
        let tool = try #require(gzipExecutable(), "gzip(1) is needed to check the body with another decoder")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-metrics-\(UUID()).gz")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-dc", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "gzip -d exit status")
        return Array(data)
    }

    /// The gzip body (ISA-L, written piece by piece) decompresses with zlib and with gzip(1) to exactly the
    /// plain body, in both formats, for a body of one piece and one of many; plain scrapes after gzip ones
    /// (reusing the kept buffer) are still exact.
    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics], [3, 5_000])
    func gzipBodyIsExactlyThePlainBody(format: ExpositionFormat, series: Int) async throws {
        let registry = Self.filledRegistry(series: series)
        let endpoint = MetricsEndpoint(registry: registry, monotonicSeconds: { 0 })
        // Only /metrics, without the request-counting middleware, so consecutive bodies are identical.
        let router = Router(context: BasicRequestContext.self)
        router.get("/metrics") { request, _ in endpoint.respond(to: request) }
        let accept = format == .openMetrics ? Self.prometheusAccept : "text/plain;version=0.0.4"
        let expected = registry.render(format)
        try await Application(router: router).test(.router) { client in
            for round in 0..<2 {
                try await client.execute(uri: "/metrics", method: .get, headers: [.accept: accept]) { response in
                    #expect(response.headers[.contentEncoding] == nil)
                    #expect(response.headers[.contentType] == format.contentType)
                    #expect(Array(response.body.readableBytesView) == expected, "plain body, round \(round)")
                }
                try await client.execute(uri: "/metrics", method: .get,
                                         headers: [.accept: accept, .acceptEncoding: "gzip"]) { response in
                    #expect(response.headers[.contentEncoding] == "gzip")
                    let packed = Array(response.body.readableBytesView)
                    #expect(packed.count < expected.count / 4 || expected.count < 4_096)
                    let viaZlib = try Gzip.decompress(packed, maxOutputBytes: 1 << 28)
                    let viaGzipTool = try Self.gunzipWithGzipTool(packed)
                    #expect(viaZlib == expected, "zlib, round \(round)")
                    #expect(viaGzipTool == expected, "gzip -d, round \(round)")
                }
            }
        }
    }

    @Test func readyzListsWhatIsNotReady() async throws {
        let readiness = Readiness()
        readiness.register("storage")
        readiness.register("sink.elasticsearch", reason: "connecting")
        readiness.markReady("storage")
        let (server, _) = Self.server(readiness: readiness)
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"not ready","parts":{"sink.elasticsearch":"connecting","storage":"ready"}}"#)
            }
            readiness.markReady("sink.elasticsearch")
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func requestsAreCountedByBoundedRoute() async throws {
        let (server, registry) = Self.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { _ in }
            try await client.execute(uri: "/no/such/path/\(UUID())", method: .get) { response in #expect(response.status == .notFound) }
        }
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains(#"vigil_http_requests_total{route="/healthz",code="200"} 1"#))
        #expect(text.contains(#"vigil_http_requests_total{route="other",code="404"} 1"#))
    }

    @Test(arguments: [
        ("{\"a\":1}\n{\"b\":2}", [1, 2]),
        ("\n\n{\"a\":1}\r\n\n{\"b\":2}\n", [3, 5]),
        (" [ {\"a\":\"],\"} , {\"b\":[1,2]} ] ", [1, 2]),
    ])
    func framingKeepsClientLineNumbers(body: String, numbers: [Int]) throws {
        let docs = try RequestFraming.split(Array(body.utf8))
        #expect(docs.map(\.number) == numbers)
    }
}
