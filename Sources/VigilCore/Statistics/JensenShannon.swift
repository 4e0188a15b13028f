/// Jensen–Shannon distance between two discrete distributions, as SciPy's
/// `scipy.spatial.distance.jensenshannon(p, q, base)`: both vectors are normalised to sum to 1, then
/// √((KL(p‖m) + KL(q‖m)) / 2) with m = (p + q) / 2. Natural logarithm by default; `base: 2` bounds it by 1.
/// Default threshold: distance ≥ 0.1 is drift (``DriftThresholds/jensenShannon``).
///
/// ```swift
/// JensenShannon.distance([1, 0], [0.5, 0.5])          // ≈ 0.4645
/// JensenShannon.distance([1, 0], [0.5, 0.5], base: 2) // ≈ 0.5579
/// ```
///
/// Reference: J. Lin, "Divergence measures based on the Shannon entropy", IEEE Transactions on
/// Information Theory 37(1), 1991, pp. 145–151.
public enum JensenShannon {
    public static func distance(_ p: [Double], _ q: [Double], base: Double? = nil) -> Double {
        precondition(p.count == q.count, "Jensen–Shannon needs vectors of the same length")
        let ps = p.reduce(0, +), qs = q.reduce(0, +)
        var left = 0.0, right = 0.0
        for i in p.indices {
            let pi = p[i] / ps, qi = q[i] / qs
            let mi = (pi + qi) / 2
            left += relativeEntropy(pi, mi)
            right += relativeEntropy(qi, mi)
        }
        var js = left + right
        if let base { js /= cLog(base) }
        return (js / 2).squareRoot()
    }

    /// Distance between two count vectors over the same categories or bins.
    public static func distance(referenceCounts: [Int], currentCounts: [Int], base: Double? = nil) -> Double {
        distance(referenceCounts.map(Double.init), currentCounts.map(Double.init), base: base)
    }

    /// SciPy's `rel_entr`: x·ln(x/y), 0 when x = 0, +∞ when y = 0 < x.
    @inline(__always) static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x.isNaN || y.isNaN { return .nan }
        if x > 0 && y > 0 { return x * cLog(x / y) }
        if x == 0 && y >= 0 { return 0 }
        return .infinity
    }
}
