/// One audited decision or manual action: who, what, on what, why, and the evidence.
public struct AuditEntry: Sendable, Hashable, Encodable {
    /// Assigned by the store; nil before appending.
    public var id: Int64?
    public var timeMillis: Int64
    /// "vigil" for automatic decisions, the token name for manual ones.
    public var actor: String
    /// "promote", "rollback", "pause", "resume", "step", ...
    public var action: String
    /// What it applies to, e.g. "rollout/fraud-detector".
    public var subject: String
    public var reason: String
    /// A JSON object with counts, statistics and thresholds (the caller encodes it).
    public var evidenceJSON: String

    public init(id: Int64? = nil, timeMillis: Int64, actor: String, action: String, subject: String, reason: String, evidenceJSON: String = "{}") {
        self.id = id
        self.timeMillis = timeMillis
        self.actor = actor
        self.action = action
        self.subject = subject
        self.reason = reason
        self.evidenceJSON = evidenceJSON
    }

    enum CodingKeys: String, CodingKey {
        case id, timeMillis = "time_ms", actor, action, subject, reason, evidenceJSON = "evidence"
    }
}

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
