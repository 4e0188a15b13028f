import Testing
@testable import VigilStorage
import VigilCore

@Suite struct PendingPredictionStoreTests {
    @Test func joinDuplicateUnknownAndExpiryAcrossReopen() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let store = PendingPredictionStore(database: try VigilDatabase(dataDirectory: dir.path))
            try store.put(requestID: "r1", model: "fraud", payload: [1, 2, 3], expiresAtMillis: 1_000)
            try store.put([.init(requestID: "r2", model: "fraud", payload: [4], expiresAtMillis: 2_000),
                           .init(requestID: "r1", model: "churn", payload: [5], expiresAtMillis: 3_000)])
            #expect(try store.count() == 3)
        }
        // Reopen: the waiting predictions survived.
        let store = PendingPredictionStore(database: try VigilDatabase(dataDirectory: dir.path))
        #expect(try store.take(requestID: "r1", model: "fraud") == .joined([1, 2, 3]))
        #expect(try store.take(requestID: "r1", model: "fraud") == .duplicate)
        #expect(try store.take(requestID: "r9", model: "fraud") == .unknown)
        #expect(try store.count() == 2)
        // The duplicate marker survives a reopen too.
        let again = PendingPredictionStore(database: try VigilDatabase(dataDirectory: dir.path))
        #expect(try again.take(requestID: "r1", model: "fraud") == .duplicate)
        // Batch take keeps order.
        #expect(try again.take([("r1", "churn"), ("r1", "churn"), ("nope", "churn")]) == [.joined([5]), .duplicate, .unknown])
        // A row past its expiry counts as gone when the caller passes the time.
        #expect(try again.take(requestID: "r2", model: "fraud", nowMillis: 2_000) == .unknown)
        // Expiry removes the joined marker of r1/fraud (1,000) and the waiting r2/fraud (2,000), not r1/churn (3,000).
        #expect(try again.expire(nowMillis: 2_000) == 2)
        #expect(try again.take(requestID: "r1", model: "fraud") == .unknown)
        #expect(try again.count() == 0)
        #expect(try again.expire(nowMillis: 10_000) == 1)
    }

    @Test func takeExpiredReturnsOnlyUnlabelled() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = PendingPredictionStore(database: try VigilDatabase(dataDirectory: dir.path))
        try store.put([.init(requestID: "a", model: "m", payload: [1], expiresAtMillis: 10),
                       .init(requestID: "b", model: "m", payload: [2], expiresAtMillis: 20),
                       .init(requestID: "c", model: "m", payload: [3], expiresAtMillis: 99)])
        #expect(try store.take(requestID: "a", model: "m") == .joined([1]))
        #expect(try store.takeExpired(nowMillis: 50) == [ExpiredPrediction(requestID: "b", model: "m", payload: [2])])
        #expect(try store.takeExpired(nowMillis: 50).isEmpty)
        #expect(try store.count() == 1)
    }

    @Test func putAgainResetsTheJoin() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = PendingPredictionStore(database: try VigilDatabase(dataDirectory: dir.path))
        try store.put(requestID: "r", model: "m", payload: [1], expiresAtMillis: 10)
        #expect(try store.take(requestID: "r", model: "m") == .joined([1]))
        try store.put(requestID: "r", model: "m", payload: [2], expiresAtMillis: 20)
        #expect(try store.take(requestID: "r", model: "m") == .joined([2]))
    }
}

@Suite struct StateSnapshotAndAuditTests {
    @Test func snapshotsRoundTrip() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let store = StateSnapshotStore(database: try VigilDatabase(dataDirectory: dir.path))
            try store.put("rollout/a", value: [1, 2])
            try store.put(["rollout/b": [3], "monitor/a": []])
            try store.put("rollout/a", value: [9])
        }
        let store = StateSnapshotStore(database: try VigilDatabase(dataDirectory: dir.path))
        #expect(try store.get("rollout/a") == [9])
        #expect(try store.get("monitor/a") == [])
        #expect(try store.get("missing") == nil)
        #expect(try store.keys(prefix: "rollout/") == ["rollout/a", "rollout/b"])
        #expect(try store.remove("rollout/a"))
        #expect(try !store.remove("rollout/a"))
        #expect(try store.keys() == ["monitor/a", "rollout/b"])
    }

    @Test func auditAppendAndList() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let audit = AuditLog(database: try VigilDatabase(dataDirectory: dir.path))
        let first = try audit.append(AuditEntry(timeMillis: 1, actor: "vigil", action: "step", subject: "rollout/a", reason: "guardrails passed", evidenceJSON: #"{"n":10}"#))
        let second = try audit.append(AuditEntry(timeMillis: 2, actor: "ci", action: "pause", subject: "rollout/b", reason: "manual"))
        let third = try audit.append(AuditEntry(timeMillis: 3, actor: "vigil", action: "rollback", subject: "rollout/a", reason: "accuracy"))
        #expect(first < second && second < third)
        #expect(try audit.list().map(\.id) == [third, second, first])
        let forA = try audit.list(limit: 10, subject: "rollout/a")
        #expect(forA.map(\.action) == ["rollback", "step"])
        #expect(forA.last?.evidenceJSON == #"{"n":10}"#)
        #expect(try audit.list(limit: 1).count == 1)
    }
}

@Suite struct DeadLetterStoreTests {
    @Test func boundedByBytesOldestOutFirstAndCounted() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // Each entry: 100 raw bytes + "file" (4) + position "p-NN" (4) + reason "invalid_json" (12) = 120 bytes.
        let store = try DeadLetterStore(database: try VigilDatabase(dataDirectory: dir.path), configuration: DeadLetterConfiguration(maxBytes: 1_000))
        for n in 10 ..< 30 {
            try store.add(source: "file", position: "p-\(n)", reason: "invalid_json", raw: [UInt8](repeating: UInt8(n), count: 100))
        }
        let stats = try store.stats()
        #expect(stats == DeadLetterStats(rows: 8, bytes: 960, addedTotal: 20, evictedTotal: 12))
        #expect(try store.count() == 8)
        #expect(try store.list(limit: 100).map(\.position) == (22 ..< 30).reversed().map { "p-\($0)" })
        // Persistent counters.
        let reopened = try DeadLetterStore(database: try VigilDatabase(dataDirectory: dir.path), configuration: DeadLetterConfiguration(maxBytes: 1_000))
        #expect(try reopened.stats().evictedTotal == 12)
    }

    @Test func listFiltersByReasonAndKeepsStatus() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try DeadLetterStore(database: try VigilDatabase(dataDirectory: dir.path))
        try store.add([
            DeadLetterInput(source: "elasticsearch", position: "doc-1", reason: "mapper_parsing_exception", detail: "failed to parse field [a]", statusCode: 400, raw: Array("{}".utf8), timeMillis: 7),
            DeadLetterInput(source: "http", position: "req-1:3", reason: "invalid_json", raw: [0xFF]),
        ])
        let mapping = try store.list(limit: 10, reason: "mapper_parsing_exception")
        #expect(mapping.count == 1)
        #expect(mapping.first?.statusCode == 400)
        #expect(mapping.first?.detail == "failed to parse field [a]")
        #expect(mapping.first?.timeMillis == 7)
        let parse = try store.list(limit: 10, reason: "invalid_json")
        #expect(parse.first?.statusCode == nil)
        #expect(parse.first.map { $0.timeMillis > 1_700_000_000_000 } == true)  // SQLite's clock filled it in
        #expect(try store.list(limit: 10).map(\.source) == ["http", "elasticsearch"])
    }

    @Test func longRawIsCutAndMarked() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try DeadLetterStore(database: try VigilDatabase(dataDirectory: dir.path), configuration: DeadLetterConfiguration(maxEntryBytes: 16))
        try store.add(source: "file", position: "x", reason: "line_too_long", raw: [UInt8](repeating: 65, count: 5 << 20))
        let entry = try #require(try store.list(limit: 1).first)
        #expect(entry.raw.count == 16)
        #expect(entry.rawLength == 5 << 20)
        #expect(entry.truncated)
    }
}

@Suite struct SQLiteDatabaseTests {
    @Test func typedRoundTripAndErrors() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let db = try SQLiteDatabase(path: dir.file("t.db"))
        try db.execute("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)")
        try db.transaction { conn in
            try conn.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(.min), .real(2.5), .text("héllo"), .blob([0, 1, 255]), .null])
            try conn.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(0), .real(-0.0), .text(""), .blob([]), .integer(1)])
        }
        let rows = try db.withConnection { conn in
            try conn.query("SELECT i, r, s, b, n FROM t ORDER BY rowid") { row in (0 ..< 5).map { row.value(Int32($0)) } }
        }
        #expect(rows[0] == [.integer(.min), .real(2.5), .text("héllo"), .blob([0, 1, 255]), .null])
        #expect(rows[1] == [.integer(0), .real(-0.0), .text(""), .blob([]), .integer(1)])
        do {
            try db.execute("INSERT INTO nope VALUES (1)")
            Issue.record("expected an error")
        } catch let error as SQLiteError {
            #expect(error.code == 1)
            #expect(error.message.contains("no such table"))
            #expect(error.sql == "INSERT INTO nope VALUES (1)")
        }
        // A throwing transaction leaves nothing behind; a nested one rolls back only its savepoint.
        #expect(throws: SQLiteError.self) {
            try db.transaction { conn in
                try conn.run("INSERT INTO t(i) VALUES (42)")
                try conn.run("INSERT INTO missing VALUES (1)")
            }
        }
        try db.transaction { conn in
            try conn.run("INSERT INTO t(i) VALUES (43)")
            _ = try? conn.transaction { try conn.run("INSERT INTO t(i) VALUES (44)"); try conn.run("bogus") }
        }
        let ints = try db.withConnection { try $0.query("SELECT i FROM t WHERE i > 40 ORDER BY i") { $0.int64(0) } }
        #expect(ints == [43])
        let mode = try db.withConnection { try $0.queryFirst("PRAGMA journal_mode") { $0.text(0) } }
        #expect(mode == "wal")
        let sync = try db.withConnection { try $0.scalarInt("PRAGMA synchronous") }
        #expect(sync == 1)  // NORMAL
    }

    @Test func heldStatementSurvivesCacheEviction() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var options = SQLiteOptions()
        options.statementCacheSize = 2
        let db = try SQLiteDatabase(path: dir.file("c.db"), options: options)
        try db.execute("CREATE TABLE t(a INTEGER)")
        let sum = try db.transaction { conn -> Int64 in
            let insert = try conn.statement("INSERT INTO t(a) VALUES (?)")
            for n in 1 ... 3 {
                // Each distinct statement may empty the cache while `insert` is still in use.
                _ = try conn.scalarInt("SELECT \(n) + count(*) FROM t")
                try insert.bind(Int64(n), at: 1)
                _ = try insert.step()
                insert.reset()
            }
            return try conn.scalarInt("SELECT sum(a) FROM t") ?? -1
        }
        #expect(sum == 6)
    }

    @Test func newerSchemaIsRefused() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        _ = try VigilDatabase(dataDirectory: dir.path)
        try SQLiteDatabase(path: dir.file("vigil.db")).execute("PRAGMA user_version = 99")
        #expect(throws: SQLiteError.self) { _ = try VigilDatabase(dataDirectory: dir.path) }
    }
}

@Suite struct SQLiteRolloutStoreTests {
    static func definition() throws -> RolloutDefinition {
        try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4")
    }

    @Test func aTransitionAndItsAuditEntryCommitTogetherAndSurviveReopen() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var machine = RolloutStateMachine(definition: try Self.definition())
        do {
            let store = SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: dir.path))
            #expect(try store.load(model: "fraud") == nil)
            guard case .transition(let start) = machine.apply(.start, by: "alice", reason: "ship v4", now: 1_000) else {
                Issue.record("no transition"); return
            }
            #expect(try store.commit(machine.snapshot, transition: start))
            guard case .transition(let rollback) = machine.apply(.rollback, by: "bob", reason: "complaints", now: 2_000) else {
                Issue.record("no transition"); return
            }
            #expect(try store.commit(machine.snapshot, transition: rollback))
        }
        let store = SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: dir.path))
        let snapshot = try #require(try store.load(model: "fraud"))
        let restored = RolloutStateMachine(definition: try Self.definition(), restoring: snapshot)
        #expect(restored.phase == .rolledBack && restored.version == 2 && restored.weight == 0)
        let audit = try store.audit(model: "fraud", limit: 10)
        #expect(audit.map(\.action) == ["rollback", "start"])
        #expect(audit.map(\.actor) == ["bob", "alice"])
        #expect(audit[0].reason == "complaints" && audit[0].subject == "rollout/fraud")
        #expect(audit[0].evidenceJSON.contains("\"toWeight\":0"))
        #expect(try store.audit(model: "other", limit: 10).isEmpty)
    }

    /// Two writers computed a change from the same version: the second finds the version moved and writes nothing,
    /// neither state nor audit entry.
    @Test func aStaleWriterIsFencedOff() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: dir.path))
        var a = RolloutStateMachine(definition: try Self.definition())
        var b = a
        guard case .transition(let ta) = a.apply(.start, by: "alice", reason: "go", now: 1),
              case .transition(let tb) = b.apply(.rollback, by: "bob", reason: "no", now: 2) else {
            Issue.record("no transition"); return
        }
        #expect(try store.commit(a.snapshot, transition: ta))
        #expect(try store.commit(b.snapshot, transition: tb) == false)
        #expect(try store.load(model: "fraud")?.phase == .running)
        #expect(try store.audit(model: nil, limit: 10).map(\.actor) == ["alice"])
        // Progress without a change of state never overwrites a newer version.
        try store.save(RolloutStateMachine(definition: try Self.definition()).snapshot)
        #expect(try store.load(model: "fraud")?.version == 1)
    }
}

@Suite struct SharedJoinOutboxTests {
    static func entry(_ n: Int, _ kind: SharedJoinOutbox.Kind = .label) -> SharedJoinOutbox.Entry {
        .init(kind: kind, payload: Array("row \(n)".utf8), queuedAtMillis: Int64(n))
    }

    @Test func rowsComeOutInOrderSurviveAReopenAndWaitWhenDeferred() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let outbox = SharedJoinOutbox(database: try VigilDatabase(dataDirectory: dir.path))
            try outbox.append([Self.entry(1, .prediction), Self.entry(2), Self.entry(3)])
            #expect(try outbox.counts() == [.prediction: 1, .label: 2])
        }
        // A new process on the same data directory finds them, oldest first.
        let outbox = SharedJoinOutbox(database: try VigilDatabase(dataDirectory: dir.path))
        let rows = try outbox.next(limit: 10, nowMillis: 0)
        #expect(rows.map(\.entry) == [Self.entry(1, .prediction), Self.entry(2), Self.entry(3)])
        #expect(try outbox.next(limit: 2, nowMillis: 0).count == 2)
        // A deferred row waits until its retry time, and counts its attempts.
        try outbox.defer([rows[1].id], until: 500)
        #expect(try outbox.next(limit: 10, nowMillis: 499).map(\.entry.queuedAtMillis) == [1, 3])
        let due = try outbox.next(limit: 10, nowMillis: 500)
        #expect(due.map(\.entry.queuedAtMillis) == [1, 2, 3])
        #expect(due[1].attempts == 1)
        try outbox.remove([rows[0].id, rows[2].id])
        #expect(try outbox.next(limit: 10, nowMillis: 500).map(\.entry.queuedAtMillis) == [2])
        #expect(try outbox.counts() == [.prediction: 0, .label: 1])
    }

    @Test func aBatchThatWouldExceedTheLimitIsRefusedWhole() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let outbox = SharedJoinOutbox(database: try VigilDatabase(dataDirectory: dir.path), maxRows: 3)
        try outbox.append([Self.entry(1), Self.entry(2)])
        #expect(throws: SharedJoinOutbox.Full.self) { try outbox.append([Self.entry(3), Self.entry(4)]) }
        #expect(try outbox.counts()[.label] == 2, "nothing of the refused batch was kept")
        try outbox.append([Self.entry(3)])
        let rows = try outbox.next(limit: 10, nowMillis: 0)
        try outbox.remove([rows[0].id, rows[1].id])
        // Room again once rows left, although the ids kept growing.
        try outbox.append([Self.entry(5), Self.entry(6)])
        #expect(try outbox.counts()[.label] == 3)
    }
}
