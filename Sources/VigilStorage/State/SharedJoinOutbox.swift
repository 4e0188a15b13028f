/// Fleet mode's outbox to the shared label join, in `vigil.db`: every accepted prediction (to record in the shared
/// store) and label (to join there) is written here in the same call that accepts it, and removed only once the
/// shared store has it. So an agent killed, or a database that is down, loses neither: the next drain sends what is
/// left, in order.
///
/// Invariants:
/// - Rows are handed out in the order they were appended (`id`), except that a row put back with
///   ``defer(_:until:)`` waits until its retry time.
/// - At most `maxRows` rows: ``append(_:)`` refuses a batch that would exceed it (the caller counts the refusal).
public final class SharedJoinOutbox: Sendable {
    public enum Kind: Int64, Sendable, Hashable {
        case prediction = 0
        case label = 1
    }

    /// A row to append: what it is, its payload (the caller's encoding), and when it was accepted.
    public struct Entry: Sendable, Hashable {
        public var kind: Kind
        public var payload: [UInt8]
        public var queuedAtMillis: Int64

        public init(kind: Kind, payload: [UInt8], queuedAtMillis: Int64) {
            self.kind = kind
            self.payload = payload
            self.queuedAtMillis = queuedAtMillis
        }
    }

    /// A stored row.
    public struct Row: Sendable, Hashable {
        public var id: Int64
        public var entry: Entry
        /// Times it was put back with ``defer(_:until:)``.
        public var attempts: Int
    }

    /// Appending would exceed ``maxRows``.
    public struct Full: Error, CustomStringConvertible {
        public var rows: Int
        public var limit: Int
        public var description: String { "the shared join outbox holds \(rows) rows, its limit is \(limit)" }
    }

    public let database: VigilDatabase
    public let maxRows: Int

    public init(database: VigilDatabase, maxRows: Int = 1_000_000) {
        self.database = database
        self.maxRows = maxRows
    }

    /// Appends entries in one transaction (all or none).
    public func append(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try database.sqlite.transaction { conn in
            // The newest id minus the oldest is an upper bound of the rows held, read from the primary key alone.
            let span = try conn.queryFirst("SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM shared_join_outbox") { $0.int(0) } ?? 0
            if span + entries.count > maxRows {
                let rows = try conn.scalarInt("SELECT count(*) FROM shared_join_outbox").map(Int.init) ?? 0
                if rows + entries.count > maxRows { throw Full(rows: rows, limit: maxRows) }
            }
            for e in entries {
                try conn.run("INSERT INTO shared_join_outbox(kind, payload, queued_at_ms) VALUES (?, ?, ?)",
                             [.integer(e.kind.rawValue), .blob(e.payload), .integer(e.queuedAtMillis)])
            }
        }
    }

    /// Up to `limit` rows due at `nowMillis`, oldest first.
    public func next(limit: Int, nowMillis: Int64) throws -> [Row] {
        try database.sqlite.withConnection { conn in
            try conn.query("""
                SELECT id, kind, payload, queued_at_ms, attempts FROM shared_join_outbox
                WHERE retry_at_ms <= ? ORDER BY id LIMIT ?
                """, [.integer(nowMillis), .integer(Int64(limit))]) { s in
                Row(id: s.int64(0),
                    entry: Entry(kind: Kind(rawValue: s.int64(1)) ?? .label, payload: s.blob(2), queuedAtMillis: s.int64(3)),
                    attempts: s.int(4))
            }
        }
    }

    /// Removes rows the shared store has taken.
    public func remove(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try database.sqlite.transaction { conn in
            for id in ids { try conn.run("DELETE FROM shared_join_outbox WHERE id = ?", [.integer(id)]) }
        }
    }

    /// Puts rows back to be handed out again at `retryAtMillis` (a label whose prediction has not arrived yet).
    public func `defer`(_ ids: [Int64], until retryAtMillis: Int64) throws {
        guard !ids.isEmpty else { return }
        try database.sqlite.transaction { conn in
            for id in ids {
                try conn.run("UPDATE shared_join_outbox SET retry_at_ms = ?, attempts = attempts + 1 WHERE id = ?",
                             [.integer(retryAtMillis), .integer(id)])
            }
        }
    }

    /// Rows held, by kind.
    public func counts() throws -> [Kind: Int] {
        try database.sqlite.withConnection { conn in
            var out: [Kind: Int] = [.prediction: 0, .label: 0]
            for (kind, n) in try conn.query("SELECT kind, count(*) FROM shared_join_outbox GROUP BY kind", [], { ($0.int64(0), $0.int(1)) }) {
                if let k = Kind(rawValue: kind) { out[k] = n }
            }
            return out
        }
    }
}
