import Synchronization
import VigilCore

/// The agent's own rollout evidence: a ``RolloutEvidenceLedger`` behind a lock, fed by the model monitor and
/// persisted with the rollout state so a restart continues the counts instead of starting them again.
public final class LocalRolloutEvidence: RolloutEvidenceSource, Sendable {
    private let ledger: Mutex<RolloutEvidenceLedger>
    /// `model/variant` of every rolled-out variant: only these are counted (variants come from input).
    private let tracked: Set<String>?
    /// Models whose requests are counted from request logs rather than predictions.
    public let modelsCountingLogs: Set<String>
    private let parser = Mutex(MonitorEventParser())

    /// - Parameter definitions: the rollouts whose variants to count (`nil`: every variant, for tests).
    public init(_ ledger: RolloutEvidenceLedger = RolloutEvidenceLedger(), definitions: [RolloutDefinition]? = nil) {
        self.ledger = Mutex(ledger)
        self.tracked = definitions.map { Set($0.flatMap { ["\($0.model)/\($0.champion)", "\($0.model)/\($0.challenger)"] }) }
        self.modelsCountingLogs = Set((definitions ?? []).filter { $0.requestSource == .logs }.map(\.model))
    }

    func tracks(model: String, variant: String) -> Bool { tracked?.contains("\(model)/\(variant)") ?? true }

    public func evidence(for definition: RolloutDefinition) async -> RolloutEvidence {
        ledger.withLock { $0.evidence(model: definition.model, champion: definition.champion, challenger: definition.challenger) }
    }

    public func update(_ body: (inout RolloutEvidenceLedger) -> Void) {
        ledger.withLock { body(&$0) }
    }

    public var snapshot: RolloutEvidenceLedger { ledger.withLock { $0 } }
}

extension LocalRolloutEvidence {
    /// Counts a prediction as a served request of its variant (latency from `latency_ms`, failed when `status` is
    /// an error word or a 5xx code, expected correctness from the score for estimated accuracy), if the variant
    /// is in a rollout.
    public func record(_ event: PredictionEvent, threshold: Double) {
        let variant = event.variantName
        guard tracks(model: event.model, variant: variant) else { return }
        let expected: Double? = if let p = event.score, p.isFinite {
            p >= threshold ? p : 1 - p
        } else if let probabilities = event.probabilities, let top = probabilities.values.max() {
            top
        } else {
            nil
        }
        if modelsCountingLogs.contains(event.model) {
            if let expected { update { $0.recordExpectedCorrect(model: event.model, variant: variant, expected) } }
            return
        }
        update {
            $0.recordRequest(model: event.model, variant: variant, latencySeconds: event.latencyMillis.map { $0 / 1000 },
                             failed: Self.isFailure(event.status), expectedCorrect: expected)
        }
    }

    /// Counts a request log that names a rolled-out model and variant, for rollouts with `requests: logs`.
    /// Returns whether it was counted; lines of other models, or without `model` and `variant`, are not.
    @discardableResult
    public func recordRequestLog(_ body: UnsafeRawBufferPointer) -> Bool {
        guard !modelsCountingLogs.isEmpty else { return false }
        guard case .success(let request?) = parser.withLock({ $0.parseRequest(body) }),
              modelsCountingLogs.contains(request.model), tracks(model: request.model, variant: request.variant) else { return false }
        update {
            $0.recordRequest(model: request.model, variant: request.variant,
                             latencySeconds: request.latencyMillis.map { $0 / 1000 }, failed: Self.isFailure(request.status))
        }
        return true
    }

    /// Counts joined labels: right or wrong, and the absolute error when both are numbers.
    public func record(_ confusions: [ModelMonitor.Update.ConfusionCount]) {
        let tracked = confusions.filter { tracks(model: $0.model, variant: $0.variant) }
        guard !tracked.isEmpty else { return }
        update { ledger in
            for c in tracked {
                let error: Double? = if let a = Double(c.actual), let p = Double(c.predicted) { abs(a - p) } else { nil }
                ledger.recordLabel(model: c.model, variant: c.variant, correct: c.actual == c.predicted, absoluteError: error)
            }
        }
    }

    /// `error`, `failed`, `failure`, `timeout`, or an HTTP status of 500 or more.
    static func isFailure(_ status: String?) -> Bool {
        guard let status else { return false }
        if let code = Int(status) { return code >= 500 }
        switch status.lowercased() {
        case "error", "failed", "failure", "fail", "timeout": return true
        default: return false
        }
    }
}
