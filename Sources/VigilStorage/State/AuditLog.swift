import VigilCore

/// The append-only audit log in `vigil.db`.
///
/// ```swift
/// let id = try audit.append(AuditEntry(timeMillis: now, actor: "vigil", action: "rollback",
///                                      subject: "rollout/fraud-detector", reason: "accuracy guardrail",
///                                      evidenceJSON: #"{"p_value":0.001}"#))
/// let recent = try audit.list(limit: 50, subject: "rollout/fraud-detector")
/// ```
public final class AuditLog: Sendable {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    /// Appends an entry; returns its id.
    @discardableResult
    public func append(_ entry: AuditEntry) throws -> Int64 {
        try database.sqlite.transaction { conn in
            try conn.run("INSERT INTO audit_log(time_ms, actor, action, subject, reason, evidence) VALUES (?, ?, ?, ?, ?, ?)",
                         [.integer(entry.timeMillis), .text(entry.actor), .text(entry.action), .text(entry.subject),
                          .text(entry.reason), .text(entry.evidenceJSON)])
            return conn.lastInsertRowID
        }
    }

    /// The newest entries first, optionally only those about `subject`.
    public func list(limit: Int = 100, subject: String? = nil) throws -> [AuditEntry] {
        let columns = "id, time_ms, actor, action, subject, reason, evidence"
        return try database.sqlite.withConnection { conn in
            let read: (SQLiteStatement) -> AuditEntry = {
                AuditEntry(id: $0.int64(0), timeMillis: $0.int64(1), actor: $0.text(2), action: $0.text(3),
                           subject: $0.text(4), reason: $0.text(5), evidenceJSON: $0.text(6))
            }
            if let subject {
                return try conn.query("SELECT \(columns) FROM audit_log WHERE subject = ? ORDER BY id DESC LIMIT ?",
                                      [.text(subject), .integer(Int64(max(0, limit)))], read)
            }
            return try conn.query("SELECT \(columns) FROM audit_log ORDER BY id DESC LIMIT ?", [.integer(Int64(max(0, limit)))], read)
        }
    }
}
