import FoundationEssentials
import Hummingbird
import NIOCore
import VigilCore

/// The control API's reading side (`viewer`): rollouts, their status and verdict, the audit log, and
/// assignment (`GET /v1/assign`, which services call per request).
struct RolloutReadRoutes: RouteGroup {
    let rollouts: (any RolloutControlling)?

    var name: String { "rollouts" }
    var access: RouteAccess { .role(.viewer) }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.get("/v1/rollouts") { _, _ in
            guard let rollouts else { return Self.none }
            return Self.body(.ok, await rollouts.list())
        }
        routes.get("/v1/rollouts/:model") { _, context in
            guard let rollouts else { return Self.none }
            let model = context.parameters.get("model") ?? ""
            guard let body = await rollouts.status(model: model) else { return Self.unknown(model) }
            return Self.body(.ok, body)
        }
        routes.get("/v1/rollouts/:model/verdict") { _, context in
            guard let rollouts else { return Self.none }
            let model = context.parameters.get("model") ?? ""
            guard let verdict = await rollouts.verdict(model: model) else { return Self.unknown(model) }
            return Self.body(.ok, Self.encode(verdict))
        }
        routes.get("/v1/audit") { request, _ in
            guard let rollouts else { return Self.none }
            let query = request.uri.queryParameters
            var limit = 100
            if let text = query["limit"] {
                guard let n = Int(String(text)), (1...10_000).contains(n) else {
                    return HTTPResponses.error(.badRequest, "query parameter \"limit\": expected a whole number from 1 to 10000")
                }
                limit = n
            }
            for (key, _) in query where key != "limit" && key != "model" {
                return HTTPResponses.error(.badRequest, "query parameter \"\(key)\": unknown; use model and limit")
            }
            do {
                return Self.body(.ok, try await rollouts.audit(model: query["model"].map(String.init), limit: limit))
            } catch {
                return HTTPResponses.error(.serviceUnavailable, "the audit log cannot be read now")
            }
        }
        routes.get("/v1/assign") { request, _ in
            guard let rollouts else { return Self.none }
            let query = request.uri.queryParameters
            guard let model = query["model"], !model.isEmpty else {
                return HTTPResponses.error(.badRequest, "query parameter \"model\" is required")
            }
            guard let unit = query["unit"], !unit.isEmpty else {
                return HTTPResponses.error(.badRequest, "query parameter \"unit\" is required (a user, session or request id)")
            }
            guard let body = rollouts.assign(model: String(model), unit: String(unit)) else { return Self.unknown(String(model)) }
            return Self.body(.ok, body)
        }
    }

    static let none = HTTPResponses.error(.notFound, "no rollouts are configured (rollouts: in the configuration)")

    static func unknown(_ model: String) -> Response {
        HTTPResponses.error(.notFound, "no rollout is configured for model \"\(model)\"")
    }

    static func body(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] { SortedJSON.bytes(value) }
}

/// The control API's acting side (`release-manager`): `POST /v1/rollouts/{model}/{action}` with
/// `{"reason":"…"}`. The acting token's name goes to the audit log.
struct RolloutActionRoutes: RouteGroup {
    let rollouts: (any RolloutControlling)?
    let maxBodyBytes: Int

    var name: String { "rollout-actions" }
    var access: RouteAccess { .role(.releaseManager) }

    struct ActionBody: Decodable { var reason: String? }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.post("/v1/rollouts/:model/:action") { request, context in
            guard let rollouts else { return RolloutReadRoutes.none }
            let model = context.parameters.get("model") ?? ""
            let action = context.parameters.get("action") ?? ""
            guard let command = RolloutStateMachine.Command(rawValue: action) else {
                return HTTPResponses.error(.notFound, "unknown action \"\(action)\"; actions are "
                                           + RolloutStateMachine.Command.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: min(maxBodyBytes, 65_536)) } catch {
                return HTTPResponses.error(.contentTooLarge, "the body must be a small JSON object {\"reason\": \"…\"}")
            }
            let decoded = try? JSONDecoder().decode(ActionBody.self, from: Data(buffer.readableBytesView))
            guard let decoded else {
                return HTTPResponses.error(.badRequest, "expected a JSON object {\"reason\": \"why\"}")
            }
            guard let reason = decoded.reason, !reason.allSatisfy(\.isWhitespace) else {
                return HTTPResponses.error(.badRequest, "\"reason\" is required: it goes to the audit log")
            }
            let actor = context.principal?.name ?? "anonymous"
            let (outcome, body) = await rollouts.apply(command, model: model, actor: actor, reason: reason)
            let status: HTTPResponse.Status = switch outcome {
            case "changed", "unchanged": .ok
            case "unknown": .notFound
            case "unavailable": .serviceUnavailable
            default: .conflict
            }
            return RolloutReadRoutes.body(status, body)
        }
    }
}

/// Flagger's webhooks (`confirm-promotion`, `rollback`): Flagger posts `{"name","namespace","phase","metadata"}`
/// and reads only the status code. Flagger cannot send headers, so with tokens configured the token (viewer role)
/// travels in `metadata.token`; the model is `metadata.model`, or the canary's name.
struct FlaggerRoutes: RouteGroup {
    let rollouts: (any RolloutControlling)?
    let authenticator: Authenticator

    var name: String { "flagger" }
    var access: RouteAccess { .open }

    struct Payload: Decodable {
        var name: String?
        var namespace: String?
        var phase: String?
        var metadata: [String: String]?
    }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.post("/v1/flagger/confirm-promotion") { request, _ in
            await self.answer(request) { verdict in
                verdict.promotable ? (.ok, "promotion confirmed: \(verdict.reason)")
                    : (.forbidden, "promotion not confirmed (\(verdict.verdict.rawValue)): \(verdict.reason)")
            }
        }
        routes.post("/v1/flagger/rollback") { request, _ in
            await self.answer(request) { verdict in
                verdict.verdict == .fail ? (.ok, "roll back: \(verdict.reason)")
                    : (.forbidden, "no rollback (\(verdict.verdict.rawValue)): \(verdict.reason)")
            }
        }
    }

    func answer(_ request: Request, _ decide: (RolloutVerdict) -> (HTTPResponse.Status, String)) async -> Response {
        guard let rollouts else { return RolloutReadRoutes.none }
        guard let buffer = try? await request.body.collect(upTo: 65_536),
              let payload = try? JSONDecoder().decode(Payload.self, from: Data(buffer.readableBytesView)) else {
            return HTTPResponses.error(.badRequest, "expected Flagger's webhook payload {\"name\",\"namespace\",\"phase\",\"metadata\"}")
        }
        if authenticator.isEnabled {
            let token = payload.metadata?["token"]
            if case .denied(let reason, let message) = authenticator.authorise(authorization: token.map { "Bearer \($0)" }, role: .viewer) {
                return HTTPResponses.error(reason == .wrongRole ? .forbidden : .unauthorized, "metadata.token: \(message)")
            }
        }
        guard let model = payload.metadata?["model"] ?? payload.name, !model.isEmpty else {
            return HTTPResponses.error(.badRequest, "name the model in metadata.model (or the canary's name)")
        }
        guard let verdict = await rollouts.verdict(model: model) else { return RolloutReadRoutes.unknown(model) }
        let (status, message) = decide(verdict)
        return HTTPResponses.json(status, #"{"model":"# + JSONText.quote(model) + #","verdict":"# + JSONText.quote(verdict.verdict.rawValue)
                                  + #","message":"# + JSONText.quote(message) + "}")
    }
}
