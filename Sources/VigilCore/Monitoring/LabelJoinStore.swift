import Synchronization

/// Where predictions wait for their label when the join must work across agents: a label joins its prediction
/// whichever agent receives it. One agent keeps its join in memory (``LabelJoinStateMachine``, persisted to
/// SQLite); a fleet shares one store (`PostgresLabelJoinStore`, `storage.shared`).
///
/// Invariants every implementation keeps:
/// - one waiting prediction per (model, request id, variant): recording it again replaces it;
/// - ``join(_:nowMillis:)`` hands each waiting prediction out at most once, across every caller of the store;
/// - ``expire(nowMillis:limit:)`` removes at most `limit` predictions past their expiry and hands each out once
///   (never one that a join took), so expiry is bounded work and needs no scan of the waiting ones.
public protocol LabelJoinStore: Sendable {
    /// Stores waiting predictions, each with the time its label stops being awaited.
    func record(_ entries: [PendingPredictionEntry]) async throws

    /// Takes the predictions waiting for each key; results are in the order of `keys`.
    func join(_ keys: [LabelJoinKey], nowMillis: Int64) async throws -> [LabelJoinOutcome]

    /// Removes up to `limit` predictions whose expiry is at or before `nowMillis`, and returns them (unlabelled).
    func expire(nowMillis: Int64, limit: Int) async throws -> [PendingPrediction]

    /// Predictions waiting (expired ones not yet removed included).
    func count() async throws -> Int
}

/// A prediction and when its label stops being awaited.
public struct PendingPredictionEntry: Sendable, Hashable {
    public var prediction: PendingPrediction
    public var expiresAtMillis: Int64

    public init(_ prediction: PendingPrediction, expiresAtMillis: Int64) {
        self.prediction = prediction
        self.expiresAtMillis = expiresAtMillis
    }
}

/// What a label looks up: its model and request id.
public struct LabelJoinKey: Sendable, Hashable {
    public var model: String
    public var requestID: String

    public init(model: String, requestID: String) {
        self.model = model
        self.requestID = requestID
    }
}

/// The result of joining one label.
public enum LabelJoinOutcome: Sendable, Hashable {
    /// The predictions (one per variant) that waited for this label; nobody else gets them.
    case joined([PendingPrediction])
    /// The predictions waited, but past their expiry: taken, and not to be scored.
    case late([PendingPrediction])
    /// Nothing waits under this key (never recorded, already joined or expired and removed).
    case unmatched
}

/// The store of one process: a dictionary under a lock (expiry looks at every key: for tests and small sets). The
/// reference the shared implementations are tested against.
public final class InMemoryLabelJoinStore: LabelJoinStore {
    /// By key, then by variant.
    private let rows = Mutex<[LabelJoinKey: [String: PendingPredictionEntry]]>([:])

    public init() {}

    public func record(_ entries: [PendingPredictionEntry]) {
        rows.withLock { rows in
            for e in entries {
                rows[LabelJoinKey(model: e.prediction.model, requestID: e.prediction.requestID), default: [:]][e.prediction.variant] = e
            }
        }
    }

    public func join(_ keys: [LabelJoinKey], nowMillis: Int64) -> [LabelJoinOutcome] {
        rows.withLock { rows in
            keys.map { key in
                guard let byVariant = rows.removeValue(forKey: key), !byVariant.isEmpty else { return .unmatched }
                let entries = byVariant.values.sorted { $0.prediction.variant < $1.prediction.variant }
                let fresh = entries.filter { $0.expiresAtMillis > nowMillis }.map(\.prediction)
                return fresh.isEmpty ? .late(entries.map(\.prediction)) : .joined(fresh)
            }
        }
    }

    public func expire(nowMillis: Int64, limit: Int) -> [PendingPrediction] {
        rows.withLock { rows in
            let due = rows.values.flatMap { $0.values }.filter { $0.expiresAtMillis <= nowMillis }
                .sorted { ($0.expiresAtMillis, $0.prediction.requestID, $0.prediction.variant)
                    < ($1.expiresAtMillis, $1.prediction.requestID, $1.prediction.variant) }
                .prefix(max(0, limit))
            for e in due {
                let key = LabelJoinKey(model: e.prediction.model, requestID: e.prediction.requestID)
                rows[key]?[e.prediction.variant] = nil
                if rows[key]?.isEmpty == true { rows[key] = nil }
            }
            return due.map(\.prediction)
        }
    }

    public func count() -> Int { rows.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
