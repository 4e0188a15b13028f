/// The first Wasserstein (earth mover's) distance between two one-dimensional distributions, as SciPy's
/// `scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)`: ∫ |U(x) − V(x)| dx over the merged,
/// sorted support, with optional non-negative weights.
///
/// For drift, Vigil divides by the reference's standard deviation (population, ddof = 0, as Evidently)
/// — ``normalized(reference:current:)`` — and calls ≥ 0.1 drift (``DriftThresholds/wassersteinNormalized``).
///
/// ```swift
/// Wasserstein.distance([0, 1, 3], [5, 6, 8])  // 5.0
/// ```
///
/// Reference: S. S. Vallender, "Calculation of the Wasserstein distance between probability distributions
/// on the line", Theory of Probability & Its Applications 18(4), 1974.
public enum Wasserstein {
    public static func distance(_ u: [Double], _ v: [Double], uWeights: [Double]? = nil, vWeights: [Double]? = nil) -> Double {
        precondition(!u.isEmpty && !v.isEmpty, "Wasserstein distance needs two non-empty samples")
        let (us, uw) = sortedWithWeights(u, uWeights)
        let (vs, vw) = sortedWithWeights(v, vWeights)
        let uTotal = uw?.last ?? Double(us.count)
        let vTotal = vw?.last ?? Double(vs.count)
        var all = us + vs
        Sorting.sort(&all)
        var i = 0, j = 0
        var total = 0.0
        for k in 0..<(all.count - 1) {
            let x = all[k]
            while i < us.count && us[i] <= x { i += 1 }
            while j < vs.count && vs[j] <= x { j += 1 }
            let uc = (uw.map { $0[i] } ?? Double(i)) / uTotal
            let vc = (vw.map { $0[j] } ?? Double(j)) / vTotal
            total += abs(uc - vc) * (all[k + 1] - x)
        }
        return total
    }

    /// Distance divided by the reference's population standard deviation (the drift score).
    public static func normalized(reference: [Double], current: [Double]) -> Double {
        distance(reference, current) / populationStandardDeviation(reference)
    }

    /// Standard deviation with ddof = 0 (NumPy's default `std`, as Evidently normalises).
    public static func populationStandardDeviation(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        var ss = 0.0
        for x in values { ss += (x - mean) * (x - mean) }
        return (ss / n).squareRoot()
    }

    /// Sorted values and, when weighted, cumulative weights with a leading 0 (index = count of values ≤ x).
    private static func sortedWithWeights(_ values: [Double], _ weights: [Double]?) -> ([Double], [Double]?) {
        guard let weights else {
            var s = values
            Sorting.sort(&s)
            return (s, nil)
        }
        precondition(weights.count == values.count, "one weight per value")
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var cumulative = [0.0]
        cumulative.reserveCapacity(values.count + 1)
        for i in order { cumulative.append(cumulative.last! + weights[i]) }
        return (order.map { values[$0] }, cumulative)
    }
}
