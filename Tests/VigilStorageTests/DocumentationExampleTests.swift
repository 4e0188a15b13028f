// Every ```swift example of a doc comment under Sources/VigilStorage, verbatim, in a test that compiles and runs it
// against a real database in a temp directory (with the values its comments state checked after it).
// `documentationExamplesAreCompiled` (Tests/VigilCoreTests/DocumentationExampleTests.swift) fails when an example
// in the sources is not found line for line in a test target's DocumentationExampleTests.swift: change an example
// in both places.
import Foundation
import Logging
import Testing
import VigilCore
@testable import VigilStorage

@Suite struct StorageDocumentationExampleTests {
    /// VigilDatabase.swift
    @Test func vigilDatabase() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let dataDirectory = temp.file("vigil-data")
        let db = try VigilDatabase(dataDirectory: dataDirectory)   // e.g. "/var/lib/vigil"
        let spool = try Spool(database: db, configuration: SpoolConfiguration())
        #expect(db.path == dataDirectory + "/vigil.db")
        #expect(try spool.stats().events == 0)
    }

    /// SQLite/SQLiteDatabase.swift
    @Test func sqliteDatabase() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let directory = temp.path
        let db = try SQLiteDatabase(path: directory + "/x.db")
        try db.execute("CREATE TABLE IF NOT EXISTS t(a INTEGER)")
        try db.transaction { conn in try conn.run("INSERT INTO t(a) VALUES (?)", [.integer(1)]) }
        #expect(try db.withConnection { try $0.scalarInt("SELECT count(*) FROM t") } == 1)
    }

    /// DeadLetters/DeadLetterStore.swift
    @Test func deadLetterStore() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let db = try VigilDatabase(dataDirectory: temp.path)
        let line = "{not json".utf8
        let store = try DeadLetterStore(database: db)
        try store.add(source: "file", position: "/var/log/a.log:4096", reason: "invalid_json", raw: Array(line))
        let newest = try store.list(limit: 20)
        #expect(newest.count == 1 && newest[0].reason == "invalid_json" && newest[0].raw == Array(line))
    }

    /// State/StateSnapshotStore.swift
    @Test func stateSnapshotStore() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let snapshots = StateSnapshotStore(database: try VigilDatabase(dataDirectory: temp.path))
        let encoded = Array(#"{"stage":"canary"}"#.utf8)
        try snapshots.put("rollout/fraud-detector", value: encoded)
        let restored = try snapshots.get("rollout/fraud-detector")
        #expect(restored == encoded)
    }

    /// State/AuditLog.swift
    @Test func auditLog() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let audit = AuditLog(database: try VigilDatabase(dataDirectory: temp.path))
        let now: Int64 = 1_795_949_850_123
        let id = try audit.append(AuditEntry(timeMillis: now, actor: "vigil", action: "rollback",
                                             subject: "rollout/fraud-detector", reason: "accuracy guardrail",
                                             evidenceJSON: #"{"p_value":0.001}"#))
        let recent = try audit.list(limit: 50, subject: "rollout/fraud-detector")
        #expect(recent.count == 1 && recent[0].id == id && recent[0].action == "rollback")
    }

    /// State/PendingPredictionStore.swift
    @Test func pendingPredictionStore() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let pending = PendingPredictionStore(database: try VigilDatabase(dataDirectory: temp.path))
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let bytes = Array(#"{"score":0.9}"#.utf8)
        try pending.put(requestID: "r-1", model: "fraud", payload: bytes, expiresAtMillis: now + 7 * 86_400_000)
        switch try pending.take(requestID: "r-1", model: "fraud") {
        case .joined(let payload): break   // score it
        case .duplicate, .unknown: break   // count it
        }
        #expect(try pending.take(requestID: "r-1", model: "fraud") == .duplicate)
        #expect(try pending.take(requestID: "r-2", model: "fraud") == .unknown)
    }

    /// Spool/Spool.swift
    @Test func spool() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let db = try VigilDatabase(dataDirectory: temp.path)
        let registry = MetricRegistry()
        let logger = Logger(label: "test")
        let records = records(0..<3)
        let spool = try Spool(database: db, configuration: SpoolConfiguration(maxBytes: 1 << 30, whenFull: .block))
        // Events enter through the one writer and leave through a consumer per sink:
        let writer = SpoolWriter(spool: spool, registry: registry)
        _ = try writer.append(records, source: "file", checkpoint: FileCheckpoint(key: "2049:1234:ab12", path: "/var/log/a.log", offset: 4096))
        let consumer = SpoolConsumer(spool: spool, sink: "local", registry: registry, logger: logger)
        let read = try consumer.read(after: nil, limit: 4, maxBytes: 8 << 20)
        try consumer.complete(read.views.map(\.blockID))
        #expect(read.views.map(\.entries.count) == [3])
        #expect(try spool.stats().events == 0)
        #expect(try spool.loadCheckpoints() == [FileCheckpoint(key: "2049:1234:ab12", path: "/var/log/a.log", offset: 4096)])
    }

    /// Spool/SpoolWriter.swift
    @Test func spoolWriter() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let spool = try Spool(database: try VigilDatabase(dataDirectory: temp.path), configuration: SpoolConfiguration())
        let registry = MetricRegistry()
        let events = records(0..<2)
        let checkpoint = FileCheckpoint(key: "2049:1234:ab12", path: "/var/log/a.log", offset: 4096)
        let rejected = [DeadLetterInput(source: "file", position: "/var/log/a.log:4000", reason: "invalid_json", raw: Array("{".utf8))]
        let writer = SpoolWriter(spool: spool, registry: registry)
        switch try writer.append(events, source: "file", checkpoint: checkpoint, deadLetters: rejected) {
        case .committed: break   // acknowledge: advance the tail, answer 202
        case .full: break        // back-pressure: wait and offer the same batch again
        }
        #expect(writer.appendedEvents(source: "file") == 2)
        #expect(try spool.deadLetters.count() == 1)
    }

    /// Spool/SpoolConsumer.swift
    @Test func spoolConsumer() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let spool = try Spool(database: try VigilDatabase(dataDirectory: temp.path), configuration: SpoolConfiguration())
        let registry = MetricRegistry()
        let logger = Logger(label: "test")
        _ = try SpoolWriter(spool: spool, registry: registry).append(records(0..<5), source: "file")
        let cursor: Int64? = nil
        let consumer = SpoolConsumer(spool: spool, sink: "local", registry: registry, logger: logger)
        let read = try consumer.read(after: cursor, limit: 16, maxBytes: 16 << 20)
        for view in read.views { /* hand view.entries to the sink */ }
        try consumer.complete(read.views.map(\.blockID))   // once the sink has committed them
        #expect(read.views.reduce(0) { $0 + $1.entries.count } == 5)
        #expect(try spool.stats().events == 0)
    }

    /// LogStore/LogStore.swift
    @Test func logStore() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let dataDirectory = temp.file("vigil-data")
        let spool = try Spool(database: try VigilDatabase(dataDirectory: dataDirectory), configuration: SpoolConfiguration())
        let registry = MetricRegistry()
        let now: Int64 = 1_700_000_010_000
        _ = try SpoolWriter(spool: spool, registry: registry).append(
            [record(1, body: #"{"level":"error","message":"upstream timeout"}"#), record(2)], source: "file")
        let consumer = SpoolConsumer(spool: spool, sink: "local", registry: registry, logger: Logger(label: "test"))
        let store = try LogStore(dataDirectory: dataDirectory)   // e.g. "/var/lib/vigil"
        for view in try consumer.read(after: nil, limit: 8, maxBytes: 8 << 20).views { try store.append(view, nowMillis: now) }
        let done = try store.flush()
        try consumer.complete(done.spoolBlockIDs)   // a SpoolConsumer: the one way out of the spool
        let hits = try store.search(LogQuery(text: "timeout", level: "error", limit: 20))
        #expect(done.stored == 2)
        #expect(hits.map(\.id) == [record(1).id])
        #expect(try spool.stats().events == 0)
    }

    /// LogStore/LogQuery.swift
    @Test func logQuery() throws {
        let temp = TempDirectory(); defer { temp.remove() }
        let store = try LogStore(dataDirectory: temp.path)
        let now: Int64 = 1_700_000_000_000 + 600_000   // the records are at 1_700_000_000_000 + n
        _ = try store.insert([record(1, body: #"{"service":"checkout","message":"payment timeout"}"#),
                              record(2, body: #"{"service":"search","message":"query timeout"}"#)])
        let hits = try store.search(LogQuery(text: "timeout", service: "checkout", sinceMillis: now - 900_000))
        #expect(hits.map(\.id) == [record(1).id])
    }

    /// LogStore/TokenBloomFilter.swift
    @Test func tokenBloomFilter() throws {
        var filter = TokenBloomFilter(lines: 1024)
        filter.insert(LogTokenizer.hash(Array("timeout".utf8)))
        filter.foldToFit()
        filter.mayContain(LogTokenizer.hash(Array("timeout".utf8)))   // true
        #expect(filter.mayContain(LogTokenizer.hash(Array("timeout".utf8))))
        #expect(filter.lines < 1024)   // folded
    }
}
