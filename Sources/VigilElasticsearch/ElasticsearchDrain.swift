import Foundation
import Logging
import VigilCore
import VigilInternalEvents
import VigilStorage

/// Runs the shipper until the spool is empty (`vigil es drain`), and loads files into a spool the way
/// the tailer does (`vigil es import-spool`), so the shipper can be measured on its own.
public enum ElasticsearchDrain {
    public struct Summary: Sendable {
        public var events: Int64
        public var seconds: Double
        public var requests: Double
        public var rawBytes: Double
        public var compressedBytes: Double
        public var deadLettered: Double
        public var json: String {
            #"{"events":\#(events),"seconds":\#(seconds),"events_per_second":\#(seconds > 0 ? Double(events) / seconds : 0),"requests":\#(requests),"raw_bytes":\#(rawBytes),"compressed_bytes":\#(compressedBytes),"dead_lettered":\#(deadLettered)}"#
        }
    }

    public static func run(configuration: ElasticsearchConfiguration, dataDirectory: String, logger: Logger = Logger(label: "vigil.es.drain")) async throws -> Summary {
        let database = try VigilDatabase(dataDirectory: dataDirectory)
        let spool = try Spool(database: database, configuration: SpoolConfiguration())
        let registry = MetricRegistry()
        let shipper = try ElasticsearchShipper(configuration: configuration, spool: spool, deadLetters: spool.deadLetters,
                                               metrics: registry, logger: logger)
        let before = try spool.stats().events
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await shipper.run() }
            while try spool.stats().events > 0 { try await Task.sleep(for: .milliseconds(20)) }
            shipper.requestShutdown()
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let events = shipper.events
        return Summary(events: before, seconds: seconds, requests: events.answered.metrics.requests(status: "200"),
                       rawBytes: events.sent.metrics.rawBytes, compressedBytes: events.sent.metrics.compressedBytes,
                       deadLettered: events.deadLettered.metrics.deadLettered + shipper.consumer.eventsLostInCorruptBlocks)
    }

    /// Appends every line of `file` to the spool, `blockLines` lines per block, ids `path:offset`.
    public static func importLines(file: String, dataDirectory: String, blockLines: Int) throws -> Int {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let database = try VigilDatabase(dataDirectory: dataDirectory)
        let spool = try Spool(database: database, configuration: SpoolConfiguration())
        let writer = SpoolWriter(spool: spool, registry: MetricRegistry())
        guard let handle = FileHandle(forReadingAtPath: file) else { throw CocoaError(.fileNoSuchFile) }
        defer { try? handle.close() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var offset = 0
        var carry: [UInt8] = []
        var records: [SpoolRecord] = []
        var count = 0
        func flush() throws {
            guard !records.isEmpty else { return }
            while try writer.append(records, source: "file", checkpoint: FileCheckpoint(key: "import", path: file, offset: Int64(offset))) == .full {
                Thread.sleep(forTimeInterval: 0.01)
            }
            count += records.count
            records.removeAll(keepingCapacity: true)
        }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            carry.append(contentsOf: chunk)
            var lineStart = 0
            while let newline = carry[lineStart...].firstIndex(of: 0x0A) {
                if newline > lineStart {
                    records.append(SpoolRecord(id: "\(file):\(offset + lineStart)", kind: 0, timestampMillis: now, source: "file",
                                               body: Array(carry[lineStart..<newline])))
                    if records.count >= blockLines { try flush() }
                }
                lineStart = newline + 1
            }
            offset += lineStart
            carry.removeFirst(lineStart)
        }
        try flush()
        return count
    }
}
