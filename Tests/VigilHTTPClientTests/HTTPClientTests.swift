import Foundation
import Logging
import Synchronization
import Testing
import VigilCore
import VigilHTTPClient
import VigilTestSupport

/// The simple request API the webhook sender, the Alertmanager client and the Prometheus query client use,
/// against the loopback Elasticsearch-compatible server of VigilTestSupport.
@Suite(.serialized) struct HTTPClientTests {
    func withServer<T: Sendable>(_ configuration: MockElasticsearch.Configuration = .init(),
                                 _ body: (MockElasticsearch) async throws -> T) async throws -> T {
        let server = MockElasticsearch(configuration: configuration)
        _ = try await server.start()
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    @Test func getAndPostJSON() async throws {
        try await withServer { server in
            let client = try HTTPClient(configuration: HTTPClientConfiguration())
            defer { client.shutdown() }
            let info = try await client.request(method: "GET", url: server.url + "/")
            #expect(info.status == 200)
            #expect(info.header("X-Elastic-Product") == "Elasticsearch")
            #expect(try JSONReader.parse(info.body)["tagline"]?.stringValue == "You Know, for Search")

            let body = #"{"create":{"_index":"a","_id":"1"}}"# + "\n" + #"{"m":1}"# + "\n"
            let created = try await client.request(method: "POST", url: server.url + "/_bulk",
                                                   headers: ["Content-Type": "application/x-ndjson"], body: Array(body.utf8))
            #expect(created.status == 200)
            #expect(try JSONReader.parse(created.body)["errors"]?.boolValue == false)
            #expect(server.documentCount == 1)
        }
    }

    /// Statuses are answers, not errors: only a missing response throws.
    @Test func errorStatusesAreReturnedAndConnectFailuresThrow() async throws {
        let port = try await withServer { server in
            let client = try HTTPClient(configuration: HTTPClientConfiguration())
            defer { client.shutdown() }
            let response = try await client.request(method: "POST", url: server.url + "/_bulk", headers: ["Content-Type": "text/plain"], body: Array("x".utf8))
            #expect((400..<500).contains(response.status))
            return server.port
        }
        let client = try HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(2)))
        defer { client.shutdown() }
        await #expect { _ = try await client.request(method: "GET", url: "http://127.0.0.1:\(port)/") } throws: { error in
            (error as? CurlError)?.isConnectFailure == true
        }
    }

    /// A request's own timeout wins over the client's; the client's applies otherwise.
    @Test(arguments: [(Duration?.some(.milliseconds(200)), Duration.seconds(30)), (nil, .milliseconds(200))])
    func timeouts(requestTimeout: Duration?, clientTimeout: Duration) async throws {
        try await withServer { server in
            try await server.setFaults(MockFaults(delayMilliseconds: 3000))
            let client = try HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: clientTimeout))
            defer { client.shutdown() }
            let clock = ContinuousClock()
            let start = clock.now
            let body = #"{"create":{"_index":"a","_id":"1"}}"# + "\n{}\n"
            await #expect { _ = try await client.request(method: "POST", url: server.url + "/_bulk", headers: ["Content-Type": "application/x-ndjson"],
                                                         body: Array(body.utf8), timeout: requestTimeout) } throws: { error in
                (error as? CurlError)?.isTimeout == true
            }
            #expect(clock.now - start < .seconds(2))
        }
    }

    /// Credentials come from a file or the environment and reach the server as `Authorization`.
    @Test func authenticationHeadersFromFileAndEnvironment() async throws {
        let directory = NSTemporaryDirectory() + "vigil-http-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "s3cret-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let cases: [(HTTPAuthentication, String)] = [
            (.bearer(HTTPSecretSource(file: directory + "/token")), "Bearer s3cret-token"),
            (.apiKey(HTTPSecretSource(environment: "TEST_KEY")), "ApiKey a2V5"),
            (.basic(username: "vigil", password: HTTPSecretSource(environment: "TEST_PASSWORD")), "Basic dmlnaWw6cGE1NQ=="),
        ]
        for (authentication, expected) in cases {
            try await withServer(.init(requiredAuthorization: expected)) { server in
                let client = try HTTPClient(configuration: HTTPClientConfiguration(authentication: authentication),
                                            environment: ["TEST_KEY": "a2V5", "TEST_PASSWORD": "pa55"])
                defer { client.shutdown() }
                #expect(try await client.request(method: "GET", url: server.url + "/").status == 200)
                #expect(server.lastAuthorization == expected)
            }
        }
    }

    @Test(arguments: [
        (HTTPAuthentication.bearer(HTTPSecretSource(environment: "NOPE_TOKEN")), "NOPE_TOKEN"),
        (.apiKey(HTTPSecretSource(file: "/nonexistent/vigil-key")), "/nonexistent/vigil-key"),
        (.basic(username: "u", password: HTTPSecretSource()), "no password configured"),
    ])
    func missingSecretsNameTheSource(authentication: HTTPAuthentication, expected: String) {
        #expect { _ = try HTTPClient(configuration: HTTPClientConfiguration(authentication: authentication), environment: [:]) } throws: { error in
            "\(error)".contains(expected)
        }
    }

    /// Secrets never reach a log line: credentials print redacted, URLs lose their userinfo, secret headers
    /// their values; the insecure switch is logged as a warning.
    @Test func redactionAndTheInsecureWarning() throws {
        let credentials = try HTTPCredentials(.apiKey(HTTPSecretSource(environment: "K")), environment: ["K": "top-secret"])
        #expect(credentials.headers == ["Authorization: ApiKey top-secret"])
        #expect(!"\(credentials)".contains("top-secret"))
        let request = CurlRequest(method: "POST", url: "https://vigil:pw@alerts.example/api?x=1",
                                  headers: credentials.headers + ["X-Api-Key: k1", "Content-Type: application/json", "X-Auth-Token: t"])
        #expect(request.redactedDescription
                == "POST https://alerts.example/api?x=1 [Authorization: <redacted>, X-Api-Key: <redacted>, Content-Type: application/json, X-Auth-Token: <redacted>]")

        let lines = LogLines()
        let logger = Logger(label: "test") { _ in lines }
        let client = try HTTPClient(configuration: HTTPClientConfiguration(tls: CurlTLSOptions(insecureSkipVerify: true)), logger: logger)
        client.shutdown()
        #expect(lines.all.contains { $0.hasPrefix("warning TLS certificate verification is off") })
        let quiet = LogLines()
        _ = try HTTPClient(configuration: HTTPClientConfiguration(), logger: Logger(label: "test") { _ in quiet })
        #expect(quiet.all.isEmpty)
    }
}

/// A log handler that keeps `level message` lines.
final class LogLines: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.withLock { $0.append("\(event.level) \(event.message)") } }
}
