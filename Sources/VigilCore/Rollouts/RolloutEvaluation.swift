/// The outcome of one evaluation of a running rollout.
public enum RolloutDecision: String, Sendable, Hashable, Codable, CaseIterable {
    /// Move the challenger to the next traffic step.
    case advance
    /// Give the challenger all traffic: it passed every step (and its primary metric improved, if one is set).
    case promote
    /// Send all traffic back to the champion: a guardrail shows the challenger is worse than its margin allows.
    case rollback
    /// Keep the current step: the data so far decide nothing yet.
    case `continue`
    /// Not enough data, or the evidence is incomplete: never a reason to act.
    case inconclusive
    /// The traffic split does not match the weights (sample-ratio mismatch): the data cannot be trusted, so the
    /// rollout neither advances nor rolls back until a person looks.
    case hold

    /// Whether the decision changes the state when applied.
    public var changesState: Bool { self == .advance || self == .promote || self == .rollback }
}

/// A guardrail's or the primary metric's standing.
public enum MetricVerdict: String, Sendable, Hashable, Codable {
    /// The challenger is shown to be no worse than the margin (guardrail) or better by the minimum effect (primary).
    case pass
    /// The challenger is shown to be worse than the margin allows.
    case fail
    /// Data are being gathered; neither is shown yet.
    case pending
    /// Fewer observations than `min_samples` in a variant, or the metric is not observed at all.
    case noData = "no_data"

    /// The value of `vigil_rollout_guardrail_status`: 1 pass, 0 pending or no data, −1 fail.
    public var gaugeValue: Double {
        switch self {
        case .pass: 1
        case .pending, .noData: 0
        case .fail: -1
        }
    }
}

/// One metric compared between the variants, with everything a person needs to check the verdict.
public struct MetricComparison: Sendable, Hashable, Codable {
    /// `error_rate`, `latency_p99`, `accuracy`, …
    public var metric: String
    public var championCount: Int
    public var challengerCount: Int
    public var championValue: Double?
    public var challengerValue: Double?
    /// challenger − champion.
    public var difference: Double?
    /// Two-sided always-valid interval of the difference at level 1 − alpha (absent where unbounded).
    public var lower: Double?
    public var upper: Double?
    /// Always-valid p-value of "no difference" (one-sided, in the direction that decides).
    public var pValue: Double?
    /// (challenger − champion) / champion, with its interval (fixed-horizon, for reporting).
    public var relativeLift: Double?
    public var relativeLiftLower: Double?
    public var relativeLiftUpper: Double?
    /// Guardrail: tolerated degradation; primary: the improvement required.
    public var threshold: Double
    /// For latency: the bucket bound whose exceedance is compared (seconds).
    public var latencyBound: Double?
    public var verdict: MetricVerdict
    /// One sentence a person can read.
    public var summary: String

    public init(metric: String, championCount: Int, challengerCount: Int, championValue: Double? = nil,
                challengerValue: Double? = nil, difference: Double? = nil, lower: Double? = nil, upper: Double? = nil,
                pValue: Double? = nil, relativeLift: RelativeLift? = nil, threshold: Double, latencyBound: Double? = nil,
                verdict: MetricVerdict, summary: String) {
        self.metric = metric
        self.championCount = championCount
        self.challengerCount = challengerCount
        // Non-finite numbers (an unbounded interval, 0/0) are stored as absent: JSON has no infinity.
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        self.championValue = finite(championValue)
        self.challengerValue = finite(challengerValue)
        self.difference = finite(difference)
        self.lower = finite(lower)
        self.upper = finite(upper)
        self.pValue = finite(pValue)
        self.relativeLift = finite(relativeLift?.estimate)
        self.relativeLiftLower = finite(relativeLift?.lower)
        self.relativeLiftUpper = finite(relativeLift?.upper)
        self.threshold = threshold
        self.latencyBound = latencyBound
        self.verdict = verdict
        self.summary = summary
    }
}

/// The sample-ratio-mismatch check of the current step.
public struct SampleRatioCheck: Sendable, Hashable, Codable {
    public var championRequests: Int
    public var challengerRequests: Int
    public var expectedChallengerShare: Double
    public var statistic: Double
    public var pValue: Double
    public var mismatch: Bool
}

/// One evaluation: the decision, why, and the evidence behind it.
public struct RolloutEvaluation: Sendable, Hashable, Codable {
    public var model: String
    public var decision: RolloutDecision
    /// Why, in one sentence.
    public var reason: String
    public var atMillis: Int64
    /// Index into the definition's steps, and the challenger's weight in percent.
    public var step: Int
    public var weight: Double
    /// Requests per variant since the rollout started, and in the current step.
    public var championRequests: Int
    public var challengerRequests: Int
    public var championStepRequests: Int
    public var challengerStepRequests: Int
    public var stepElapsedMillis: Int64
    public var sampleRatio: SampleRatioCheck?
    public var guardrails: [MetricComparison]
    public var primary: MetricComparison?
    /// The thresholds in force (alpha, SRM alpha, min samples, min step duration).
    public var alpha: Double
    public var srmAlpha: Double
    public var minSamples: Int
    public var minStepDurationMillis: Int64
}
