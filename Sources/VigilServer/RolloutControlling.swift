import VigilCore

/// What the control API needs from the runtime's rollout controller. Answers are JSON bodies, so the server
/// stays a thin layer of routes, roles and status codes.
public protocol RolloutControlling: Sendable {
    /// `{"rollouts":[…]}`.
    func list() async -> [UInt8]
    /// One rollout's status, `nil` when none is configured for `model`.
    func status(model: String) async -> [UInt8]?
    func verdict(model: String) async -> RolloutVerdict?
    /// `{"entries":[…]}`, newest first.
    func audit(model: String?, limit: Int) async throws -> [UInt8]
    /// Applies a command; `outcome` is `changed`, `unchanged`, `refused`, `conflict` or `unknown`.
    func apply(_ command: RolloutStateMachine.Command, model: String, actor: String, reason: String) async -> (outcome: String, body: [UInt8])
    /// The assignment of `unit`, `nil` when no rollout is configured for `model`. Never waits on the controller.
    func assign(model: String, unit: String) -> [UInt8]?
}
