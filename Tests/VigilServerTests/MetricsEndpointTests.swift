import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VigilCore
import VigilGzip
import VigilServer

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
