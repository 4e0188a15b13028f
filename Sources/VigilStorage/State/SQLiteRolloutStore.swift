import FoundationEssentials
import VigilCore

/// Rollout state in `vigil.db`: the snapshot under `rollout/<model>` in `state_snapshots` and the audit entry in
/// `audit_log`, written in one transaction, so a rollback survives `kill -9` together with the record of why.
///
/// The version check happens inside the write transaction (SQLite serialises writers), which makes the store a
/// fencing point for several writers on one database file.
public final class SQLiteRolloutStore: RolloutStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static func key(_ model: String) -> String { "rollout/\(model)" }

    public func load(model: String) throws -> RolloutSnapshot? {
        let bytes = try database.sqlite.withConnection { conn in
            try conn.queryFirst("SELECT value FROM state_snapshots WHERE key = ?", [.text(Self.key(model))]) { $0.blob(0) }
        }
        guard let bytes else { return nil }
        return try JSONDecoder().decode(RolloutSnapshot.self, from: Data(bytes))
    }

    public func commit(_ snapshot: RolloutSnapshot, transition: RolloutTransition) throws -> Bool {
        let value = try SortedJSON.encode(snapshot)
        let evidence = String(decoding: try SortedJSON.encode(transition), as: UTF8.self)
        return try database.sqlite.transaction { conn in
            let stored = try Self.storedVersion(conn, snapshot.model)
            guard (stored ?? 0) == transition.version - 1 else { return false }
            try Self.put(conn, snapshot.model, [UInt8](value))
            try conn.run("INSERT INTO audit_log(time_ms, actor, action, subject, reason, evidence) VALUES (?, ?, ?, ?, ?, ?)",
                         [.integer(transition.atMillis), .text(transition.actor), .text(transition.change.rawValue),
                          .text(Self.key(transition.model)), .text(transition.reason), .text(evidence)])
            return true
        }
    }

    public func save(_ snapshot: RolloutSnapshot) throws {
        let value = try SortedJSON.encode(snapshot)
        try database.sqlite.transaction { conn in
            if let stored = try Self.storedVersion(conn, snapshot.model), stored > snapshot.version { return }
            try Self.put(conn, snapshot.model, [UInt8](value))
        }
    }

    public func audit(model: String?, limit: Int) throws -> [AuditEntry] {
        try AuditLog(database: database).list(limit: limit, subject: model.map(Self.key)).filter { $0.subject.hasPrefix("rollout/") }
    }

    private static func storedVersion(_ conn: SQLiteConnection, _ model: String) throws -> Int? {
        guard let bytes = try conn.queryFirst("SELECT value FROM state_snapshots WHERE key = ?", [.text(key(model))], { $0.blob(0) }) else {
            return nil
        }
        return try JSONDecoder().decode(VersionOnly.self, from: Data(bytes)).version
    }

    private struct VersionOnly: Decodable { var version: Int }

    private static func put(_ conn: SQLiteConnection, _ model: String, _ value: [UInt8]) throws {
        try conn.run("""
            INSERT INTO state_snapshots(key, value, updated_at_ms) VALUES (?, ?, \(VigilDatabase.nowMillisSQL))
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms
            """, [.text(key(model)), .blob(value)])
    }
}
