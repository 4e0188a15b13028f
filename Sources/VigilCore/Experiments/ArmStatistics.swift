/// Summary of one arm of an experiment (one variant): the number of observations, their mean and their sample
/// variance (n − 1 denominator). Every test in `Experiments` reads only these three numbers, so an arm can be kept
/// as running counters and merged across agents.
///
/// For a proportion (error rate, accuracy) `mean` is p and `variance` is p(1 − p), the Bernoulli variance the
/// two-proportion z-test and GrowthBook's proportion metrics use.
///
/// ```swift
/// let latency = ArmStatistics(values: [120, 135, 128, 140])   // count 4, mean 130.75, variance 75.58…
/// let errors = ArmStatistics.proportion(successes: 12, trials: 1_000)   // mean 0.012, variance 0.011856
/// let both = latency.merged(with: ArmStatistics(values: [150]))          // count 5, as if built from all five
/// ```
///
/// Invariants: `count ≥ 0`; an empty arm has mean 0 and variance 0; an arm of one value has variance 0.
public struct ArmStatistics: Sendable, Hashable {
    public var count: Int
    public var mean: Double
    /// Sample variance, n − 1 denominator (0 when count < 2); p(1 − p) for a proportion.
    public var variance: Double

    public init(count: Int, mean: Double, variance: Double) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }

    /// No observations.
    public static let empty = ArmStatistics(count: 0, mean: 0, variance: 0)

    /// `successes` out of `trials`: mean p = successes / trials, variance p(1 − p). Zero trials give ``empty``.
    public static func proportion(successes: Int, trials: Int) -> ArmStatistics {
        precondition(trials >= 0 && successes >= 0 && successes <= trials, "0 ≤ successes ≤ trials")
        guard trials > 0 else { return .empty }
        let p = Double(successes) / Double(trials)
        return ArmStatistics(count: trials, mean: p, variance: p * (1 - p))
    }

    /// Count, mean and sample variance of `values` in one pass (Welford's algorithm: no cancellation of large sums).
    ///
    /// Reference: B. P. Welford, "Note on a method for calculating corrected sums of squares and products",
    /// Technometrics 4(3), 1962.
    public init<S: Sequence>(values: S) where S.Element == Double {
        var n = 0
        var mean = 0.0
        var m2 = 0.0
        for x in values {
            n += 1
            let delta = x - mean
            mean += delta / Double(n)
            m2 += delta * (x - mean)
        }
        self.init(count: n, mean: mean, variance: n > 1 ? m2 / Double(n - 1) : 0)
    }

    /// Adds one observation (Welford's update).
    public mutating func append(_ x: Double) {
        let m2 = variance * Double(max(count - 1, 0))
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        let newM2 = m2 + delta * (x - mean)
        variance = count > 1 ? newM2 / Double(count - 1) : 0
    }

    /// The summary of both arms' observations together (Chan, Golub and LeVeque's pairwise update), so counters
    /// from several agents or time windows combine exactly. Not meant for proportions built by
    /// ``proportion(successes:trials:)`` (whose variance is p(1 − p)): merge their counts instead.
    ///
    /// Reference: T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a pairwise algorithm for
    /// computing sample variances", Stanford CS report STAN-CS-79-773, 1979.
    public func merged(with other: ArmStatistics) -> ArmStatistics {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let n = Double(count + other.count)
        let delta = other.mean - mean
        let m2 = variance * Double(count - 1) + other.variance * Double(other.count - 1)
            + delta * delta * Double(count) * Double(other.count) / n
        return ArmStatistics(count: count + other.count, mean: mean + delta * Double(other.count) / n,
                             variance: m2 / (n - 1))
    }

    /// Variance of the arm's mean, variance / count (infinite for an empty arm).
    public var varianceOfMean: Double { count > 0 ? variance / Double(count) : .infinity }
}
