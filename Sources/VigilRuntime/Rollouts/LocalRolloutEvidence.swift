import Synchronization
import VigilCore

/// The agent's own rollout evidence: a ``RolloutEvidenceLedger`` behind a lock, fed by the model monitor and
/// persisted with the rollout state so a restart continues the counts instead of starting them again.
public final class LocalRolloutEvidence: RolloutEvidenceSource, Sendable {
    private let ledger: Mutex<RolloutEvidenceLedger>

    public init(_ ledger: RolloutEvidenceLedger = RolloutEvidenceLedger()) {
        self.ledger = Mutex(ledger)
    }

    public func evidence(for definition: RolloutDefinition) async -> RolloutEvidence {
        ledger.withLock { $0.evidence(model: definition.model, champion: definition.champion, challenger: definition.challenger) }
    }

    public func update(_ body: (inout RolloutEvidenceLedger) -> Void) {
        ledger.withLock { body(&$0) }
    }

    public var snapshot: RolloutEvidenceLedger { ledger.withLock { $0 } }
}
