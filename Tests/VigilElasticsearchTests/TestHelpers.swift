import Foundation
import Logging
import Synchronization
import Testing
import VigilCore
@testable import VigilElasticsearch
import VigilStorage
import VigilTestSupport

/// A temp data dir with a real spool, removed at the end.
final class SpoolFixture: Sendable {
    let directory: String
    let database: VigilDatabase
    let spool: Spool

    init(maxBytes: Int64 = 1 << 30) throws {
        directory = NSTemporaryDirectory() + "vigil-es-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        database = try VigilDatabase(dataDirectory: directory)
        spool = try Spool(database: database, configuration: SpoolConfiguration(maxBytes: maxBytes))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Appends `count` log events (ids `prefix:N`) in blocks of `blockSize`.
    func appendEvents(_ count: Int, prefix: String = "t", blockSize: Int = 500, start: Int = 0,
                      body: (Int) -> String = { #"{"level":"info","message":"event \#($0)","service":"api","n":\#($0)}"# }) throws {
        var i = start
        while i < start + count {
            let end = min(start + count, i + blockSize)
            let records = (i..<end).map { n in
                SpoolRecord(id: "\(prefix):\(n)", kind: 0, timestampMillis: 1_795_953_600_000 + Int64(n), source: "test", body: Array(body(n).utf8))
            }
            let result = try SpoolWriter(spool: spool, registry: MetricRegistry()).append(records, source: "test")
            #expect(result == .committed)
            i = end
        }
    }

    var undeliveredEvents: Int64 { (try? spool.stats().events) ?? -1 }
}

/// A swift-log handler that keeps every line (message and metadata) for inspection.
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        var text: String { all.joined(separator: "\n") }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(rendered) \(event.error.map { "\($0)" } ?? "")") }
    }

    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test") { _ in CapturingLogHandler(store: store) }, store)
    }
}

/// Test configuration: short timeouts and backoff so faults resolve quickly.
func testConfiguration(url: String, gzipLevel: Int = 1) -> ElasticsearchConfiguration {
    var configuration = ElasticsearchConfiguration(url: url, gzipLevel: gzipLevel)
    configuration.batch = .init(maxBytes: 1 << 20, maxEvents: 1000, timeout: .milliseconds(50))
    configuration.backoff = .init(initial: .milliseconds(10), max: .milliseconds(200))
    configuration.requestTimeout = .seconds(10)
    configuration.connectTimeout = .seconds(2)
    configuration.shutdownTimeout = .seconds(5)
    configuration.statsInterval = .milliseconds(200)
    configuration.hostName = "test-host"
    return configuration
}

/// Polls `condition` every 20 ms until it holds or `limit` passes (a liveness bound, not a speed assertion).
func eventually(limit: Duration = .seconds(120), _ condition: () -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + limit
    while clock.now < end {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Runs `shipper` until `body` returns, then shuts it down gracefully and waits for it.
func withRunningShipper<T: Sendable>(_ shipper: ElasticsearchShipper, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await shipper.run() }
        do {
            let result = try await body()
            shipper.requestShutdown()
            try await group.waitForAll()
            return result
        } catch {
            shipper.requestShutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Starts a mock, runs `body`, always stops the mock.
func withMock<T: Sendable>(_ configuration: MockElasticsearch.Configuration = .init(),
                           _ body: (MockElasticsearch) async throws -> T) async throws -> T {
    let mock = MockElasticsearch(configuration: configuration)
    try await mock.start()
    do {
        let result = try await body(mock)
        try await mock.stop()
        return result
    } catch {
        try? await mock.stop()
        throw error
    }
}

/// Records an issue when `condition` does not hold within `limit`.
func expectEventually(limit: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
                      _ condition: () -> Bool) async throws {
    let held = try await eventually(limit: limit, condition)
    #expect(held, "condition not reached within \(limit)", sourceLocation: sourceLocation)
}
