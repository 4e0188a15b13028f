/// One measurement of how far a feature moved between reference and current data.
public struct DriftMeasurement: Sendable, Hashable, Codable {
    public var statistic: Double
    public var pValue: Double?
    /// What `statistic` is when it differs from the method's usual statistic (``FeatureDriftMethod/statisticName``):
    /// `wasserstein` reports the plain distance when the reference has no spread.
    public var statisticName: String?
    /// The Wasserstein-1 distance before normalisation, as SciPy's `wasserstein_distance` (set by `wasserstein`).
    public var wassersteinDistance: Double?

    public init(statistic: Double, pValue: Double? = nil, statisticName: String? = nil, wassersteinDistance: Double? = nil) {
        self.statistic = statistic
        self.pValue = pValue
        self.statisticName = statisticName
        self.wassersteinDistance = wassersteinDistance
    }
}

/// A batch drift test usable by `vigil evaluate` and the model monitor, with its decision rule.
///
/// The statistics come from `VigilCore/Statistics` (KS, PSI, Jensen–Shannon, Wasserstein, chi-square);
/// this type only names a test, says which features it applies to and how its number becomes a decision:
/// p-value tests drift when `pValue < threshold`, distance tests when `statistic ≥ threshold`.
public struct FeatureDriftMethod: Sendable {
    public enum Rule: Sendable, Hashable {
        case pValueBelow(Double)
        case statisticAtLeast(Double)

        public var threshold: Double {
            switch self {
            case .pValueBelow(let t), .statisticAtLeast(let t): t
            }
        }
    }

    /// `ks`, `psi`, `wasserstein`, `js`, `chi2`, …
    public var name: String
    /// What the statistic is, named in reports: `ks_statistic`, `normalized_wasserstein_distance`, …
    public var statisticName: String
    public var rule: Rule
    /// Reference and current values of a numeric feature: missing values removed, both non-empty, both
    /// sorted ascending (the builder sorts once for all methods).
    public var numeric: (@Sendable (_ sortedReference: [Double], _ sortedCurrent: [Double]) -> DriftMeasurement)?
    /// Reference and current counts of a categorical feature over the same categories (same length).
    public var categorical: (@Sendable ([Int], [Int]) -> DriftMeasurement)?

    public init(name: String, rule: Rule, statisticName: String = "statistic",
                numeric: (@Sendable ([Double], [Double]) -> DriftMeasurement)? = nil,
                categorical: (@Sendable ([Int], [Int]) -> DriftMeasurement)? = nil) {
        self.name = name
        self.statisticName = statisticName
        self.rule = rule
        self.numeric = numeric
        self.categorical = categorical
    }

    public func drifted(_ m: DriftMeasurement) -> Bool {
        switch rule {
        case .pValueBelow(let alpha): (m.pValue ?? 1) < alpha
        case .statisticAtLeast(let t): m.statistic >= t
        }
    }
}
