/// Joins labels to the predictions they belong to, by model and request id, within a time-to-live.
///
/// A pure state machine: time is passed in, and persistence is left to the caller through the returned
/// actions (`persist`/`delete` a pending prediction), so the same logic runs in tests, in `vigil evaluate`
/// and in the agent (which keeps pending predictions in SQLite and calls ``restore(_:)`` at start).
///
/// Invariants:
/// - a pending prediction is joined at most once; a later label for it counts `duplicate`;
/// - a label for a prediction older than the TTL counts `late` (whether or not ``expire(now:)`` ran yet), and
///   the prediction is not joined;
/// - a label for an unknown request id counts `unmatched`;
/// - the outcomes of recently settled predictions (joined or expired) are remembered for `tombstoneTTLMillis`,
///   at most `maxTombstones` of them, so that duplicates and late labels can be told from unknown ones.
///
/// Labels may arrive in any order relative to each other; a label that arrives before its prediction counts
/// `unmatched` (the prediction then waits and expires unlabelled).
///
/// ```swift
/// var join = LabelJoinStateMachine(ttlMillis: 60_000)
/// _ = join.recordPrediction(pending)
/// let result = join.recordLabel(LabelEvent(model: "m", requestID: "r1", label: "1", timestampMillis: 0), now: 1_000)
/// result.outcome   // .joined
/// ```
public struct LabelJoinStateMachine: Sendable {
    /// What the caller must do to keep its durable store in step.
    public enum StoreAction: Sendable, Hashable {
        case persist(PendingPrediction)
        case delete(model: String, requestID: String)
    }

    /// The result of one label.
    public struct LabelResult: Sendable, Hashable {
        public var outcome: LabelOutcome
        /// The joined predictions (several when variants shadow each other on one request), or for `late`
        /// and `duplicate` the prediction concerned when still known; empty for `unmatched`.
        public var predictions: [PendingPrediction]
        public var actions: [StoreAction]
    }

    private enum Settled: Sendable { case joined, expired }

    private struct Key: Hashable, Sendable {
        var model: String
        var requestID: String
    }

    /// Default time-to-live: 7 days.
    public static let defaultTTLMillis: Int64 = 7 * 24 * 3600 * 1000

    public let ttlMillis: Int64
    public let tombstoneTTLMillis: Int64
    public let maxTombstones: Int
    private var pending: [Key: [PendingPrediction]] = [:]
    private var tombstones: [Key: (state: Settled, at: Int64, variants: [String])] = [:]
    /// Tombstone keys in settlement order, for eviction.
    private var tombstoneOrder: [Key] = []
    private var tombstoneHead = 0

    public init(ttlMillis: Int64 = LabelJoinStateMachine.defaultTTLMillis, tombstoneTTLMillis: Int64? = nil,
                maxTombstones: Int = 100_000) {
        precondition(ttlMillis > 0, "ttl must be positive")
        self.ttlMillis = ttlMillis
        self.tombstoneTTLMillis = tombstoneTTLMillis ?? ttlMillis
        self.maxTombstones = maxTombstones
    }

    /// Predictions waiting for a label.
    public var pendingCount: Int { pending.values.reduce(0) { $0 + $1.count } }

    /// Pending predictions per model (for a gauge).
    public var pendingCountByModel: [String: Int] {
        var out: [String: Int] = [:]
        for (key, list) in pending { out[key.model, default: 0] += list.count }
        return out
    }

    /// Reloads predictions that were pending before a restart (no store actions result).
    public mutating func restore(_ predictions: [PendingPrediction]) {
        for p in predictions { insert(p) }
    }

    /// A prediction starts waiting. A second prediction for the same model, request and variant replaces the
    /// first (a retried request).
    public mutating func recordPrediction(_ prediction: PendingPrediction) -> [StoreAction] {
        insert(prediction)
        return [.persist(prediction)]
    }

    /// A label arrives at `now`.
    public mutating func recordLabel(_ label: LabelEvent, now: Int64) -> LabelResult {
        let key = Key(model: label.model, requestID: label.requestID)
        if let waiting = pending[key] {
            let fresh = waiting.filter { now - $0.receivedAtMillis <= ttlMillis }
            pending[key] = nil
            let delete = StoreAction.delete(model: key.model, requestID: key.requestID)
            if fresh.isEmpty {
                settle(key, .expired, at: now, variants: waiting.map(\.variant))
                return LabelResult(outcome: .late, predictions: waiting, actions: [delete])
            }
            settle(key, .joined, at: now, variants: fresh.map(\.variant))
            return LabelResult(outcome: .joined, predictions: fresh, actions: [delete])
        }
        if let tombstone = tombstones[key] {
            let stub = tombstone.variants.map {
                PendingPrediction(model: key.model, requestID: key.requestID, variant: $0, prediction: nil,
                                  score: nil, receivedAtMillis: tombstone.at)
            }
            switch tombstone.state {
            case .joined: return LabelResult(outcome: .duplicate, predictions: stub, actions: [])
            case .expired: return LabelResult(outcome: .late, predictions: stub, actions: [])
            }
        }
        return LabelResult(outcome: .unmatched, predictions: [], actions: [])
    }

    /// A label that a shared ``LabelJoinStore`` joined (fleet mode: the predictions wait in PostgreSQL, not here).
    /// The store's outcome is taken as it is, except that an `unmatched` label for a prediction this machine
    /// settled itself (joined or late, within the tombstone TTL) counts `duplicate` or `late`, as in local mode.
    /// A label whose prediction another agent joined stays `unmatched`: tombstones are per agent.
    public mutating func recordSharedOutcome(_ label: LabelEvent, _ outcome: LabelJoinOutcome, now: Int64) -> LabelResult {
        let key = Key(model: label.model, requestID: label.requestID)
        switch outcome {
        case .joined(let predictions):
            settle(key, .joined, at: now, variants: predictions.map(\.variant))
            return LabelResult(outcome: .joined, predictions: predictions, actions: [])
        case .late(let predictions):
            settle(key, .expired, at: now, variants: predictions.map(\.variant))
            return LabelResult(outcome: .late, predictions: predictions, actions: [])
        case .unmatched:
            return recordLabel(label, now: now)
        }
    }

    /// Whether this machine settled (joined or saw expire) the prediction under this key, within the tombstone TTL.
    public func hasSettled(model: String, requestID: String) -> Bool {
        tombstones[Key(model: model, requestID: requestID)] != nil
    }

    /// Moves predictions older than the TTL out of the pending set (they count as unlabelled) and forgets old
    /// tombstones. Returns the expired predictions and the store actions.
    public mutating func expire(now: Int64) -> (expired: [PendingPrediction], actions: [StoreAction]) {
        var expired: [PendingPrediction] = []
        var actions: [StoreAction] = []
        for (key, list) in pending where list.allSatisfy({ now - $0.receivedAtMillis > ttlMillis }) {
            pending[key] = nil
            expired += list
            actions.append(.delete(model: key.model, requestID: key.requestID))
            settle(key, .expired, at: now, variants: list.map(\.variant))
        }
        while tombstoneHead < tombstoneOrder.count {
            let key = tombstoneOrder[tombstoneHead]
            guard let t = tombstones[key] else { tombstoneHead += 1; continue }
            guard now - t.at > tombstoneTTLMillis else { break }
            tombstones[key] = nil
            tombstoneHead += 1
        }
        compactTombstoneOrder()
        expired.sort { ($0.receivedAtMillis, $0.requestID) < ($1.receivedAtMillis, $1.requestID) }
        return (expired, actions)
    }

    private mutating func insert(_ p: PendingPrediction) {
        let key = Key(model: p.model, requestID: p.requestID)
        var list = pending[key] ?? []
        list.removeAll { $0.variant == p.variant }
        list.append(p)
        pending[key] = list
        if tombstones[key] != nil { tombstones[key] = nil }
    }

    private mutating func settle(_ key: Key, _ state: Settled, at: Int64, variants: [String]) {
        tombstones[key] = (state, at, variants)
        tombstoneOrder.append(key)
        while tombstones.count > maxTombstones, tombstoneHead < tombstoneOrder.count {
            tombstones[tombstoneOrder[tombstoneHead]] = nil
            tombstoneHead += 1
        }
        compactTombstoneOrder()
    }

    private mutating func compactTombstoneOrder() {
        if tombstoneHead > 1024, tombstoneHead * 2 >= tombstoneOrder.count {
            tombstoneOrder.removeFirst(tombstoneHead)
            tombstoneHead = 0
        }
    }
}
