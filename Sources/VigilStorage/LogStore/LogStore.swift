/// Settings of the embedded log store (`sinks.local` in the YAML file).
public struct LogStoreConfiguration: Sendable, Equatable {
    /// Events older than this (by event time) are deleted by ``LogStore/enforceRetention(nowMillis:)``. Default 7 days.
    public var retentionSeconds: Int64
    /// Bound on the database's used bytes; the oldest events go first. Default 2 GiB.
    public var maxBytes: Int64
    public var synchronous: SQLiteSynchronous

    public init(retentionSeconds: Int64 = 7 * 86_400, maxBytes: Int64 = 2 << 30, synchronous: SQLiteSynchronous = .normal) {
        self.retentionSeconds = retentionSeconds
        self.maxBytes = maxBytes
        self.synchronous = synchronous
    }
}

/// The default sink when no Elasticsearch is configured: events in `<data_dir>/logs.db` with a
/// full-text index (SQLite FTS5), searchable by `vigil logs search` and `GET /v1/logs/search`.
///
/// Invariants:
/// - One row per event id: inserting a replayed block is a no-op for events already stored.
/// - The FTS index follows the rows: written and deleted with them, in the same transactions.
/// - Retention runs only when asked (``enforceRetention(nowMillis:)``), by event time and then by size.
///
/// ```swift
/// let store = try LogStore(dataDirectory: "./vigil-data")
/// for block in try spool.oldestBlocks(limit: 8) {
///     try store.insert(block.records)
///     try spool.complete(blockID: block.blockID)
/// }
/// let hits = try store.search(LogQuery(text: "timeout", level: "error", limit: 20))
/// ```
public final class LogStore: Sendable {
    public let configuration: LogStoreConfiguration
    public let sqlite: SQLiteDatabase
    static let schemaVersion: Int64 = 2

    public convenience init(dataDirectory: String, configuration: LogStoreConfiguration = LogStoreConfiguration()) throws {
        try FileSystem.createDirectory(dataDirectory)
        try self.init(path: FileSystem.join(dataDirectory, "logs.db"), configuration: configuration)
    }

    public init(path: String, configuration: LogStoreConfiguration = LogStoreConfiguration()) throws {
        self.configuration = configuration
        var options = SQLiteOptions()
        options.synchronous = configuration.synchronous
        options.incrementalVacuum = true
        sqlite = try SQLiteDatabase(path: path, options: options)
        try sqlite.transaction { conn in
            let version = try conn.scalarInt("PRAGMA user_version") ?? 0
            if version > Self.schemaVersion {
                throw SQLiteError(code: 1, message: "logs.db has schema version \(version), newer than this build's \(Self.schemaVersion)")
            }
            if version < 1 {
                try conn.execute(Self.schema)
            } else if version < 2 {
                // v1 kept the index in step through triggers: ~10x slower inserts (see `insert`).
                try conn.execute("DROP TRIGGER IF EXISTS logs_fts_insert; DROP TRIGGER IF EXISTS logs_fts_delete;")
            }
            try conn.execute("PRAGMA user_version = \(Self.schemaVersion)")
        }
    }

    /// Opens an existing store read-only (for `vigil logs search` beside a running agent).
    public init(readingPath path: String) throws {
        configuration = LogStoreConfiguration()
        var options = SQLiteOptions()
        options.readOnly = true
        sqlite = try SQLiteDatabase(path: path, options: options)
    }

    /// `detail=none`: the index records which rows hold a token, not where, so it is about a quarter
    /// smaller and faster to build; queries are ANDed single tokens (see `LogQuery.matchExpression`).
    private static let schema = """
    CREATE TABLE logs(
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        ts_ms INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        source TEXT NOT NULL,
        service TEXT,
        level TEXT,
        message TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX logs_ts ON logs(ts_ms);
    CREATE INDEX logs_service_ts ON logs(service, ts_ms);
    CREATE VIRTUAL TABLE logs_fts USING fts5(message, body, content='logs', content_rowid='id', detail=none);
    """

    /// Stores spooled records (service, level and message are read from each JSON body). Returns how
    /// many were new; records whose id is already stored are skipped.
    @discardableResult
    public func insert(_ records: [SpoolRecord]) throws -> Int {
        guard !records.isEmpty else { return 0 }
        let fields = records.map { LogFields.extract(from: $0.body) }
        return try sqlite.transaction { conn in
            // The FTS row is written here rather than by a trigger: FTS5 under a trigger flushes its
            // pending index per statement, which made inserts about ten times slower.
            let statement = try conn.statement("""
                INSERT OR IGNORE INTO logs(doc_id, ts_ms, kind, source, service, level, message, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let index = try conn.statement("INSERT INTO logs_fts(rowid, message, body) VALUES (?, ?, ?)")
            var inserted = 0
            for (record, field) in zip(records, fields) {
                defer { statement.reset() }
                try statement.bind(record.id, at: 1)
                try statement.bind(record.timestampMillis, at: 2)
                try statement.bind(Int64(record.kind), at: 3)
                try statement.bind(record.source, at: 4)
                try statement.bind(field.service, at: 5)
                try statement.bind(field.level?.lowercased(), at: 6)
                try statement.bind(field.message, at: 7)
                try statement.bind(utf8: record.body, at: 8)
                _ = try statement.step()
                guard conn.changes == 1 else { continue }  // already stored
                inserted += 1
                defer { index.reset() }
                try index.bind(conn.lastInsertRowID, at: 1)
                try index.bind(field.message, at: 2)
                try index.bind(utf8: record.body, at: 3)
                _ = try index.step()
            }
            return inserted
        }
    }

    /// Deletes the rows chosen by `selection` (a `SELECT id FROM logs …`) and their index entries.
    private static func delete(_ conn: SQLiteConnection, where selection: String, _ values: [SQLiteValue]) throws -> Int {
        // An external-content FTS5 table forgets a row when given its old values with the 'delete' command.
        try conn.run("""
            INSERT INTO logs_fts(logs_fts, rowid, message, body)
            SELECT 'delete', id, message, body FROM logs WHERE id IN (\(selection))
            """, values)
        return try conn.run("DELETE FROM logs WHERE id IN (\(selection))", values)
    }

    /// Matching events, newest first.
    public func search(_ query: LogQuery) throws -> [LogHit] {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let text = query.text, let match = LogQuery.matchExpression(text) {
            conditions.append("id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?)")
            values.append(.text(match))
        }
        if let service = query.service {
            conditions.append("service = ?")
            values.append(.text(service))
        }
        if let level = query.level {
            conditions.append("level = ?")
            values.append(.text(level.lowercased()))
        }
        if let since = query.sinceMillis {
            conditions.append("ts_ms >= ?")
            values.append(.integer(since))
        }
        if let until = query.untilMillis {
            conditions.append("ts_ms < ?")
            values.append(.integer(until))
        }
        values.append(.integer(Int64(max(0, query.limit))))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT doc_id, ts_ms, kind, source, service, level, message, body FROM logs \(whereClause) ORDER BY ts_ms DESC, id DESC LIMIT ?"
        return try sqlite.withConnection { conn in
            try conn.query(sql, values) {
                LogHit(id: $0.text(0), timestampMillis: $0.int64(1), kind: UInt8(truncatingIfNeeded: $0.int64(2)), source: $0.text(3),
                       service: $0.optionalText(4), level: $0.optionalText(5), message: $0.optionalText(6), body: $0.text(7))
            }
        }
    }

    /// Stored events.
    public func count() throws -> Int {
        Int(try sqlite.withConnection { try $0.scalarInt("SELECT count(*) FROM logs") } ?? 0)
    }

    /// Bytes of the database file in use (pages minus free pages; the WAL is not counted).
    public func usedBytes() throws -> Int64 {
        try sqlite.withConnection { conn in
            let pages = try conn.scalarInt("PRAGMA page_count") ?? 0
            let free = try conn.scalarInt("PRAGMA freelist_count") ?? 0
            let size = try conn.scalarInt("PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
    }

    /// Deletes events older than the retention period, then the oldest events until the used bytes are
    /// under `maxBytes`, and returns freed pages to the file system. Returns the number deleted.
    @discardableResult
    public func enforceRetention(nowMillis: Int64) throws -> Int {
        var deleted = 0
        let cutoff = nowMillis - configuration.retentionSeconds * 1000
        // Chunks keep each transaction (and the lock) short while the agent keeps inserting.
        while true {
            let removed = try sqlite.transaction { conn in
                try Self.delete(conn, where: "SELECT id FROM logs WHERE ts_ms < ? ORDER BY ts_ms LIMIT 5000", [.integer(cutoff)])
            }
            deleted += removed
            if removed < 5000 { break }
        }
        // By size: delete a share of the oldest rows proportional to the excess, and repeat; the FTS
        // index shrinks with its rows, so a few rounds converge.
        for _ in 0 ..< 50 {
            let used = try usedBytes()
            guard used > configuration.maxBytes else { break }
            let rows = try count()
            guard rows > 0 else { break }
            let excess = Double(used - configuration.maxBytes) / Double(used)
            let batch = min(rows, max(1, Int((Double(rows) * excess).rounded(.up)) + rows / 100))
            deleted += try sqlite.transaction { conn in
                try Self.delete(conn, where: "SELECT id FROM logs ORDER BY ts_ms, id LIMIT ?", [.integer(Int64(batch))])
            }
            try sqlite.execute("INSERT INTO logs_fts(logs_fts, rank) VALUES ('merge', 500)")
            try sqlite.execute("PRAGMA incremental_vacuum")
        }
        if deleted > 0 { try sqlite.execute("PRAGMA incremental_vacuum") }
        return deleted
    }
}
