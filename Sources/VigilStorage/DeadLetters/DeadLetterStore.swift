/// A rejected event or line to keep: where it came from, why it was rejected, and its raw bytes.
public struct DeadLetterInput: Sendable, Hashable {
    /// "file", "http", "stdin", "elasticsearch", ...
    public var source: String
    /// Where in the source: `path:offset`, `request-id:line`, the document `_id`, ...
    public var position: String
    /// A short, bounded reason code (`invalid_json`, `not_an_object`, `invalid_utf8`, `line_too_long`,
    /// `mapper_parsing_exception`, ...): it is also a metric label and the `list` filter.
    public var reason: String
    /// Free text: the parser's message, Elasticsearch's `error.reason`.
    public var detail: String?
    /// The HTTP status of the item, for shipper rejections.
    public var statusCode: Int?
    public var raw: [UInt8]
    /// Milliseconds since the epoch; nil takes SQLite's clock.
    public var timeMillis: Int64?

    public init(source: String, position: String, reason: String, detail: String? = nil, statusCode: Int? = nil, raw: [UInt8], timeMillis: Int64? = nil) {
        self.source = source
        self.position = position
        self.reason = reason
        self.detail = detail
        self.statusCode = statusCode
        self.raw = raw
        self.timeMillis = timeMillis
    }
}

/// A stored dead letter.
public struct DeadLetter: Sendable, Hashable {
    public var id: Int64
    public var timeMillis: Int64
    public var source: String
    public var position: String
    public var reason: String
    public var detail: String?
    public var statusCode: Int?
    /// The raw bytes, cut to ``DeadLetterConfiguration/maxEntryBytes``.
    public var raw: [UInt8]
    /// The length of the raw bytes before any cut.
    public var rawLength: Int
    public var truncated: Bool { rawLength > raw.count }
}

/// Dead-letter table settings.
public struct DeadLetterConfiguration: Sendable, Equatable {
    /// Bound on the stored bytes (raw bytes plus text fields); oldest rows go first. Default 64 MiB.
    public var maxBytes: Int64
    /// Raw bytes kept per entry; longer input (a 5 MiB line) is cut so one entry cannot evict all others. Default 64 KiB.
    public var maxEntryBytes: Int

    public init(maxBytes: Int64 = 64 << 20, maxEntryBytes: Int = 64 << 10) {
        self.maxBytes = maxBytes
        self.maxEntryBytes = maxEntryBytes
    }
}

/// Totals of the dead-letter table.
public struct DeadLetterStats: Sendable, Equatable {
    public var rows: Int64
    public var bytes: Int64
    /// Entries ever added (persistent).
    public var addedTotal: Int64
    /// Entries evicted to stay under the byte bound (persistent).
    public var evictedTotal: Int64
}

/// Events that could not be accepted or delivered, kept for inspection (`vigil dead-letters list`).
///
/// Invariants: stored bytes stay at or under `maxBytes` after every add (oldest rows evicted first, each
/// counted in `evictedTotal`); the totals row changes in the same transaction as the rows.
///
/// ```swift
/// let store = try DeadLetterStore(database: db)
/// try store.add(source: "file", position: "/var/log/a.log:4096", reason: "invalid_json", raw: Array(line))
/// let newest = try store.list(limit: 20)
/// ```
public final class DeadLetterStore: Sendable {
    public let database: VigilDatabase
    public let configuration: DeadLetterConfiguration

    public init(database: VigilDatabase, configuration: DeadLetterConfiguration = DeadLetterConfiguration()) throws {
        self.database = database
        self.configuration = configuration
    }

    /// Adds one entry; returns its id.
    @discardableResult
    public func add(source: String, position: String, reason: String, detail: String? = nil, statusCode: Int? = nil, raw: [UInt8], timeMillis: Int64? = nil) throws -> Int64 {
        let input = DeadLetterInput(source: source, position: position, reason: reason, detail: detail, statusCode: statusCode, raw: raw, timeMillis: timeMillis)
        return try database.sqlite.transaction { conn in
            try self.insert([input], conn)
            return conn.lastInsertRowID
        }
    }

    /// Adds several entries in one transaction.
    public func add(_ entries: [DeadLetterInput]) throws {
        guard !entries.isEmpty else { return }
        try database.sqlite.transaction { try self.insert(entries, $0) }
    }

    /// Inserts inside the caller's transaction (the spool uses this to commit dead letters with its block).
    func insert(_ entries: [DeadLetterInput], _ conn: SQLiteConnection) throws {
        let limit = max(0, configuration.maxEntryBytes)
        var addedBytes: Int64 = 0
        for entry in entries {
            let raw = entry.raw.count > limit ? Array(entry.raw[..<limit]) : entry.raw
            let bytes = Int64(raw.count + entry.source.utf8.count + entry.position.utf8.count + entry.reason.utf8.count + (entry.detail?.utf8.count ?? 0))
            let time: SQLiteValue = entry.timeMillis.map { .integer($0) } ?? .null
            try conn.run("""
                INSERT INTO dead_letters(time_ms, source, position, reason, detail, status, raw, raw_length, bytes)
                VALUES (coalesce(?, \(VigilDatabase.nowMillisSQL)), ?, ?, ?, ?, ?, ?, ?, ?)
                """, [time, .text(entry.source), .text(entry.position), .text(entry.reason),
                      entry.detail.map { .text($0) } ?? .null, entry.statusCode.map { .integer(Int64($0)) } ?? .null,
                      .blob(raw), .integer(Int64(entry.raw.count)), .integer(bytes)])
            addedBytes += bytes
        }
        try conn.run("UPDATE dead_letter_state SET bytes = bytes + ?, rows = rows + ?, added_total = added_total + ? WHERE id = 1",
                     [.integer(addedBytes), .integer(Int64(entries.count)), .integer(Int64(entries.count))])
        try evict(conn)
    }

    private func evict(_ conn: SQLiteConnection) throws {
        guard var bytes = try conn.scalarInt("SELECT bytes FROM dead_letter_state WHERE id = 1"), bytes > configuration.maxBytes else { return }
        var lastID: Int64 = 0
        var evictedBytes: Int64 = 0
        var evictedRows: Int64 = 0
        outer: while bytes > configuration.maxBytes {
            let oldest = try conn.query("SELECT id, bytes FROM dead_letters WHERE id > ? ORDER BY id LIMIT 256", [.integer(lastID)]) {
                (id: $0.int64(0), bytes: $0.int64(1))
            }
            if oldest.isEmpty { break }
            for row in oldest {
                if bytes <= configuration.maxBytes { break outer }
                lastID = row.id
                bytes -= row.bytes
                evictedBytes += row.bytes
                evictedRows += 1
            }
        }
        guard evictedRows > 0 else { return }
        try conn.run("DELETE FROM dead_letters WHERE id <= ?", [.integer(lastID)])
        try conn.run("UPDATE dead_letter_state SET bytes = bytes - ?, rows = rows - ?, evicted_total = evicted_total + ? WHERE id = 1",
                     [.integer(evictedBytes), .integer(evictedRows), .integer(evictedRows)])
    }

    /// The newest entries first, optionally only those with `reason`.
    public func list(limit: Int = 100, reason: String? = nil) throws -> [DeadLetter] {
        let columns = "id, time_ms, source, position, reason, detail, status, raw, raw_length"
        return try database.sqlite.withConnection { conn in
            let read: (SQLiteStatement) -> DeadLetter = {
                DeadLetter(id: $0.int64(0), timeMillis: $0.int64(1), source: $0.text(2), position: $0.text(3), reason: $0.text(4),
                           detail: $0.optionalText(5), statusCode: $0.optionalInt64(6).map { Int($0) }, raw: $0.blob(7), rawLength: $0.int(8))
            }
            if let reason {
                return try conn.query("SELECT \(columns) FROM dead_letters WHERE reason = ? ORDER BY id DESC LIMIT ?",
                                      [.text(reason), .integer(Int64(max(0, limit)))], read)
            }
            return try conn.query("SELECT \(columns) FROM dead_letters ORDER BY id DESC LIMIT ?", [.integer(Int64(max(0, limit)))], read)
        }
    }

    /// Rows stored now.
    public func count() throws -> Int {
        Int(try stats().rows)
    }

    public func stats() throws -> DeadLetterStats {
        try database.sqlite.withConnection { conn in
            try conn.queryFirst("SELECT rows, bytes, added_total, evicted_total FROM dead_letter_state WHERE id = 1") {
                DeadLetterStats(rows: $0.int64(0), bytes: $0.int64(1), addedTotal: $0.int64(2), evictedTotal: $0.int64(3))
            } ?? DeadLetterStats(rows: 0, bytes: 0, addedTotal: 0, evictedTotal: 0)
        }
    }
}
