/// Fixed-horizon tests for reports: valid when looked at **once**, at a sample size chosen in advance (use
/// ``SequentialTest`` to decide while data arrive). δ = treatment − control throughout.
///
/// * ``twoProportionZ(control:treatment:alpha:alternative:)`` — statsmodels' `proportions_ztest` (pooled
///   variance under the null): z = (p̂_T − p̂_C) / √( p̄(1 − p̄)(1/n_T + 1/n_C) ), p̄ = (n_T p̂_T + n_C p̂_C)/(n_T + n_C);
///   the interval is the unpooled Wald interval δ̂ ± z_{1−α/2}·√( p̂_T(1 − p̂_T)/n_T + p̂_C(1 − p̂_C)/n_C )
///   (statsmodels' `confint_proportions_2indep(method="wald")`; one-sided with z_{1−α}).
/// * ``welch(control:treatment:alpha:alternative:)`` — SciPy's `ttest_ind(equal_var=False)` and its
///   `confidence_interval()`: t = δ̂/√V, V = s²_T/n_T + s²_C/n_C, Welch–Satterthwaite
///   ν = V² / ( (s²_T/n_T)²/(n_T − 1) + (s²_C/n_C)²/(n_C − 1) ), interval δ̂ ± t_{ν,1−α/2}·√V.
/// * ``requiredSampleSize(control:treatment:alpha:power:alternative:)`` — units per arm a two-proportion
///   z-test needs (statsmodels' `samplesize_proportions_2indep_onetail`).
///
/// An arm with fewer than two observations or a zero standard error gives p = 1 and (−∞, +∞).
///
/// ```swift
/// let r = FixedHorizonTest.twoProportionZ(control: .proportion(successes: 900, trials: 1_000),
///                                         treatment: .proportion(successes: 850, trials: 1_000),
///                                         alpha: 0.05, alternative: .twoSided)
/// // r.difference −0.05, r.pValue ≈ 0.000723, interval ≈ [−0.0789, −0.0211]
/// FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02)   // 2,319 per arm (α 0.05, power 0.8)
/// ```
///
/// References: J. L. Fleiss, B. Levin, M. C. Paik, Statistical Methods for Rates and Proportions, 3rd ed., 2003,
/// §2.5 and §4.2; B. L. Welch, "The generalization of 'Student's' problem when several different population
/// variances are involved", Biometrika 34, 1947; F. E. Satterthwaite, Biometrics Bulletin 2(6), 1946.
public enum FixedHorizonTest {
    public static func twoProportionZ(control: ArmStatistics, treatment: ArmStatistics, alpha: Double,
                                      alternative: Alternative) -> ArmComparison {
        precondition(alpha > 0 && alpha < 1, "alpha in (0, 1)")
        let difference = treatment.mean - control.mean
        guard control.count >= 2, treatment.count >= 2, difference.isFinite else {
            return .noEvidence(difference: difference, alpha: alpha)
        }
        let nT = Double(treatment.count), nC = Double(control.count)
        let pooled = (nT * treatment.mean + nC * control.mean) / (nT + nC)
        let nullSE = (pooled * (1 - pooled) * (1 / nT + 1 / nC)).squareRoot()
        guard nullSE > 0, nullSE.isFinite else { return .noEvidence(difference: difference, alpha: alpha) }
        let z = difference / nullSE
        let waldSE = (treatment.mean * (1 - treatment.mean) / nT + control.mean * (1 - control.mean) / nC).squareRoot()
        return result(difference: difference, statistic: z, standardError: waldSE, alpha: alpha,
                      alternative: alternative, degreesOfFreedom: nil)
    }

    public static func welch(control: ArmStatistics, treatment: ArmStatistics, alpha: Double,
                             alternative: Alternative) -> ArmComparison {
        precondition(alpha > 0 && alpha < 1, "alpha in (0, 1)")
        guard let (difference, v) = SequentialTest.differenceAndVariance(control, treatment) else {
            return .noEvidence(difference: treatment.mean - control.mean, alpha: alpha)
        }
        let nu = welchDegreesOfFreedom(control: control, treatment: treatment)
        let se = v.squareRoot()
        return result(difference: difference, statistic: difference / se, standardError: se, alpha: alpha,
                      alternative: alternative, degreesOfFreedom: nu)
    }

    /// Welch–Satterthwaite degrees of freedom (NaN when both arms have zero variance).
    public static func welchDegreesOfFreedom(control: ArmStatistics, treatment: ArmStatistics) -> Double {
        let vT = treatment.variance / Double(treatment.count)
        let vC = control.variance / Double(control.count)
        return (vT + vC) * (vT + vC) / (vT * vT / Double(treatment.count - 1) + vC * vC / Double(control.count - 1))
    }

    /// Units per arm (not rounded) a two-proportion z-test at level `alpha` needs to detect a change of the
    /// proportion from `control` to `treatment` with probability `power`, equal allocation:
    ///
    ///     n = ( z_{1−α′}·√(2 p̄(1 − p̄)) + z_{power}·√(p_C(1 − p_C) + p_T(1 − p_T)) )² / (p_T − p_C)²
    ///
    /// with p̄ = (p_C + p_T)/2 and α′ = α/2 two-sided (the far tail's tiny contribution to power is ignored, as
    /// in statsmodels' `samplesize_proportions_2indep_onetail` and Fleiss et al. eq. 4.14 without continuity
    /// correction). Infinite when the proportions are equal.
    public static func requiredSampleSizeExact(control: Double, treatment: Double, alpha: Double = 0.05,
                                               power: Double = 0.8, alternative: Alternative = .twoSided) -> Double {
        precondition(control >= 0 && control <= 1 && treatment >= 0 && treatment <= 1, "proportions in [0, 1]")
        precondition(alpha > 0 && alpha < 1 && power > 0 && power < 1, "alpha and power in (0, 1)")
        let diff = treatment - control
        if diff == 0 { return .infinity }
        let a = alternative == .twoSided ? alpha / 2 : alpha
        let mean = (control + treatment) / 2
        let nullSD = (2 * mean * (1 - mean)).squareRoot()
        let alternativeSD = (control * (1 - control) + treatment * (1 - treatment)).squareRoot()
        let root = NormalDistribution.quantile(1 - a) * nullSD + NormalDistribution.quantile(power) * alternativeSD
        return root * root / (diff * diff)
    }

    /// ``requiredSampleSizeExact(control:treatment:alpha:power:alternative:)`` rounded up to whole units per arm
    /// (`Int.max` when the proportions are equal).
    public static func requiredSampleSize(control: Double, treatment: Double, alpha: Double = 0.05,
                                          power: Double = 0.8, alternative: Alternative = .twoSided) -> Int {
        let n = requiredSampleSizeExact(control: control, treatment: treatment, alpha: alpha, power: power,
                                        alternative: alternative)
        return n.isFinite && n < 9e18 ? Int(n.rounded(.up)) : Int.max
    }

    /// Units per arm a Welch/z test of two means needs to detect `difference` with per-unit variances
    /// `controlVariance` and `treatmentVariance`: n = (z_{1−α′} + z_{power})² (σ²_C + σ²_T) / δ² (normal approximation).
    public static func requiredSampleSizeExact(difference: Double, controlVariance: Double, treatmentVariance: Double,
                                               alpha: Double = 0.05, power: Double = 0.8,
                                               alternative: Alternative = .twoSided) -> Double {
        precondition(controlVariance >= 0 && treatmentVariance >= 0, "non-negative variances")
        precondition(alpha > 0 && alpha < 1 && power > 0 && power < 1, "alpha and power in (0, 1)")
        if difference == 0 { return .infinity }
        let a = alternative == .twoSided ? alpha / 2 : alpha
        let z = NormalDistribution.quantile(1 - a) + NormalDistribution.quantile(power)
        return z * z * (controlVariance + treatmentVariance) / (difference * difference)
    }

    /// p-value from the statistic (normal, or t with `degreesOfFreedom`) and the interval from `standardError`.
    private static func result(difference: Double, statistic: Double, standardError: Double, alpha: Double,
                               alternative: Alternative, degreesOfFreedom nu: Double?) -> ArmComparison {
        func survival(_ x: Double) -> Double {
            if let nu { return StudentT.survival(x, degreesOfFreedom: nu) }
            return NormalDistribution.survival(x)
        }
        func quantile(_ p: Double) -> Double {
            if let nu { return StudentT.quantile(p, degreesOfFreedom: nu) }
            return NormalDistribution.quantile(p)
        }
        let pValue: Double
        let critical: Double
        switch alternative {
        case .twoSided:
            pValue = min(1, 2 * survival(abs(statistic)))
            critical = quantile(1 - alpha / 2)
        case .greater:
            pValue = survival(statistic)
            critical = quantile(1 - alpha)
        case .less:
            pValue = survival(-statistic)
            critical = quantile(1 - alpha)
        }
        return .interval(difference: difference, halfWidth: critical * standardError, pValue: pValue, alpha: alpha,
                         alternative: alternative)
    }
}
