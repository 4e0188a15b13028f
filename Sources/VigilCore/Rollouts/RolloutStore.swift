/// Where rollout state and its audit trail live: SQLite on one agent (`SQLiteRolloutStore`), a shared database for a
/// fleet. Every change of state is written together with its audit entry, and only over the version it was
/// computed from, so two writers (an agent and a controller, or a person and the engine) make one decision.
public protocol RolloutStore: Sendable {
    /// The saved state of `model`'s rollout, if any.
    func load(model: String) async throws -> RolloutSnapshot?

    /// Saves `snapshot` (the state after `transition`) and the transition's audit entry in one transaction, if the
    /// stored version is still `transition.version − 1` (or nothing is stored and that is 0). Returns `false`,
    /// writing nothing, when another writer changed the state first.
    func commit(_ snapshot: RolloutSnapshot, transition: RolloutTransition) async throws -> Bool

    /// Saves progress that changes no state (baselines, the last evaluation), unless the stored version is newer.
    func save(_ snapshot: RolloutSnapshot) async throws

    /// The newest audit entries first, optionally for one model.
    func audit(model: String?, limit: Int) async throws -> [AuditEntry]

    /// The stored version of every rollout, read cheaply (no snapshots), so a fleet's agents can poll for decisions
    /// often; `nil` when the store has no cheaper way than ``load(model:)``.
    func versions() async throws -> [String: Int]?
}

extension RolloutStore {
    public func versions() async throws -> [String: Int]? { nil }
}
