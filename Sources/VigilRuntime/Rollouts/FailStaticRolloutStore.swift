import FoundationEssentials
import Logging
import VigilCore
import VigilHTTPClient
import VigilStorage

/// The shared rollout store as an agent uses it: every snapshot it reads or writes is also kept in the agent's own
/// `vigil.db` (`shared-cache/rollout/<model>`), so an agent that starts, or keeps running, while the database is
/// down serves the last state it knew (fail static).
///
/// Invariants:
/// - state changes (``commit(_:transition:)``) go to the shared store only: when it is down they fail with its
///   error and nothing changes anywhere (the controller retries on its next round);
/// - ``load(model:)`` falls back to the cached snapshot only when the shared store fails, and says so in the log
///   and in `vigil_shared_state_errors_total{operation="load"}`;
/// - the cache is written after the shared store answered, so it never holds a state the fleet did not decide.
struct FailStaticRolloutStore: RolloutStore {
    let shared: any RolloutStore
    let cache: StateSnapshotStore
    let io: BlockingPool
    let errors: CounterFamily
    let logger: Logger

    static func cacheKey(_ model: String) -> String { "shared-cache/rollout/\(model)" }

    func load(model: String) async throws -> RolloutSnapshot? {
        do {
            let snapshot = try await shared.load(model: model)
            if let snapshot { await remember(snapshot) }
            return snapshot
        } catch {
            errors.labels("load").increment()
            let cache = self.cache
            guard let bytes = try await io.run({ try cache.get(Self.cacheKey(model)) }) else { throw error }
            logger.warning("shared state unavailable: serving the last known rollout state", metadata: [
                "rollout.model": "\(model)", "error": "\(error)"])
            return try JSONDecoder().decode(RolloutSnapshot.self, from: Data(bytes))
        }
    }

    func versions() async throws -> [String: Int]? {
        do { return try await shared.versions() } catch {
            errors.labels("versions").increment()
            throw error
        }
    }

    func commit(_ snapshot: RolloutSnapshot, transition: RolloutTransition) async throws -> Bool {
        do {
            let won = try await shared.commit(snapshot, transition: transition)
            if won { await remember(snapshot) }
            return won
        } catch {
            errors.labels("commit").increment()
            throw error
        }
    }

    func save(_ snapshot: RolloutSnapshot) async throws {
        do {
            try await shared.save(snapshot)
        } catch {
            errors.labels("save").increment()
            throw error
        }
    }

    func audit(model: String?, limit: Int) async throws -> [AuditEntry] {
        do { return try await shared.audit(model: model, limit: limit) } catch {
            errors.labels("audit").increment()
            throw error
        }
    }

    private func remember(_ snapshot: RolloutSnapshot) async {
        let cache = self.cache
        do {
            let bytes = try SortedJSON.encode(snapshot)
            try await io.run { try cache.put(Self.cacheKey(snapshot.model), value: bytes) }
        } catch {
            logger.warning("rollout state cache write failed", metadata: ["rollout.model": "\(snapshot.model)", "error": "\(error)"])
        }
    }
}
