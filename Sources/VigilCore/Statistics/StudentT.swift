#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Student's t distribution with ν > 0 degrees of freedom (ν need not be an integer: Welch's test gives
/// fractional ν): survival function and quantile, as SciPy's `t.sf` and `t.ppf`.
///
/// P(T > t) = ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, with I the regularised incomplete beta function
/// (``IncompleteBeta``); the quantile solves that equation by safeguarded Newton steps. Above ν = 10⁸ the
/// normal distribution is used (the difference is below 1e-8 relative there).
///
/// ```swift
/// StudentT.survival(2.0, degreesOfFreedom: 10)     // 0.03669401738537018
/// StudentT.quantile(0.975, degreesOfFreedom: 10)    // 2.228138851986274
/// ```
///
/// Reference: M. Abramowitz, I. A. Stegun, Handbook of Mathematical Functions, 26.7.1 and 26.5.27.
public enum StudentT {
    /// P(T > t).
    public static func survival(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard !t.isNaN, nu > 0 else { return .nan }
        if nu > 1e8 { return NormalDistribution.survival(t) }
        if t == 0 { return 0.5 }
        if t.isInfinite { return t > 0 ? 0 : 1 }
        let t2 = t * t
        // x = ν/(ν+t²) and 1 − x = t²/(ν+t²) are both formed directly, so neither tail cancels.
        let tail = 0.5 * IncompleteBeta.regularized(a: nu / 2, b: 0.5, x: nu / (nu + t2), oneMinusX: t2 / (nu + t2))
        return t > 0 ? tail : 1 - tail
    }

    /// P(T ≤ t).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        survival(-t, degreesOfFreedom: nu)
    }

    /// The density at t.
    public static func density(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        exp(lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi) - (nu + 1) / 2 * log1p(t * t / nu))
    }

    /// The t with P(T ≤ t) = p.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        guard p >= 0, p <= 1, nu > 0 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if nu > 1e8 { return NormalDistribution.quantile(p) }
        // Solve P(T > t) = q for t > 0 with q the smaller tail, then restore the sign.
        let q = p < 0.5 ? p : 1 - p
        var lo = 0.0
        var hi = max(1.0, NormalDistribution.quantile(1 - q))
        while survival(hi, degreesOfFreedom: nu) > q {
            lo = hi
            hi *= 2
            if hi.isInfinite { return p < 0.5 ? -.infinity : .infinity }
        }
        var t = max(NormalDistribution.quantile(1 - q), (lo + hi) / 2)
        if t <= lo || t >= hi { t = (lo + hi) / 2 }
        for _ in 0..<200 {
            let f = survival(t, degreesOfFreedom: nu) - q
            if f == 0 { break }
            if f > 0 { lo = t } else { hi = t }
            var next = t + f / density(t, degreesOfFreedom: nu)
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - t) <= 1e-15 * abs(t) { t = next; break }
            t = next
        }
        return p < 0.5 ? -t : t
    }
}

/// The regularised incomplete beta function I_x(a, b) (SciPy's `betainc`), by the continued fraction of
/// Numerical Recipes (§6.4, evaluated with Lentz's method) on whichever of I_x(a, b) and 1 − I_{1−x}(b, a)
/// converges fast.
///
/// Reference: W. H. Press et al., Numerical Recipes, 3rd ed., §6.4; Abramowitz and Stegun 26.5.8.
public enum IncompleteBeta {
    /// I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1; `oneMinusX` lets a caller pass 1 − x without cancellation.
    public static func regularized(a: Double, b: Double, x: Double, oneMinusX: Double? = nil) -> Double {
        let y = oneMinusX ?? (1 - x)
        guard a > 0, b > 0, x >= 0, y >= 0, !x.isNaN, !y.isNaN else { return .nan }
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: y) / b
    }

    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        while m < 1_000_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            m += 1
        }
        return h
    }
}
