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
    private let parser: Mutex<MonitorEventParser>
    /// Features named in drift guardrails, per model, and the reference profiles they are compared with.
    private let driftFeatures: [String: [String]]
    private let profiles: [String: ReferenceProfile]
    private let numericWindows = Mutex<[String: [Double]]>([:])
    private let categoryWindows = Mutex<[String: [String]]>([:])

    /// - Parameters:
    ///   - definitions: the rollouts whose variants to count (`nil`: every variant, for tests).
    ///   - profiles: reference profiles by model, for drift guardrails.
    ///   - fields: the pipeline's field names, for request logs (`fields.model`, `fields.variant`).
    public init(_ ledger: RolloutEvidenceLedger = RolloutEvidenceLedger(), definitions: [RolloutDefinition]? = nil,
                profiles: [String: ReferenceProfile] = [:], fields: PipelineConfiguration.Fields = .init()) {
        self.parser = Mutex(MonitorEventParser(modelField: fields.model, variantField: fields.variant))
        self.ledger = Mutex(ledger)
        self.tracked = definitions.map { Set($0.flatMap { ["\($0.model)/\($0.champion)", "\($0.model)/\($0.challenger)"] }) }
        self.modelsCountingLogs = Set((definitions ?? []).filter { $0.requestSource == .logs }.map(\.model))
        var drift: [String: [String]] = [:]
        for d in definitions ?? [] {
            for g in d.guardrails { if case .drift(let feature) = g.metric { drift[d.model, default: []].append(feature) } }
        }
        self.driftFeatures = drift
        self.profiles = profiles
    }

    func tracks(model: String, variant: String) -> Bool { tracked?.contains("\(model)/\(variant)") ?? true }

    public func evidence(for definition: RolloutDefinition) async -> RolloutEvidence {
        var e = ledger.withLock { $0.evidence(model: definition.model, champion: definition.champion, challenger: definition.challenger) }
        for feature in driftFeatures[definition.model] ?? [] {
            if let score = driftScore(model: definition.model, variant: definition.champion, feature: feature) {
                e.champion.drift[feature] = score
            }
            if let score = driftScore(model: definition.model, variant: definition.challenger, feature: feature) {
                e.challenger.drift[feature] = score
            }
        }
        return e
    }

    // MARK: Drift per variant

    /// Values a variant needs in its window before its drift score counts.
    public static let minimumDriftValues = 100
    /// The most recent values kept per variant and feature.
    public static let driftWindow = 1_000

    /// The population stability index of the variant's last ``driftWindow`` values of `feature` against the
    /// model's reference profile (the same bins as `vigil_feature_drift{method="psi"}`); nil until enough values.
    func driftScore(model: String, variant: String, feature: String) -> Double? {
        guard let profile = profiles[model]?.feature(feature) else { return nil }
        let key = "\(model)/\(variant)/\(feature)"
        if let numeric = profile.numeric {
            let values = numericWindows.withLock { $0[key] ?? [] }
            guard values.count >= Self.minimumDriftValues, numeric.binCounts.reduce(0, +) > 0 else { return nil }
            return PopulationStabilityIndex.index(referenceCounts: numeric.binCounts, currentCounts: numeric.binCounts(of: values))
        }
        if let categorical = profile.categorical {
            let values = categoryWindows.withLock { $0[key] ?? [] }
            guard values.count >= Self.minimumDriftValues, categorical.referenceCounts.reduce(0, +) > 0 else { return nil }
            return PopulationStabilityIndex.index(referenceCounts: categorical.referenceCounts,
                                                  currentCounts: categorical.counts(of: values.map { Optional($0) }))
        }
        return nil
    }

    private func observeFeatures(_ event: PredictionEvent, variant: String) {
        guard let features = driftFeatures[event.model] else { return }
        for feature in features {
            let key = "\(event.model)/\(variant)/\(feature)"
            if let x = event.numericFeatures[feature], x.isFinite {
                numericWindows.withLock { Self.append(x, to: &$0[key, default: []]) }
            } else if let v = event.categoricalFeatures[feature] ?? event.numericFeatures[feature].map(ColumnValues.canonicalText) {
                categoryWindows.withLock { Self.append(v, to: &$0[key, default: []]) }
            }
        }
    }

    private static func append<T>(_ value: T, to window: inout [T]) {
        if window.count >= driftWindow { window.removeFirst(window.count - driftWindow + 1) }
        window.append(value)
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
        observeFeatures(event, variant: variant)
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
