// Every ```swift example of a doc comment under Sources/VigilHTTPClient but HTTPClient.swift's, verbatim, in a test
// that compiles and runs it (against the loopback mock Elasticsearch of VigilTestSupport where it does I/O, with the
// values its comments state checked after it). HTTPClient.swift's posts to a real Alertmanager: it is in
// Tests/IntegrationTests/DocumentationExampleTests.swift. `documentationExamplesAreCompiled`
// (Tests/VigilCoreTests/DocumentationExampleTests.swift) fails when an example in the sources is not found line for
// line in a test target's DocumentationExampleTests.swift: change an example in both places.
import Foundation
import Testing
import VigilCore
import VigilHTTPClient
import VigilTestSupport

@Suite struct HTTPClientDocumentationExampleTests {
    /// HTTPCredentials.swift
    @Test func httpCredentials() throws {
        let credentials = try HTTPCredentials(.bearer(HTTPSecretSource(environment: "TOKEN")), environment: ["TOKEN": "abc"])
        credentials.headers        // ["Authorization: Bearer abc"]
        "\(credentials)"           // "HTTPCredentials(bearer, secret redacted)"
        #expect(credentials.headers == ["Authorization: Bearer abc"])
        #expect("\(credentials)" == "HTTPCredentials(bearer, secret redacted)")
    }

    /// CurlClient.swift
    @Test func curlClient() async throws {
        let mock = MockElasticsearch()
        _ = try await mock.start()
        let elasticsearch = mock.url
        do {
            let client = CurlClient(configuration: .init(), connections: 2)
            let response = try await client.send(CurlRequest(method: "GET", url: elasticsearch + "/"))   // e.g. "http://127.0.0.1:9200"
            client.shutdown()
            #expect(response.status == 200)
        } catch {
            Issue.record("\(error)")
        }
        try await mock.stop()
    }

    /// BlockingPool.swift
    @Test func blockingPool() async throws {
        let pool = BlockingPool(label: "vigil.example")
        let answer = try await pool.run { 40 + 2 }   // 42, computed on the pool's thread
        pool.shutdown()
        #expect(answer == 42)
    }
}
