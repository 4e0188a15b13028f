import Foundation
import Logging
import Testing
import VigilGzip
import VigilCore
@testable import VigilElasticsearch
import VigilStorage
import VigilTestSupport

/// The shipper against the mock over real libcurl on loopback, with a real spool in a temp dir.
@Suite(.serialized) struct ElasticsearchShipperTests {
    static let index = "vigil-logs-2026.11.29"

    func makeShipper(_ fixture: SpoolFixture, _ configuration: ElasticsearchConfiguration, logger: Logger = Logger(label: "test"),
                     registry: MetricRegistry = MetricRegistry(), environment: [String: String] = [:]) throws -> ElasticsearchShipper {
        try ElasticsearchShipper(configuration: configuration, spool: fixture.spool, deadLetters: fixture.spool.deadLetters,
                                 metrics: registry, logger: logger, environment: environment)
    }

    /// A batch's requests go to its first item's index (items for it omit `_index`); the pipeline stays a parameter.
    @Test func bulkURLNamesTheBatchIndex() {
        var configuration = ElasticsearchConfiguration(url: "http://127.0.0.1:9200/")
        configuration.pipeline = "enrich logs"
        #expect(configuration.bulkURL(index: "vigil-logs-2026.11.29")
                == "http://127.0.0.1:9200/vigil-logs-2026.11.29/_bulk?filter_path=errors,items.*.status,items.*.error&pipeline=enrich%20logs")
        #expect(configuration.bulkURL(index: nil) == "http://127.0.0.1:9200/_bulk?filter_path=errors,items.*.status,items.*.error&pipeline=enrich%20logs")
    }

    /// Uncompressed, ISA-L (the default for level 1), zlib level 1 and zlib level 6 (what `auto` picks above 3):
    /// the mock inflates every body with zlib, as Elasticsearch would.
    @Test(arguments: [(0, GzipLibrary.auto), (1, .auto), (1, .zlib), (6, .auto)])
    func deliversEveryEventOnce(gzipLevel: Int, library: GzipLibrary) async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(5000)
        try await withMock { mock in
            let registry = MetricRegistry()
            var configuration = testConfiguration(url: mock.url, gzipLevel: gzipLevel)
            configuration.gzipLibrary = library
            let shipper = try makeShipper(fixture, configuration, registry: registry)
            try await withRunningShipper(shipper) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == 5000)
            #expect(mock.duplicatesAttempted == 0)
            let docs = mock.documents(index: Self.index)
            #expect(docs.count == 5000)
            #expect(Set(docs.keys) == Set((0..<5000).map { "t:\($0)" }))
            // ECS fields were spliced in beside the originals.
            let doc = try JSONReader.parse(try #require(docs["t:7"]))
            #expect(doc["service.name"]?.stringValue == "api")
            #expect(doc["log.level"]?.stringValue == "info")
            #expect(doc["host.name"]?.stringValue == "test-host")
            #expect(doc["@timestamp"]?.stringValue == "2026-11-29T12:00:00.007Z")
            #expect(doc["n"]?.intValue == 7)
            #expect(mock.stats().gzipRequests == (gzipLevel > 0 ? mock.stats().bulkRequests : 0))
            let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            #expect(text.contains(#"vigil_elasticsearch_documents_total{outcome="delivered"} 5000"#))
            #expect(text.contains(#"vigil_elasticsearch_requests_total{status="200"}"#))
        }
    }

    /// The issue's outage test, shortened: the server refuses connections for a while (3 s here;
    /// `VIGIL_ES_OUTAGE_SECONDS=30` for the full-length run) while 100,000 events enter the spool.
    @Test func outageThenRecoveryIndexesEveryEventExactlyOnce() async throws {
        let outage = Double(ProcessInfo.processInfo.environment["VIGIL_ES_OUTAGE_SECONDS"] ?? "") ?? 3
        let fixture = try SpoolFixture()
        let total = 100_000
        try await withMock(.init(storeBodies: false, strictJSON: false)) { mock in
            try fixture.appendEvents(10_000, blockSize: 1000)
            try await mock.setFaults(MockFaults(refuseConnections: true))
            var configuration = testConfiguration(url: mock.url)
            configuration.batch = .init(maxBytes: 5 << 20, maxEvents: 5000, timeout: .milliseconds(100))
            let shipper = try makeShipper(fixture, configuration)
            try await withRunningShipper(shipper) {
                // Events keep arriving during the outage.
                let clock = ContinuousClock()
                let start = clock.now
                for chunk in 1..<10 {
                    try fixture.appendEvents(10_000, blockSize: 1000, start: chunk * 10_000)
                    try await Task.sleep(for: .seconds(outage / 10))
                }
                try await Task.sleep(until: start + .seconds(outage))
                #expect(mock.documentCount == 0)
                try await mock.setFaults(.none)
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == total)
            #expect(mock.documents(index: Self.index).count == total)
            #expect(Set(mock.documentIDs().map(\.id)) == Set((0..<total).map { "t:\($0)" }))
        }
    }

    @Test func partial429ResendsOnlyTheFailedItems() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(3000)
        try await withMock { mock in
            try await mock.setFaults(MockFaults(seed: 42, itemStatus: 429, itemFraction: 0.1))
            let registry = MetricRegistry()
            let shipper = try makeShipper(fixture, testConfiguration(url: mock.url), registry: registry)
            try await withRunningShipper(shipper) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            let stats = mock.stats()
            #expect(stats.documents == 3000)
            #expect(stats.itemFaultsInjected > 100)
            // Exactly the rejected items were sent again: nothing that succeeded was resent (no 409s).
            #expect(stats.itemsReceived == 3000 + stats.itemFaultsInjected)
            #expect(stats.duplicates == 0)
            let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            #expect(text.contains("vigil_elasticsearch_documents_total{outcome=\"retried\"} \(stats.itemFaultsInjected)"))
        }
    }

    @Test func mappingErrorsAreDeadLetteredAndTheRestDelivered() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(1000, body: { n in
            #"{"message":"m\#(n)","user":"\#(n % 100 == 0 ? "bad-\(n)" : "ok")"}"#
        })
        try await withMock { mock in
            try await mock.setFaults(MockFaults(reject: .init(field: "user", contains: "bad")))
            let registry = MetricRegistry()
            let shipper = try makeShipper(fixture, testConfiguration(url: mock.url), registry: registry)
            try await withRunningShipper(shipper) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == 990)
            let letters = try fixture.spool.deadLetters.list(limit: 100)
            #expect(letters.count == 10)
            #expect(Set(letters.map(\.position)) == Set(stride(from: 0, to: 1000, by: 100).map { "t:\($0)" }))
            for letter in letters {
                #expect(letter.source == "elasticsearch")
                #expect(letter.reason == "mapper_parsing_exception")
                #expect(letter.statusCode == 400)
                #expect(letter.detail?.contains("failed to parse field [user]") == true)
                #expect(String(decoding: letter.raw, as: UTF8.self).contains("bad-"))
            }
            let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            #expect(text.contains(#"vigil_dead_letters_total{reason="mapper_parsing_exception"} 10"#))
            #expect(text.contains(#"vigil_elasticsearch_documents_total{outcome="dead_lettered"} 10"#))
        }
    }

    @Test func requestTooLargeIsSplitAndAnOversizedDocumentDeadLettered() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(400, body: { n in
            n == 123 ? #"{"message":"\#(String(repeating: "x", count: 40_000))"}"# : #"{"message":"event \#(n)"}"#
        })
        try await withMock(.init(maxRequestBytes: 16 << 10)) { mock in
            var configuration = testConfiguration(url: mock.url, gzipLevel: 0)
            configuration.batch = .init(maxBytes: 5 << 20, maxEvents: 5000, timeout: .milliseconds(50))
            let registry = MetricRegistry()
            let shipper = try makeShipper(fixture, configuration, registry: registry)
            try await withRunningShipper(shipper) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == 399)
            let letters = try fixture.spool.deadLetters.list(limit: 10)
            #expect(letters.map(\.position) == ["t:123"])
            #expect(letters.first?.statusCode == 413)
            #expect(letters.first?.reason == "http_413")
            let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            #expect(text.contains(#"vigil_elasticsearch_requests_total{status="413"}"#))
        }
    }

    @Test func wholeRequestFailuresAndCutConnectionsLoseNothing() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(4000)
        try await withMock { mock in
            try await mock.setFaults(MockFaults(seed: 3, wholeRequest: .init(status: 429, next: 2, fraction: 0.2),
                                                closeMidResponseFraction: 0.2, closeMidResponseNext: 1))
            let shipper = try makeShipper(fixture, testConfiguration(url: mock.url))
            try await withRunningShipper(shipper) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == 4000)
            #expect(mock.stats().requestFaultsInjected >= 2)
            // Responses cut mid-way were applied by the server; the resend found them: 409, counted as delivered.
            #expect(mock.duplicatesAttempted > 0)
            #expect(try fixture.spool.deadLetters.count() == 0)
        }
    }

    @Test func maxRetriesDeadLettersAfterTheLimit() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(50)
        try await withMock { mock in
            try await mock.setFaults(MockFaults(wholeRequest: .init(status: 503, fraction: 1)))
            var configuration = testConfiguration(url: mock.url)
            configuration.maxRetries = 2
            let shipper = try makeShipper(fixture, configuration)
            try await withRunningShipper(shipper) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.stats().bulkRequests == 3)   // first attempt + 2 retries
            let letters = try fixture.spool.deadLetters.list(limit: 100)
            #expect(letters.count == 50)
            #expect(letters.allSatisfy { $0.reason == "max_retries_exceeded" && $0.detail?.contains("cluster_block_exception") == true })
        }
    }

    @Test func gracefulShutdownFlushesAPartialBatch() async throws {
        let fixture = try SpoolFixture()
        try await withMock { mock in
            var configuration = testConfiguration(url: mock.url)
            configuration.batch = .init(maxBytes: 5 << 20, maxEvents: 5000, timeout: .seconds(3600))
            let shipper = try makeShipper(fixture, configuration)
            try await withRunningShipper(shipper) {
                try fixture.appendEvents(37)
                try await Task.sleep(for: .milliseconds(200))
                // Far from max_events and the batch timeout: nothing is sent yet.
                #expect(mock.stats().bulkRequests == 0)
            }
            #expect(mock.documentCount == 37)
            #expect(fixture.undeliveredEvents == 0)
        }
    }

    @Test func shutdownDeadlineLeavesUndeliveredEventsInTheSpool() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(500)
        try await withMock { mock in
            try await mock.setFaults(MockFaults(refuseConnections: true))
            var configuration = testConfiguration(url: mock.url)
            configuration.shutdownTimeout = .milliseconds(300)
            let shipper = try makeShipper(fixture, configuration)
            try await withRunningShipper(shipper) {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(fixture.undeliveredEvents == 500)

            // The next start delivers them.
            try await mock.setFaults(.none)
            let second = try makeShipper(fixture, testConfiguration(url: mock.url))
            try await withRunningShipper(second) {
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == 500)
        }
    }

    @Test func secretsNeverReachLogsOrMetrics() async throws {
        let apiKey = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
        let urlPassword = "url-pa55word"
        let fixture = try SpoolFixture()
        try fixture.appendEvents(300)
        try await withMock(.init(requiredAuthorization: "ApiKey \(apiKey)")) { mock in
            let (logger, logs) = CapturingLogHandler.logger()
            // Credentials in the URL too: they must be redacted wherever the URL is logged.
            var configuration = testConfiguration(url: "http://vigil:\(urlPassword)@127.0.0.1:\(mock.port)")
            configuration.auth = .init(type: .apiKey, apiKeyEnv: "TEST_ES_API_KEY")
            configuration.maxRetries = nil
            let registry = MetricRegistry()
            try await mock.setFaults(MockFaults(refuseConnections: true))
            let shipper = try makeShipper(fixture, configuration, logger: logger, registry: registry,
                                          environment: ["TEST_ES_API_KEY": apiKey + "\n"])
            try await withRunningShipper(shipper) {
                try await Task.sleep(for: .milliseconds(300))   // connection errors get logged with the URL
                try await mock.setFaults(.none)
                try await expectEventually { fixture.undeliveredEvents == 0 }
            }
            #expect(mock.documentCount == 300)
            #expect(mock.lastAuthorization == "ApiKey \(apiKey)")
            let text = logs.text
            #expect(text.contains("bulk request got no response"))
            #expect(text.contains("127.0.0.1:\(mock.port)"))
            #expect(!text.contains(apiKey))
            #expect(!text.contains(urlPassword))
            let metrics = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            #expect(!metrics.contains(apiKey) && !metrics.contains(urlPassword))
            #expect(!"\(try ElasticsearchCredentials(configuration.auth, environment: ["TEST_ES_API_KEY": apiKey]))".contains(apiKey))
        }
    }

    @Test func insecureSkipVerifyIsLoggedAsAWarning() async throws {
        let fixture = try SpoolFixture()
        try await withMock { mock in
            let (logger, logs) = CapturingLogHandler.logger()
            var configuration = testConfiguration(url: mock.url)
            configuration.tls.insecureSkipVerify = true
            let shipper = try makeShipper(fixture, configuration, logger: logger)
            try await withRunningShipper(shipper) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(logs.all.contains { $0.hasPrefix("warning TLS certificate verification is off") })
        }
    }

    @Test(arguments: [
        (ElasticsearchConfiguration.Auth(type: .apiKey), "api_key"),
        (ElasticsearchConfiguration.Auth(type: .basic, passwordEnv: "X"), "username"),
        (ElasticsearchConfiguration.Auth(type: .bearer, tokenFile: "/a", tokenEnv: "B"), "exactly one"),
    ])
    func invalidAuthIsRejectedAtStart(auth: ElasticsearchConfiguration.Auth, expected: String) throws {
        var configuration = ElasticsearchConfiguration()
        configuration.auth = auth
        #expect(configuration.validationErrors().contains { $0.contains(expected) })
    }

    @Test func missingSecretNamesTheVariableNotTheValue() {
        #expect {
            _ = try ElasticsearchCredentials(.init(type: .bearer, tokenEnv: "NOPE_TOKEN"), environment: [:])
        } throws: { error in
            "\(error)".contains("NOPE_TOKEN")
        }
    }
}
