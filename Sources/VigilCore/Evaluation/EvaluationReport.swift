/// The result of `vigil evaluate`: drift per feature, quality of both data sets, estimated quality, slices and
/// findings. Encoded as the stable JSON documented in docs/evaluate.md (``EvaluationReportRenderer/json(_:)``).
public struct EvaluationReport: Sendable, Hashable, Codable {
    /// Bumped when the JSON changes incompatibly; fields may be added without a bump.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var task: ModelTask?
    public var roles: DatasetRoles
    public var reference: DatasetSummary
    public var current: DatasetSummary
    public var drift: DriftSummary
    public var features: [FeatureReport]
    /// Realised quality (rows with labels).
    public var quality: QualityComparison
    /// Quality estimated from scores without labels (CBPE), binary classifiers with a score column.
    public var estimatedQuality: QualityComparison?
    /// Quality per segment value of the current data, with disparities.
    public var slices: FairnessReport?
    public var tolerance: Double
    public var findings: [EvaluationFinding]
}

/// Row and column counts of one input.
public struct DatasetSummary: Sendable, Hashable, Codable {
    public var rows: Int
    public var columns: Int
}

/// How many features drifted.
public struct DriftSummary: Sendable, Hashable, Codable {
    public var features: Int
    public var drifted: Int
    public var share: Double
    public var driftedFeatures: [String]
}

/// Quality figures of the reference and current data (metric name → value).
public struct QualityComparison: Sendable, Hashable, Codable {
    public var reference: QualitySection?
    public var current: QualitySection?
}

/// One data set's quality: the labelled row count and the named figures.
public struct QualitySection: Sendable, Hashable, Codable {
    public var rows: Int
    public var metrics: [String: Double]
    /// Per class precision/recall/F1/support (classification).
    public var perClass: [String: ClassScores]?

    public init(rows: Int, metrics: [String: Double], perClass: [String: ClassScores]? = nil) {
        self.rows = rows
        self.metrics = metrics
        self.perClass = perClass
    }

    public init(_ quality: ModelQuality) {
        rows = quality.count
        metrics = QualitySection.finite(quality.namedValues)
        perClass = quality.classification?.perClass
    }

    public init(_ estimate: ConfidenceBasedPerformanceEstimation) {
        rows = estimate.count
        metrics = QualitySection.finite(estimate.namedValues)
    }

    static func finite(_ values: [(name: String, value: Double)]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (name, value) in values where value.isFinite { out[name] = value }
        return out
    }
}

/// One feature: summaries of both sides, the drift tests, and a shared histogram for charts.
public struct FeatureReport: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case numeric, categorical }

    public var name: String
    public var kind: Kind
    public var reference: FeatureSummary
    public var current: FeatureSummary
    /// The method whose decision counts for the feature (see ``EvaluationReportBuilder``).
    public var decisiveMethod: String?
    public var drifted: Bool
    public var tests: [DriftTestResult]
    public var histogram: FeatureHistogram
}

/// Summary statistics of one side of a feature.
public struct FeatureSummary: Sendable, Hashable, Codable {
    public var count: Int
    public var missingRate: Double
    public var mean: Double?
    public var std: Double?
    public var min: Double?
    public var max: Double?
    /// Distinct values (categorical).
    public var distinct: Int?
    /// The most frequent value (categorical).
    public var top: String?
}

/// The outcome of one drift test on one feature.
public struct DriftTestResult: Sendable, Hashable, Codable {
    public var method: String
    public var statistic: Double
    /// What `statistic` is: `ks_statistic`, `chi2_statistic`, `population_stability_index`,
    /// `normalized_wasserstein_distance` (Wasserstein-1 / the reference's population standard deviation; the
    /// plain `wasserstein_distance` when that is 0), `jensen_shannon_distance`.
    public var statisticName: String
    /// `wasserstein` only: the raw Wasserstein-1 distance, as SciPy's `scipy.stats.wasserstein_distance`.
    public var wassersteinDistance: Double?
    public var pValue: Double?
    public var threshold: Double
    /// `p_value_below` or `statistic_at_least`.
    public var rule: String
    public var drifted: Bool
}

/// Counts of both sides over the same bins (numeric: `edges`, equal width over the combined range) or
/// categories (categorical: `categories`, the most frequent first, the rest in `other`).
public struct FeatureHistogram: Sendable, Hashable, Codable {
    public var edges: [Double]?
    public var categories: [String]?
    public var reference: [Int]
    public var current: [Int]
}
