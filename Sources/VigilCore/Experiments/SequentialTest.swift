#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The mixture sequential probability ratio test (mSPRT) on the difference of two means, δ = μ_T − μ_C: an
/// always-valid p-value and a confidence sequence that stay valid however often one looks, so a rollout can be
/// evaluated after every request and stopped at the first rejection.
///
/// With δ̂ = x̄_T − x̄_C, V = s²_T/n_T + s²_C/n_C (the variance of δ̂) and a normal mixing distribution N(0, τ²)
/// on δ, the mixture likelihood ratio against δ = 0 is (Johari et al. 2017, eq. (11); Robbins 1970)
///
///     Λ = √(V / (V + τ²)) · exp( τ² δ̂² / (2 V (V + τ²)) ).
///
/// Writing r = τ²/V and A = r δ̂² / (2 V (1 + r)), so that Λ = exp(A)/√(1 + r):
///
/// * two-sided: p = min(1, 1/Λ) = min(1, √(1 + r)·e^(−A)); the confidence sequence is
///   δ̂ ± √( V (1 + r)/r · (ln(1 + r) − 2 ln α) ) — the set of δ₀ the test at level α does not reject
///   (Johari et al. 2022, §4; identical to GrowthBook's two-sided sequential interval).
/// * one-sided (`greater`; `less` is the mirror image): Howard et al.'s one-sided normal-mixture boundary
///   (2021, eq. (14), the mixture over a half-normal), as GrowthBook uses for one-sided sequential tests:
///   lower bound δ̂ − √( 2V (1 + r)/r · ln(1 + √(1 + r)/(2α)) ), upper bound +∞; inverting that bound in α gives
///   the always-valid p-value p = min(1, √(1 + r) / (2(e^A − 1))) when δ̂ > 0, and 1 when δ̂ ≤ 0. This is a
///   boundary of its own for the one-sided hypothesis — not the two-sided test run at 2α (which
///   only bounds the one-sided error by 2α).
///
/// **Mixing variance.** With `mixingVariance` nil, τ² follows GrowthBook's published default: τ² = ρ²·N·V with
/// N = n_T + n_C the units in both arms and ρ² = (−2 ln α′ + ln(1 − 2 ln α′)) / N* (α′ = α two-sided, 2α
/// one-sided), N* = ``defaultTuningSampleSize`` = 5,000. So r = ρ²N: the sequence is narrowest near N* units,
/// and very conservative for the first few hundred (which guards the normal approximation where it is weakest).
/// Because V is estimated, this is an asymptotic confidence sequence (Waudby-Smith et al. 2023); the A/A
/// simulation in the tests measures its error rate. An explicit τ² is in the units of δ squared.
///
/// **Running values.** `compare` gives the values at one look. The always-valid p-value of the whole history is
/// the running minimum and the confidence sequence the running intersection (Johari et al. 2022, Prop. 4):
/// ``accumulate(_:_:)`` keeps them. A caller that stops at the first rejection needs only the current look.
///
/// **No evidence.** An arm with fewer than two observations, V = 0 (e.g. no errors in either arm yet) or
/// non-finite inputs give p = 1 and the interval (−∞, +∞).
///
/// ```swift
/// let control = ArmStatistics.proportion(successes: 98, trials: 10_000)     // 0.98 % errors
/// let challenger = ArmStatistics.proportion(successes: 231, trials: 10_000) // 2.31 % errors
/// let r = SequentialTest.compare(control: control, treatment: challenger, alpha: 0.05, alternative: .greater)
/// // r.difference 0.0133, r.lower ≈ 0.00815, r.upper +∞, r.pValue ≈ 9.1e-12, r.rejectsNull true
/// ```
///
/// References: R. Johari, L. Pekelis, D. Walsh, "Peeking at A/B tests: why it matters, and what to do about it",
/// KDD 2017; R. Johari, P. Koomen, L. Pekelis, D. Walsh, "Always valid inference: continuous monitoring of A/B
/// tests", Operations Research 70(3), 2022; H. Robbins, "Statistical methods related to the law of the iterated
/// logarithm", Ann. Math. Statist. 41(5), 1970; S. R. Howard, A. Ramdas, J. McAuliffe, J. Sekhon, "Time-uniform,
/// nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2), 2021; I. Waudby-Smith et al.,
/// "Time-uniform central limit theory and asymptotic confidence sequences", Ann. Statist. 2024 (arXiv 2103.06476);
/// GrowthBook documentation, "Sequential Testing" (docs.growthbook.io/statistics/sequential).
public enum SequentialTest {
    /// GrowthBook's default tuning parameter N*: the total sample size at which the default mixing variance
    /// makes the confidence sequence narrowest.
    public static let defaultTuningSampleSize = 5_000.0

    /// The mSPRT at one look. `mixingVariance` is τ² (units of the difference squared); nil picks the default
    /// described above with N* = ``defaultTuningSampleSize``.
    public static func compare(control: ArmStatistics, treatment: ArmStatistics, alpha: Double,
                               alternative: Alternative, mixingVariance: Double? = nil) -> ArmComparison {
        compare(control: control, treatment: treatment, alpha: alpha, alternative: alternative, nullDifference: 0,
                mixingVariance: mixingVariance)
    }

    /// The mSPRT at one look with GrowthBook's default mixing variance tuned for `tuningSampleSize` total units
    /// (choose about the sample size at which a decision is expected).
    public static func compare(control: ArmStatistics, treatment: ArmStatistics, alpha: Double,
                               alternative: Alternative, tuningSampleSize: Double) -> ArmComparison {
        compare(control: control, treatment: treatment, alpha: alpha, alternative: alternative, nullDifference: 0,
                tuningSampleSize: tuningSampleSize)
    }

    /// The mSPRT of δ against a margin: the null is δ = δ₀ (two-sided), δ ≤ δ₀ (`greater`) or δ ≥ δ₀ (`less`),
    /// the mixture centred on δ₀ (Λ computed from δ̂ − δ₀). Guardrails with a non-inferiority margin use it: "the
    /// challenger's error rate is more than 0.5 points above the champion's" is `greater` with δ₀ = 0.005. The
    /// interval is the same confidence sequence as ``compare(control:treatment:alpha:alternative:mixingVariance:)``
    /// gives, and the test rejects exactly when δ₀ lies outside it. `mixingVariance` nil: the default τ² with
    /// N* = `tuningSampleSize`.
    public static func compare(control: ArmStatistics, treatment: ArmStatistics, alpha: Double,
                               alternative: Alternative, nullDifference: Double, mixingVariance: Double? = nil,
                               tuningSampleSize: Double = defaultTuningSampleSize) -> ArmComparison {
        precondition(alpha > 0 && alpha < 1, "alpha in (0, 1)")
        precondition(nullDifference.isFinite, "a finite null difference")
        precondition(tuningSampleSize > 0 && tuningSampleSize.isFinite, "a positive tuning sample size")
        guard let (difference, v) = differenceAndVariance(control, treatment) else {
            return .noEvidence(difference: treatment.mean - control.mean, alpha: alpha)
        }
        let ratio: Double
        if let tau2 = mixingVariance {
            precondition(tau2 > 0 && tau2.isFinite, "the mixing variance is positive and finite")
            ratio = tau2 / v
        } else {
            ratio = defaultRatio(units: control.count + treatment.count, alpha: alpha, alternative: alternative,
                                 tuningSampleSize: tuningSampleSize)
        }
        return evaluate(difference: difference, variance: v, ratio: ratio, alpha: alpha, alternative: alternative,
                        nullDifference: nullDifference)
    }

    /// ρ² of GrowthBook's default, (−2 ln α′ + ln(1 − 2 ln α′)) / N*, with α′ = α (two-sided) or 2α (one-sided).
    public static func defaultRhoSquared(alpha: Double, alternative: Alternative,
                                         tuningSampleSize: Double = defaultTuningSampleSize) -> Double {
        // min(…, 0.5) keeps ρ² positive for a one-sided α ≥ 0.25, where 2α would make it zero or negative.
        let a = alternative == .twoSided ? alpha : min(2 * alpha, 0.5)
        return (-2 * log(a) + log(1 - 2 * log(a))) / tuningSampleSize
    }

    /// The history so far: the running minimum of the p-values and the running intersection of the intervals
    /// (both remain valid at level α; Johari et al. 2022). `difference` is the current one. Should the
    /// intersection be empty (possible only when the variances were badly estimated early on), the current
    /// interval is kept.
    public static func accumulate(_ previous: ArmComparison?, _ current: ArmComparison) -> ArmComparison {
        guard let previous else { return current }
        var result = current
        result.pValue = min(previous.pValue, current.pValue)
        let lower = max(previous.lower, current.lower)
        let upper = min(previous.upper, current.upper)
        if lower <= upper {
            result.lower = lower
            result.upper = upper
        }
        return result
    }

    // MARK: - The formulas

    /// δ̂ and V, or nil when there is no evidence (an arm below two observations, V not positive and finite).
    static func differenceAndVariance(_ control: ArmStatistics, _ treatment: ArmStatistics) -> (Double, Double)? {
        guard control.count >= 2, treatment.count >= 2 else { return nil }
        let difference = treatment.mean - control.mean
        let v = treatment.variance / Double(treatment.count) + control.variance / Double(control.count)
        guard difference.isFinite, v > 0, v.isFinite else { return nil }
        return (difference, v)
    }

    static func defaultRatio(units: Int, alpha: Double, alternative: Alternative, tuningSampleSize: Double) -> Double {
        defaultRhoSquared(alpha: alpha, alternative: alternative, tuningSampleSize: tuningSampleSize) * Double(units)
    }

    /// p-value and interval from δ̂, V and r = τ²/V, testing against δ₀ = `nullDifference`.
    static func evaluate(difference: Double, variance v: Double, ratio r: Double, alpha: Double,
                         alternative: Alternative, nullDifference: Double = 0) -> ArmComparison {
        guard r > 0, r.isFinite else { return .noEvidence(difference: difference, alpha: alpha) }
        let shifted = difference - nullDifference
        let exponent = r * shifted * shifted / (2 * v * (1 + r))   // A = ln Λ + ½ ln(1 + r)
        let pValue: Double
        let halfWidth: Double
        switch alternative {
        case .twoSided:
            pValue = min(1, exp(0.5 * log1p(r) - exponent))
            halfWidth = (v * (1 + r) / r * (log1p(r) - 2 * log(alpha))).squareRoot()
        case .greater, .less:
            let inDirection = alternative == .greater ? shifted > 0 : shifted < 0
            // √(1 + r) / (2(e^A − 1)); expm1 overflowing to +∞ gives 0, the right limit.
            pValue = inDirection ? min(1, (1 + r).squareRoot() / (2 * expm1(exponent))) : 1
            halfWidth = (2 * v * (1 + r) / r * log1p((1 + r).squareRoot() / (2 * alpha))).squareRoot()
        }
        return .interval(difference: difference, halfWidth: halfWidth, pValue: pValue, alpha: alpha,
                         alternative: alternative)
    }
}
