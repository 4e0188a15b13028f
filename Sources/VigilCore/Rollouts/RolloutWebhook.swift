import FoundationEssentials

/// The JSON body Vigil posts to webhooks on every change of a rollout's state, and its signature.
///
/// Receivers verify `X-Vigil-Signature: sha256=<hex>` — the HMAC-SHA256 of the raw body under the shared
/// secret — and drop repeats by `Idempotency-Key` (also in the body as `id`): a webhook is delivered at least
/// once, so the same change may arrive twice.
///
/// ```swift
/// let body = RolloutWebhook.body(for: transition, definition: definition)
/// RolloutWebhook.signature(of: body, secret: Array("s3cret".utf8))   // "sha256=5d1c…"
/// ```
public enum RolloutWebhook {
    public struct Payload: Sendable, Hashable, Codable {
        /// `rollout.<change>`, e.g. `rollout.rollback`.
        public var event: String
        /// `<model>/<version>`: the same for every attempt to deliver this change.
        public var id: String
        public var model: String
        public var champion: String
        public var challenger: String
        public var change: RolloutChange
        public var from: RolloutStateMachine.Phase
        public var to: RolloutStateMachine.Phase
        public var challengerWeight: Double
        public var actor: String
        public var automatic: Bool
        public var reason: String
        /// RFC 3339.
        public var at: String
        public var version: Int
        public var evaluation: RolloutEvaluation?
    }

    public static func payload(for t: RolloutTransition, definition: RolloutDefinition) -> Payload {
        var at: [UInt8] = []
        RFC3339.append(millis: t.atMillis, to: &at)
        return Payload(event: "rollout.\(t.change.rawValue)", id: "\(t.model)/\(t.version)", model: t.model,
                       champion: definition.champion, challenger: definition.challenger, change: t.change, from: t.from,
                       to: t.to, challengerWeight: t.toWeight, actor: t.actor, automatic: t.automatic, reason: t.reason,
                       at: String(decoding: at, as: UTF8.self), version: t.version, evaluation: t.evaluation)
    }

    /// The body: the payload as JSON with sorted keys.
    public static func body(for t: RolloutTransition, definition: RolloutDefinition) -> [UInt8] {
        SortedJSON.bytes(payload(for: t, definition: definition))
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
    public static func signature(of body: [UInt8], secret: [UInt8]) -> String {
        "sha256=" + SHA256.hex(HMACSHA256(key: secret).authenticate(body))
    }
}
