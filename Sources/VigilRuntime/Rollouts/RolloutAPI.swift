import FoundationEssentials
import VigilCore
import VigilServer

/// The control API's view of the ``RolloutController``: JSON bodies for the server's rollout routes.
struct RolloutAPI: RolloutControlling {
    let controller: RolloutController

    struct List: Encodable { var rollouts: [RolloutController.Status] }
    struct Audit: Encodable { var entries: [AuditEntry] }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] { SortedJSON.bytes(value) }

    func list() async -> [UInt8] { Self.encode(List(rollouts: await controller.list())) }

    func status(model: String) async -> [UInt8]? { await controller.status(model: model).map(Self.encode) }

    func verdict(model: String) async -> RolloutVerdict? { await controller.verdict(model: model) }

    func audit(model: String?, limit: Int) async throws -> [UInt8] {
        Self.encode(Audit(entries: try await controller.audit(model: model, limit: limit)))
    }

    func apply(_ command: RolloutStateMachine.Command, model: String, actor: String, reason: String) async -> (outcome: String, body: [UInt8]) {
        let result = await controller.apply(command, model: model, actor: actor, reason: reason)
        return (result.outcome, Self.encode(result))
    }

    func assign(model: String, unit: String) -> [UInt8]? { controller.assign(model: model, unit: unit).map(Self.encode) }
}
