/// Sample-ratio mismatch: are the units per variant what the traffic weights promise? A mismatch means the
/// assignment or the logging is broken (a variant crashing before it logs, a bot hitting one arm), and every
/// other statistic of the experiment is then suspect, so a rollout *holds* instead of deciding.
///
/// Pearson's chi-square goodness of fit (SciPy's `scipy.stats.chisquare(counts, expected)`): with N = Σ counts and
/// expected counts E_i = N·w_i / Σw,
///
///     χ² = Σ (O_i − E_i)² / E_i,   p = P(χ²_{k−1} > χ²),
///
/// k the number of variants with a positive weight. Rollouts hold at p < ``holdThreshold`` (0.001), the
/// conventional strict level: the test runs at every look, and a false hold only delays a decision.
///
/// Edge cases: no units at all, or fewer than two weighted variants → (0, 1); a variant with weight 0 is left
/// out when it has no units and is an infinite mismatch (statistic +∞, p 0) when it has some.
///
/// ```swift
/// let srm = SampleRatioMismatch.test(counts: [5_100, 4_900], weights: [0.5, 0.5])
/// // srm.statistic 4.0, srm.pValue ≈ 0.0455: no hold at 0.001
/// ```
///
/// References: K. Pearson, Philosophical Magazine 50(302), 1900; A. Fabijan et al., "Diagnosing sample ratio
/// mismatch in online controlled experiments: a taxonomy and rules of thumb for practitioners", KDD 2019.
public enum SampleRatioMismatch {
    /// The p-value below which a rollout holds.
    public static let holdThreshold = 0.001

    /// Pearson chi-square goodness of fit of observed counts to expected weights (weights need not sum to 1).
    /// - Precondition: as many weights as counts; counts ≥ 0; weights finite and ≥ 0.
    public static func test(counts: [Int], weights: [Double]) -> (statistic: Double, pValue: Double) {
        precondition(counts.count == weights.count, "one weight per count")
        precondition(counts.allSatisfy { $0 >= 0 }, "counts are non-negative")
        precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite }, "weights are finite and non-negative")
        var total = 0.0
        var weightSum = 0.0
        var categories = 0
        for (count, weight) in zip(counts, weights) {
            if weight == 0 {
                if count > 0 { return (.infinity, 0) }
                continue
            }
            total += Double(count)
            weightSum += weight
            categories += 1
        }
        guard total > 0, categories >= 2 else { return (0, 1) }
        var statistic = 0.0
        for (count, weight) in zip(counts, weights) where weight > 0 {
            let expected = total * weight / weightSum
            let deviation = Double(count) - expected
            statistic += deviation * deviation / expected
        }
        return (statistic, ChiSquare.survival(statistic, degreesOfFreedom: Double(categories - 1)))
    }
}
