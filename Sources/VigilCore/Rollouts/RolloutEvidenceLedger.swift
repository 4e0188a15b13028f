/// Where a rollout's evidence comes from: the agent's own counters (``RolloutEvidenceLedger``) or, for a fleet,
/// Prometheus queries summed over every agent. Either way the numbers are cumulative.
public protocol RolloutEvidenceSource: Sendable {
    /// Cumulative evidence for the definition's champion and challenger; a source that cannot give complete,
    /// current numbers says so in ``RolloutEvidence/problem``.
    func evidence(for definition: RolloutDefinition) async -> RolloutEvidence

    /// The queries behind the latest evidence of `model` and what they returned (`vigil rollout status --explain`);
    /// nil for sources without queries (the agent's own counters).
    func explanation(for model: String) -> [RolloutQueryExplanation]?

    /// Told, before each evaluation, the baseline the rollout's state compares with, so a source whose counts run
    /// from an anchor (``RolloutEvidence/anchorMillis``) can continue from the same anchor after a restart or
    /// another controller's decision, instead of restarting the comparison.
    func continueFrom(_ baseline: RolloutEvidence?, model: String)
}

extension RolloutEvidenceSource {
    public func explanation(for model: String) -> [RolloutQueryExplanation]? { nil }
    public func continueFrom(_ baseline: RolloutEvidence?, model: String) {}
}

/// One evidence query as it last ran: its PromQL, the metrics that use it, and its answer per variant (latency
/// buckets as `variant le=bound`) or its error.
public struct RolloutQueryExplanation: Sendable, Hashable, Codable {
    public var field: String
    public var promql: String
    public var usedBy: [String]
    public var values: [String: Double]
    public var error: String?
    public var atMillis: Int64

    public init(field: String, promql: String, usedBy: [String], values: [String: Double], error: String?, atMillis: Int64) {
        self.field = field; self.promql = promql; self.usedBy = usedBy; self.values = values; self.error = error; self.atMillis = atMillis
    }
}

/// The agent's own cumulative counters per model and variant, fed by prediction and label events.
///
/// A value (persisted with the rollout state so a restart does not reset the counters the rollout compares):
///
/// ```swift
/// var ledger = RolloutEvidenceLedger()
/// ledger.recordRequest(model: "fraud", variant: "v4", latencySeconds: 0.042, failed: false, expectedCorrect: 0.93)
/// ledger.recordLabel(model: "fraud", variant: "v4", correct: true)
/// ledger.evidence(model: "fraud", champion: "v3", challenger: "v4").challenger.requests   // 1
/// ```
public struct RolloutEvidenceLedger: Sendable, Hashable, Codable {
    private var variants: [String: [String: VariantEvidence]] = [:]
    /// Bucket bounds of the latency histograms.
    public var latencyBounds: [Double]

    public init(latencyBounds: [Double] = LatencyHistogram.defaultBounds) {
        self.latencyBounds = latencyBounds
    }

    private func empty() -> VariantEvidence { VariantEvidence(latency: LatencyHistogram(upperBounds: latencyBounds)) }

    /// One served request (a prediction event, or a request log attributed to the model and variant).
    public mutating func recordRequest(model: String, variant: String, latencySeconds: Double?, failed: Bool,
                                       expectedCorrect: Double? = nil) {
        var v = variants[model]?[variant] ?? empty()
        v.requests += 1
        if failed { v.errors += 1 }
        if let latencySeconds, latencySeconds.isFinite, latencySeconds >= 0 { v.latency.observe(latencySeconds) }
        if let expectedCorrect, expectedCorrect.isFinite { v.expectedCorrect.add(expectedCorrect) }
        variants[model, default: [:]][variant] = v
    }

    /// A prediction's expected correctness (CBPE) alone, when requests are counted from request logs.
    public mutating func recordExpectedCorrect(model: String, variant: String, _ expectedCorrect: Double) {
        guard expectedCorrect.isFinite else { return }
        var v = variants[model]?[variant] ?? empty()
        v.expectedCorrect.add(expectedCorrect)
        variants[model, default: [:]][variant] = v
    }

    /// One label joined to its prediction: `correct` for classification, `absoluteError` for regression.
    public mutating func recordLabel(model: String, variant: String, correct: Bool? = nil, absoluteError: Double? = nil) {
        var v = variants[model]?[variant] ?? empty()
        if let correct { v.correct.add(correct ? 1 : 0) }
        if let absoluteError, absoluteError.isFinite { v.absoluteError.add(absoluteError) }
        variants[model, default: [:]][variant] = v
    }

    /// The latest drift score of a feature for a variant.
    public mutating func setDrift(model: String, variant: String, feature: String, score: Double) {
        var v = variants[model]?[variant] ?? empty()
        v.drift[feature] = score
        variants[model, default: [:]][variant] = v
    }

    public func evidence(model: String, champion: String, challenger: String) -> RolloutEvidence {
        RolloutEvidence(champion: variants[model]?[champion] ?? empty(), challenger: variants[model]?[challenger] ?? empty())
    }
}
