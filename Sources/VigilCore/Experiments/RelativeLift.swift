/// The relative lift (treatment − control) / control — the number a release manager quotes ("accuracy +10 %") —
/// with its delta-method confidence interval:
///
///     L̂ = x̄_T / x̄_C − 1,   Var(L̂) ≈ V_T / x̄_C² + x̄_T² V_C / x̄_C⁴,   L̂ ± z_{1−α/2} √Var(L̂),
///
/// where V = s²/n is the variance of an arm's mean (first-order Taylor expansion of the ratio of two independent
/// means; GrowthBook's frequentist relative effect uses the same). Fields are fractions: 0.1 is +10 %.
///
/// `nil` when the control mean is 0 (the lift is undefined) or an arm is empty. With fewer than two
/// observations in an arm, or a zero variance in both, the interval is (−∞, +∞).
///
/// ```swift
/// let lift = RelativeLift.estimate(control: .proportion(successes: 800, trials: 1_000),
///                                  treatment: .proportion(successes: 880, trials: 1_000), alpha: 0.05)
/// // lift?.estimate 0.1, interval ≈ [0.0576, 0.1424]
/// ```
///
/// References: A. Deng, U. Knoblich, J. Lu, "Applying the delta method in metric analytics: a practical guide with
/// novel ideas", KDD 2018; GrowthBook documentation, "Statistical Details" (docs.growthbook.io/statistics/details).
public struct RelativeLift: Sendable, Hashable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double

    public init(estimate: Double, lower: Double, upper: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }

    /// The lift with its two-sided 1 − α interval; nil if the control mean is 0 or an arm is empty.
    public static func estimate(control: ArmStatistics, treatment: ArmStatistics, alpha: Double) -> RelativeLift? {
        precondition(alpha > 0 && alpha < 1, "alpha in (0, 1)")
        guard control.count > 0, treatment.count > 0, control.mean != 0,
              control.mean.isFinite, treatment.mean.isFinite else { return nil }
        let ratio = treatment.mean / control.mean
        let estimate = ratio - 1
        guard control.count >= 2, treatment.count >= 2 else {
            return RelativeLift(estimate: estimate, lower: -.infinity, upper: .infinity)
        }
        let vT = treatment.variance / Double(treatment.count)
        let vC = control.variance / Double(control.count)
        let c2 = control.mean * control.mean
        let variance = vT / c2 + ratio * ratio * vC / c2
        guard variance > 0, variance.isFinite else {
            return RelativeLift(estimate: estimate, lower: -.infinity, upper: .infinity)
        }
        let half = NormalDistribution.quantile(1 - alpha / 2) * variance.squareRoot()
        return RelativeLift(estimate: estimate, lower: estimate - half, upper: estimate + half)
    }
}
