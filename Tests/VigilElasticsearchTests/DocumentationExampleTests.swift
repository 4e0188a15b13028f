// Every ```swift example of a doc comment under Sources/VigilElasticsearch, Sources/VigilGzip and
// Sources/VigilTestSupport, verbatim, in a test that compiles and runs it (against the mock Elasticsearch of
// VigilTestSupport where it does I/O, with the values its comments state checked after it).
// `documentationExamplesAreCompiled` (Tests/VigilCoreTests/DocumentationExampleTests.swift) fails when an example
// in the sources is not found line for line in a test target's DocumentationExampleTests.swift: change an example
// in both places.
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VigilCore
import VigilElasticsearch
import VigilGzip
import VigilStorage
import VigilTestSupport

@Suite struct ElasticsearchDocumentationExampleTests {
    /// VigilElasticsearch/ElasticsearchConfiguration.swift
    @Test func elasticsearchConfiguration() throws {
        var configuration = ElasticsearchConfiguration(url: "https://es:9200")
        configuration.auth = .init(type: .apiKey, apiKeyFile: "/run/secrets/es")
        configuration.gzipLevel = 1
        #expect(configuration.validationErrors().isEmpty)
    }

    /// VigilElasticsearch/ElasticsearchSetup.swift
    @Test func elasticsearchSetup() async throws {
        try await withMock { mock in
            let configuration = ElasticsearchConfiguration(url: mock.url)
            let setup = ElasticsearchSetup(configuration: configuration, lifecyclePolicy: true, retentionDays: 30)
            let steps = try await setup.run()   // ["PUT _ilm/policy/vigil-logs: 200", "PUT _index_template/vigil-logs: 200"]
            #expect(steps == ["PUT _ilm/policy/vigil-logs: 200", "PUT _index_template/vigil-logs: 200"])
        }
    }

    /// VigilElasticsearch/ElasticsearchContact.swift
    @Test func elasticsearchContact() throws {
        let seen = Mutex<[String]>([])
        let print: @Sendable (ElasticsearchContact.Status) -> Void = { status in seen.withLock { $0.append("\(status)") } }
        let contact = ElasticsearchContact { status in print(status) }
        contact.failed("connection refused")   // notReady(reason: "connection refused")
        contact.succeeded()                    // ready
        contact.failed("HTTP 503")             // (nothing: already ready)
        #expect(seen.withLock { $0 } == [#"notReady(reason: "connection refused")"#, "ready"])
        #expect(contact.status == .ready)
    }

    /// VigilElasticsearch/ElasticsearchShipper.swift: builds the shipper and its service group (running it is
    /// what ElasticsearchShipperTests do against the mock).
    @Test func elasticsearchShipper() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        let registry = MetricRegistry()
        let logger = Logger(label: "test")
        let shipper = try ElasticsearchShipper(configuration: .init(url: "http://127.0.0.1:9200"), spool: spool,
                                               deadLetters: spool.deadLetters, metrics: registry, logger: logger)
        let group = ServiceGroup(services: [shipper], logger: logger)   // graceful shutdown flushes
        _ = group
    }

    /// VigilGzip/GzipStream.swift
    @Test func gzipStream() throws {
        let stream = GzipStream(level: 1)
        var packed = [UInt8](repeating: 0, count: 4_096)
        let input: [UInt8] = Array("hello, hello, hello".utf8)
        let (consumed, written) = input.withUnsafeBytes { text in
            packed.withUnsafeMutableBytes { stream.compress(text, isLast: true, into: $0) }
        }
        // consumed == input.count, stream.isFinished, packed[0..<written] is a gzip member
        #expect(consumed == input.count)
        #expect(stream.isFinished)
        #expect(try Gzip.decompress(Array(packed[0..<written]), maxOutputBytes: 1 << 20) == input)
    }

    /// VigilGzip/VigilGzip.swift (GzipCompressor)
    @Test func gzipCompressor() throws {
        let compressor = try GzipCompressor(level: 1, library: .auto)   // ISA-L level 1
        let packed = compressor.compress(Array("hello".utf8))
        #expect(compressor.engine == .isal && compressor.level == 1)
        #expect(try Gzip.decompress(packed, maxOutputBytes: 1 << 20) == Array("hello".utf8))
    }

    /// VigilGzip/VigilGzip.swift (Gzip)
    @Test func gzip() throws {
        let packed = Gzip.compress(Array("hello".utf8))
        let back = try Gzip.decompress(packed, maxOutputBytes: 1 << 20)   // "hello"
        #expect(back == Array("hello".utf8))
    }

    /// VigilTestSupport/MockElasticsearch/MockElasticsearch.swift
    @Test func mockElasticsearch() async throws {
        let es = MockElasticsearch()
        let port = try await es.start()            // 127.0.0.1, a free port
        try await es.setFaults(MockFaults(itemStatus: 429, itemFraction: 0.05))
        // … send bulk requests to es.url (http://127.0.0.1:<port>) …
        es.documentCount                           // exact
        try await es.stop()
        #expect(port > 0)
        #expect(es.documentCount == 0)
    }
}
