import Foundation
import Logging
import Synchronization
import Testing
import VigilCore
import VigilInternalEvents
@testable import VigilRuntime

/// Every internal event's `emit` writes its log line through the agent's own log handler and moves its counter,
/// and the counters of events are registered nowhere but with their events.
@Suite struct InternalEventTests {
    /// Lines the agent's `JSONLogHandler` wrote.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ bytes: [UInt8]) { lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        var all: [String] { lines.withLock { $0 } }
    }

    struct Expected: Sendable {
        var level: String
        var message: String
        var fields: [String: String]
        /// The sample that moves, as rendered (name and labels), and by how much.
        var samples: [String: Double]
    }

    /// Emits `event` once into a fresh registry, through a logger with the agent's JSON handler, and checks the
    /// one line it wrote and the samples it moved.
    func check<E: InternalEvent>(_ event: E, _ expected: Expected) throws {
        let registry = MetricRegistry()
        let lines = Lines()
        let logger = Logger(label: "vigil.test") { label in
            JSONLogHandler(label: label, level: .trace, output: { lines.append($0) })
        }
        let emitter = Emitter<E>(registry: registry, logger: logger)
        let before = Self.samples(registry)
        emitter.emit(event)
        let after = Self.samples(registry)

        #expect(lines.all.count == 1, "\(E.self) wrote \(lines.all.count) lines")
        let line = try #require(lines.all.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == expected.level, "\(E.self)")
        #expect(object["msg"] as? String == expected.message, "\(E.self)")
        for (key, value) in expected.fields {
            #expect(object[key].map { "\($0)" } == value, "\(E.self) field \(key)")
        }
        for (sample, delta) in expected.samples {
            #expect((after[sample] ?? 0) - (before[sample] ?? 0) == delta, "\(E.self) sample \(sample)")
        }
        // Nothing else moved.
        let moved = Set(after.keys.filter { after[$0] != before[$0] && !$0.contains("_bucket") && !$0.hasSuffix("_sum") && !$0.hasSuffix("_count") })
        #expect(moved == Set(expected.samples.keys.filter { !$0.hasSuffix("_count") }), "\(E.self) moved \(moved)")
    }

    static func samples(_ registry: MetricRegistry) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in String(decoding: registry.render(.prometheusText), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    @Test func spoolEvents() throws {
        try check(SpoolEventsAppended(source: "app", count: 7), Expected(
            level: "trace", message: "events committed to the spool", fields: ["source": "app", "spool.events": "7"],
            samples: [#"vigil_spool_appended_events_total{source="app"}"#: 7]))
        try check(SpoolFull(source: "http", count: 3), Expected(
            level: "debug", message: "spool is full; batch refused", fields: ["source": "http", "spool.events": "3"],
            samples: [#"vigil_spool_full_total{source="http"}"#: 1]))
        try check(SpoolBlockCorrupt(blockID: 12, eventsLost: 4, sink: "local", reason: "bad magic"), Expected(
            level: "error", message: "spool block cannot be decoded; dead-lettered",
            fields: ["spool.block": "12", "spool.events": "4", "sink": "local", "error": "bad magic"],
            samples: ["vigil_spool_corrupt_blocks_total": 1, "vigil_spool_corrupt_events_total": 4]))
    }

    @Test func fileEvents() throws {
        try check(FileRotated(source: "app", path: "/var/log/a.log", deleted: false), Expected(
            level: "info", message: "file rotated, reading it to its end",
            fields: ["source": "app", "file.path": "/var/log/a.log", "file.deleted": "false"],
            samples: [#"vigil_file_rotations_total{source="app",kind="renamed"}"#: 1]))
        try check(FileRotated(source: "app", path: "/var/log/a.log", deleted: true), Expected(
            level: "info", message: "file rotated, reading it to its end", fields: ["file.deleted": "true"],
            samples: [#"vigil_file_rotations_total{source="app",kind="deleted"}"#: 1]))
        try check(FileCheckpointCommitted(source: "app", path: "/var/log/a.log", offset: 4096), Expected(
            level: "trace", message: "file checkpoint committed", fields: ["source": "app", "file.path": "/var/log/a.log", "file.offset": "4096"],
            samples: [#"vigil_file_checkpoints_total{source="app"}"#: 1]))
        try check(FileTruncated(source: "app", path: "/var/log/a.log"), Expected(
            level: "warning", message: "file truncated, reading again from the start", fields: ["source": "app", "file.path": "/var/log/a.log"],
            samples: [#"vigil_file_truncations_total{source="app"}"#: 1]))
    }

    @Test func elasticsearchEvents() throws {
        try check(BulkRequestSent(rawBytes: 1000, compressedBytes: 200, items: 5), Expected(
            level: "trace", message: "bulk request sent", fields: ["es.bulk.items": "5", "es.bulk.bytes": "200"],
            samples: [#"vigil_elasticsearch_sent_bytes_total{encoding="raw"}"#: 1000, #"vigil_elasticsearch_sent_bytes_total{encoding="compressed"}"#: 200]))
        try check(BulkResponseReceived(status: 503, items: 5, duration: .milliseconds(20)), Expected(
            level: "warning", message: "bulk request failed", fields: ["http.status": "503", "es.bulk.items": "5"],
            samples: [#"vigil_elasticsearch_requests_total{status="503"}"#: 1, "vigil_elasticsearch_request_duration_seconds_count": 1]))
        try check(BulkResponseReceived(status: 200, items: 5, duration: .milliseconds(20)), Expected(
            level: "trace", message: "bulk request answered", fields: ["http.status": "200"],
            samples: [#"vigil_elasticsearch_requests_total{status="200"}"#: 1, "vigil_elasticsearch_request_duration_seconds_count": 1]))
        try check(BulkRequestUnanswered(error: "Connection refused", url: "http://127.0.0.1:9", duration: .milliseconds(1), cancelled: false), Expected(
            level: "warning", message: "bulk request got no response", fields: ["error": "Connection refused", "es.url": "http://127.0.0.1:9"],
            samples: [#"vigil_elasticsearch_requests_total{status="error"}"#: 1, "vigil_elasticsearch_request_duration_seconds_count": 1]))
        try check(DocumentsDelivered(delivered: 8, duplicates: 2), Expected(
            level: "trace", message: "documents delivered", fields: ["es.documents.delivered": "8", "es.documents.duplicate": "2"],
            samples: [#"vigil_elasticsearch_documents_total{outcome="delivered"}"#: 8, #"vigil_elasticsearch_documents_total{outcome="duplicate"}"#: 2]))
        try check(BulkItemsRetried(items: 3, reason: "429", backoff: .milliseconds(250)), Expected(
            level: "debug", message: "retrying bulk items", fields: ["es.bulk.items": "3", "reason": "429", "backoff.ms": "250"],
            samples: [#"vigil_elasticsearch_documents_total{outcome="retried"}"#: 3]))
        try check(DocumentsDeadLettered(reasons: ["mapper_parsing_exception", "mapper_parsing_exception", "http_413"],
                                        detail: "mapper_parsing_exception: failed to parse"), Expected(
            level: "warning", message: "documents dead-lettered", fields: ["es.bulk.items": "3", "reason": "mapper_parsing_exception: failed to parse"],
            samples: [#"vigil_dead_letters_total{reason="mapper_parsing_exception"}"#: 2, #"vigil_dead_letters_total{reason="http_413"}"#: 1,
                      #"vigil_elasticsearch_documents_total{outcome="dead_lettered"}"#: 3]))
    }

    @Test func localStoreEvents() throws {
        try check(LocalStoreEventsStored(count: 9), Expected(
            level: "trace", message: "events committed to the embedded log store", fields: ["store.events": "9"],
            samples: ["vigil_local_store_events_total": 9]))
        try check(LocalStoreRetentionApplied(deleted: 40), Expected(
            level: "info", message: "embedded log store retention removed events", fields: ["store.deleted": "40"],
            samples: ["vigil_local_store_retention_deleted_total": 40]))
    }

    /// The families an event updates are registered only in `Sources/VigilInternalEvents`: a component that
    /// registered (and so could bump) one on its own, beside the event, fails here.
    @Test func countersOfEventsAreRegisteredOnlyWithTheirEvents() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        let eventFiles = files.filter { $0.hasPrefix("VigilInternalEvents/") }
        #expect(eventFiles.count >= 5)
        let pattern = try NSRegularExpression(pattern: #"registry\.(?:counter|histogram|gauge)\(\s*"([a-z_]+)""#)
        var eventFamilies: Set<String> = []
        for file in eventFiles {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                eventFamilies.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        #expect(eventFamilies.isSuperset(of: ["vigil_spool_corrupt_blocks_total", "vigil_file_rotations_total", "vigil_dead_letters_total",
                                              "vigil_elasticsearch_documents_total", "vigil_local_store_events_total"]))
        for file in files where !file.hasPrefix("VigilInternalEvents/") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for family in eventFamilies {
                #expect(!text.contains("\"\(family)\""), "\(file) names \(family), which only its internal event may register")
            }
        }
    }
}
