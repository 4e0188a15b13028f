import Foundation
import Logging
import Testing
import VigilCore
import VigilElasticsearch
import VigilHTTPClient
@testable import VigilRuntime
import VigilServer
import VigilStorage
import VigilTestSupport

/// One way into the spool (``SpoolWriter``) for every source, one way out (``SpoolConsumer``) for every sink.
@Suite(.serialized) struct SpoolPathsTests {
    /// The built agent with a file, stdin and HTTP: each source's events are counted by the one writer.
    @Test func fileStdinAndHTTPEventsCommitThroughTheOneWriter() throws {
        let dir = try Harness.tempDirectory("vigil-spool-paths")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("app.log")
        try "{\"message\":\"one\"}\n{\"message\":\"two\"}\n".write(to: log, atomically: true, encoding: .utf8)
        let stdinFile = dir.appendingPathComponent("stdin.ndjson")
        try "{\"message\":\"from stdin\"}\n".write(to: stdinFile, atomically: true, encoding: .utf8)
        let config = """
        sources:
          - { type: http }
          - { type: file, name: app, paths: ["\(log.path)"], scan_interval: 100ms }
          - { type: stdin }
        """
        let agent = try AgentProcess(arguments: [], config: config, directory: dir, stdin: try FileHandle(forReadingFrom: stdinFile))
        defer { agent.child.stop() }
        let body = "{\"message\":\"a\"}\n{\"message\":\"b\"}\n{\"message\":\"c\"}\nnot json\n"
        #expect(try Harness.http("POST", "\(agent.baseURL)/v1/logs", body: Data(body.utf8)).status == 202)

        let expected = [#"source="app""#: 2.0, #"source="stdin""#: 1, #"source="http""#: 3]
        let text = try Harness.eventually("the writer counted every source's events", seconds: 30) { () -> String? in
            let text = try agent.metricsText()
            let done = expected.allSatisfy { PrometheusScrapeTests.sampleValue(text, "vigil_spool_appended_events_total{\($0.key)}") == $0.value }
            return done ? text : nil
        }
        // Nothing else enters the spool: every event the spool got, the writer counted.
        let spooled = expected.keys.compactMap { PrometheusScrapeTests.sampleValue(text, "vigil_spool_appended_events_total{\($0)}") }.reduce(0, +)
        let stored = try Harness.eventually("the embedded store took them", seconds: 30) { () -> Double? in
            let value = PrometheusScrapeTests.sampleValue(try agent.metricsText(), "vigil_local_store_events_total") ?? 0
            return value >= 6 ? value : nil
        }
        #expect(spooled == 6)
        #expect(stored == spooled)
        // The file's checkpoint was committed by the same writer (stdin and HTTP have none).
        let later = try agent.metricsText()
        #expect((PrometheusScrapeTests.sampleValue(later, #"vigil_file_checkpoints_total{source="app"}"#) ?? 0) >= 1)
        #expect(PrometheusScrapeTests.sampleValue(later, #"vigil_file_checkpoints_total{source="http"}"#) == nil)
    }

    enum SinkKind: String, CaseIterable, Sendable { case local, elasticsearch }

    /// A spool of three blocks (3, 4 and 5 events) whose middle block's segment file is gone: either sink
    /// delivers the other eight events, and its consumer dead-letters the unreadable block the same way, with
    /// the same metrics.
    @Test(arguments: SinkKind.allCases)
    func anUnreadableBlockIsHandledAlikeByBothSinks(kind: SinkKind) async throws {
        let dir = try Harness.tempDirectory("vigil-consumer-\(kind.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try VigilDatabase(dataDirectory: dir.path)
        // One segment file per block, so one block can be lost on its own.
        let spool = try Spool(database: database, configuration: SpoolConfiguration(segmentBytes: 1))
        let registry = MetricRegistry()
        let writer = SpoolWriter(spool: spool, registry: registry)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var n = 0
        for size in [3, 4, 5] {
            let records = (0..<size).map { _ -> SpoolRecord in
                n += 1
                return SpoolRecord(id: "e\(n)", kind: 0, timestampMillis: now, source: "test",
                                   body: Array(#"{"message":"event \#(n)","service":"api","level":"info"}"#.utf8))
            }
            #expect(try writer.append(records, source: "test") == .committed)
        }
        try FileManager.default.removeItem(atPath: dir.appendingPathComponent("spool/000000000002.blocks").path)

        let logger = Logger(label: "test")
        let mock = MockElasticsearch()
        let service: any ServiceRunnable
        var storeFor: LogStore?
        switch kind {
        case .local:
            let store = try LogStore(dataDirectory: dir.path)
            storeFor = store
            service = LocalStoreSink(spool: spool, store: store, io: BlockingPool(label: "test.local"), registry: registry,
                                     readiness: Readiness(), logger: logger, now: { Int64(Date().timeIntervalSince1970 * 1000) })
        case .elasticsearch:
            _ = try await mock.start()
            var configuration = ElasticsearchConfiguration(url: mock.url)
            configuration.batch.timeout = .milliseconds(50)
            configuration.hostName = "test-host"
            service = try ElasticsearchShipper(configuration: configuration, spool: spool, deadLetters: spool.deadLetters,
                                               metrics: registry, logger: logger)
        }
        let task = Task { try await service.run() }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while try spool.stats().events > 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        (service as? ElasticsearchShipper)?.requestShutdown()
        task.cancel()
        _ = try? await task.value
        if kind == .elasticsearch { try await mock.stop() }

        #expect(try spool.stats().events == 0)
        // The same metric names and values whichever sink consumed.
        #expect(registry.counter("vigil_spool_corrupt_blocks_total", help: "").labels().value == 1)
        #expect(registry.counter("vigil_spool_corrupt_events_total", help: "").labels().value == 4)
        // The same dead letter, naming the sink that met it.
        let letters = try spool.deadLetters.list(limit: 10)
        #expect(letters.count == 1)
        #expect(letters.first?.reason == "corrupt_spool_block")
        #expect(letters.first?.source == kind.rawValue)
        #expect(letters.first?.detail?.hasPrefix("4 events lost:") == true)
        // The other blocks' events were delivered.
        switch kind {
        case .local:
            let hits = try #require(storeFor).search(LogQuery(text: nil, limit: 100))
            #expect(Set(hits.map(\.id)) == Set(["e1", "e2", "e3", "e8", "e9", "e10", "e11", "e12"]))
        case .elasticsearch:
            #expect(mock.documentCount == 8)
        }
    }
}

/// What both sinks are to this test: a service it can run.
protocol ServiceRunnable: Sendable { func run() async throws }
extension LocalStoreSink: ServiceRunnable {}
extension ElasticsearchShipper: ServiceRunnable {}
