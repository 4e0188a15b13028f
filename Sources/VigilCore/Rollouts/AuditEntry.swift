/// One audited decision or manual action: who, what, on what, why, and the evidence — a row of the audit log
/// (`AuditLog` in VigilStorage), what ``RolloutStore/audit(model:limit:)`` returns and what `GET /v1/audit` lists.
///
/// Its JSON (the `/v1/audit` answer) uses the property names: `id`, `timeMillis`, `actor`, `action`, `subject`,
/// `reason`, `evidenceJSON`.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Assigned by the store; nil only before appending.
    public var id: Int64?
    public var timeMillis: Int64
    /// "vigil" for automatic decisions, the token name for manual ones.
    public var actor: String
    /// `start`, `advance`, `promote`, `rollback`, `pause`, `resume`, ...
    public var action: String
    /// What it applies to, e.g. `rollout/fraud-detector`.
    public var subject: String
    public var reason: String
    /// A JSON object with counts, statistics and thresholds (for rollouts: the transition with its evaluation).
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
}
