/// Named blobs of component state (model monitor, rollout, assignment), saved periodically and
/// restored at start. The caller chooses the encoding.
///
/// ```swift
/// try snapshots.put("rollout/fraud-detector", value: encoded)
/// let restored = try snapshots.get("rollout/fraud-detector")
/// ```
public final class StateSnapshotStore: Sendable {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    /// Saves (replaces) the value under `key`.
    public func put(_ key: String, value: [UInt8]) throws {
        try database.sqlite.transaction { conn in
            try conn.run("""
                INSERT INTO state_snapshots(key, value, updated_at_ms) VALUES (?, ?, \(VigilDatabase.nowMillisSQL))
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms
                """, [.text(key), .blob(value)])
        }
    }

    /// Saves several values atomically (a consistent snapshot of related components).
    public func put(_ values: [String: [UInt8]]) throws {
        try database.sqlite.transaction { conn in
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                try conn.run("""
                    INSERT INTO state_snapshots(key, value, updated_at_ms) VALUES (?, ?, \(VigilDatabase.nowMillisSQL))
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms
                    """, [.text(key), .blob(value)])
            }
        }
    }

    public func get(_ key: String) throws -> [UInt8]? {
        try database.sqlite.withConnection { conn in
            try conn.queryFirst("SELECT value FROM state_snapshots WHERE key = ?", [.text(key)]) { $0.blob(0) }
        }
    }

    @discardableResult
    public func remove(_ key: String) throws -> Bool {
        try database.sqlite.transaction { try $0.run("DELETE FROM state_snapshots WHERE key = ?", [.text(key)]) } > 0
    }

    /// Keys starting with `prefix`, sorted.
    public func keys(prefix: String = "") throws -> [String] {
        try database.sqlite.withConnection { conn in
            try conn.query("SELECT key FROM state_snapshots WHERE substr(key, 1, ?) = ? ORDER BY key",
                           [.integer(Int64(prefix.utf8.count)), .text(prefix)]) { $0.text(0) }
        }
    }
}
