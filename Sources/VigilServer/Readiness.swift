import Synchronization

/// Which parts of the agent are up. `GET /readyz` answers 200 only when every registered part is ready,
/// and otherwise lists what is not, with the reason each part gave.
///
/// Invariants: a part is listed from `register` on; only `markReady`/`markNotReady` change its state.
public final class Readiness: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var ready: Bool
        public var reason: String
    }

    private let parts = Mutex<[String: Part]>([:])

    public init() {}

    public func register(_ name: String, reason: String = "starting") {
        parts.withLock { $0[name] = Part(name: name, ready: false, reason: reason) }
    }

    public func markReady(_ name: String) {
        parts.withLock { $0[name] = Part(name: name, ready: true, reason: "") }
    }

    public func markNotReady(_ name: String, reason: String) {
        parts.withLock { $0[name] = Part(name: name, ready: false, reason: reason) }
    }

    public func snapshot() -> [Part] {
        parts.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    public var isReady: Bool { snapshot().allSatisfy(\.ready) }
}
