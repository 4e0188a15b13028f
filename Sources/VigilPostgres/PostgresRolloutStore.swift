import FoundationEssentials
import Logging
import PostgresNIO
import VigilCore

/// Rollout state and its audit log in the shared PostgreSQL database, for any number of agents and controllers.
///
/// Invariants:
/// - a state change is one transaction: the compare-and-set of the row's `version` (the fencing token) and the
///   audit entry that carries the same version; a writer whose version is stale writes nothing and is told so;
/// - the compare-and-set is a single `UPDATE … WHERE version = expected` (or `INSERT … ON CONFLICT DO NOTHING`
///   for the first change): PostgreSQL takes the row lock, and a concurrent writer waits for it and then finds
///   the version moved, so of any number of writers racing from one version exactly one wins;
/// - `UNIQUE (subject, version)` on the audit log backs this up: one audit entry per version, whatever a
///   writer does.
public final class PostgresRolloutStore: RolloutStore {
    let db: SharedDatabase

    public init(database: SharedDatabase) {
        self.db = database
    }

    static func subject(_ model: String) -> String { "rollout/\(model)" }

    public func load(model: String) async throws -> RolloutSnapshot? {
        let text = try await db.connection("load rollout \(model)") { conn -> String? in
            let rows = try await conn.query("SELECT snapshot FROM vigil_rollouts WHERE model = \(model)", logger: Self.logger)
            for try await s in rows.decode(String.self) { return s }
            return nil
        }
        guard let text else { return nil }
        return try JSONDecoder().decode(RolloutSnapshot.self, from: Data(text.utf8))
    }

    /// `SELECT model, version FROM vigil_rollouts`: one small round trip, what agents poll twice a second.
    public func versions() async throws -> [String: Int]? {
        try await db.connection("read rollout versions") { conn in
            let rows = try await conn.query("SELECT model, version FROM vigil_rollouts", logger: Self.logger)
            var out: [String: Int] = [:]
            for try await (model, version) in rows.decode((String, Int64).self) { out[model] = Int(version) }
            return out
        }
    }

    public func commit(_ snapshot: RolloutSnapshot, transition: RolloutTransition) async throws -> Bool {
        let value = String(decoding: try SortedJSON.encode(snapshot), as: UTF8.self)
        let evidence = String(decoding: try SortedJSON.encode(transition), as: UTF8.self)
        let model = snapshot.model, version = transition.version, expected = transition.version - 1
        let subject = Self.subject(transition.model)
        return try await db.transaction("commit rollout \(model) version \(version)") { conn in
            let won: Bool
            if expected == 0 {
                let rows = try await conn.query("""
                    INSERT INTO vigil_rollouts(model, version, snapshot) VALUES (\(model), \(version), \(value))
                    ON CONFLICT (model) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot, updated_at = now()
                    WHERE vigil_rollouts.version = 0
                    RETURNING 1
                    """, logger: Self.logger)
                won = try await Self.any(rows)
            } else {
                let rows = try await conn.query("""
                    UPDATE vigil_rollouts SET version = \(version), snapshot = \(value), updated_at = now()
                    WHERE model = \(model) AND version = \(expected)
                    RETURNING 1
                    """, logger: Self.logger)
                won = try await Self.any(rows)
            }
            guard won else { return false }
            try await conn.query("""
                INSERT INTO vigil_audit_log(time_ms, actor, action, subject, reason, evidence, version)
                VALUES (\(transition.atMillis), \(transition.actor), \(transition.change.rawValue), \(subject),
                        \(transition.reason), \(evidence), \(version))
                """, logger: Self.logger)
            return true
        }
    }

    /// Progress at the stored version only: a stale writer's save is dropped, and a save never moves the version
    /// (only ``commit(_:transition:)`` does, through the fencing compare-and-set).
    public func save(_ snapshot: RolloutSnapshot) async throws {
        let value = String(decoding: try SortedJSON.encode(snapshot), as: UTF8.self)
        let model = snapshot.model, version = snapshot.version
        _ = try await db.connection("save rollout \(model)") { conn in
            try await conn.query("""
                INSERT INTO vigil_rollouts(model, version, snapshot) VALUES (\(model), \(version), \(value))
                ON CONFLICT (model) DO UPDATE SET snapshot = excluded.snapshot, updated_at = now()
                WHERE vigil_rollouts.version = excluded.version
                """, logger: Self.logger)
            return true
        }
    }

    public func audit(model: String?, limit: Int) async throws -> [AuditEntry] {
        let limit = max(0, limit)
        return try await db.connection("read the audit log") { conn in
            let rows: PostgresRowSequence
            if let model {
                rows = try await conn.query("""
                    SELECT id, time_ms, actor, action, subject, reason, evidence FROM vigil_audit_log
                    WHERE subject = \(Self.subject(model)) ORDER BY id DESC LIMIT \(limit)
                    """, logger: Self.logger)
            } else {
                rows = try await conn.query("""
                    SELECT id, time_ms, actor, action, subject, reason, evidence FROM vigil_audit_log
                    WHERE subject LIKE 'rollout/%' ORDER BY id DESC LIMIT \(limit)
                    """, logger: Self.logger)
            }
            var out: [AuditEntry] = []
            for try await (id, time, actor, action, subject, reason, evidence) in rows.decode((Int64, Int64, String, String, String, String, String).self) {
                out.append(AuditEntry(id: id, timeMillis: time, actor: actor, action: action, subject: subject,
                                              reason: reason, evidenceJSON: evidence))
            }
            return out
        }
    }

    static let logger = Logger(label: "vigil.postgres")

    static func any(_ rows: PostgresRowSequence) async throws -> Bool {
        var found = false
        for try await _ in rows { found = true }
        return found
    }
}
