/// Pearson's chi-square test of independence on a contingency table, as SciPy's
/// `scipy.stats.chi2_contingency(observed, correction=True)`: expected counts from the margins,
/// dof = (rows − 1)(columns − 1), Yates' continuity correction (each |observed − expected| reduced by at
/// most 0.5) only when dof = 1, and the p-value from the chi-square survival function.
///
/// For categorical drift Vigil tests the 2 × k table [reference counts; current counts] over the categories
/// seen on either side (categories empty on both sides are dropped), and calls p < 0.05 drift
/// (``DriftThresholds/chiSquareAlpha``).
///
/// ```swift
/// let r = ChiSquare.contingency([[10, 20], [30, 40]])   // statistic ≈ 0.4464, p ≈ 0.504, dof 1
/// ```
///
/// Reference: K. Pearson, "On the criterion that a given system of deviations…", Philosophical Magazine
/// 50(302), 1900; F. Yates, "Contingency tables involving small numbers and the χ² test", JRSS
/// Supplement 1(2), 1934.
public enum ChiSquare {
    public struct Result: Sendable, Hashable {
        public var statistic: Double
        public var pValue: Double
        public var degreesOfFreedom: Int
    }

    /// - Precondition: a rectangular table of non-negative counts with no zero row or column total.
    public static func contingency(_ observed: [[Double]], correction: Bool = true) -> Result {
        let rows = observed.count
        precondition(rows > 0 && observed.allSatisfy { $0.count == observed[0].count }, "a rectangular table")
        let columns = observed[0].count
        var rowSums = [Double](repeating: 0, count: rows)
        var columnSums = [Double](repeating: 0, count: columns)
        var total = 0.0
        for r in 0..<rows {
            for c in 0..<columns {
                rowSums[r] += observed[r][c]
                columnSums[c] += observed[r][c]
            }
        }
        for r in 0..<rows { total += rowSums[r] }
        precondition(!rowSums.contains(0) && !columnSums.contains(0), "an expected frequency would be zero")
        let dof = rows * columns - rows - columns + 1
        if dof == 0 { return Result(statistic: 0, pValue: 1, degreesOfFreedom: 0) }
        var statistic = 0.0
        for r in 0..<rows {
            for c in 0..<columns {
                let expected = rowSums[r] * columnSums[c] / total
                var o = observed[r][c]
                if dof == 1 && correction {
                    let diff = expected - o
                    let magnitude = min(0.5, abs(diff))
                    o += diff > 0 ? magnitude : (diff < 0 ? -magnitude : 0)
                }
                statistic += (o - expected) * (o - expected) / expected
            }
        }
        return Result(statistic: statistic, pValue: survival(statistic, degreesOfFreedom: Double(dof)),
                      degreesOfFreedom: dof)
    }

    /// The 2 × k test of reference against current category counts (categories empty on both sides dropped).
    public static func test(referenceCounts: [Int], currentCounts: [Int], correction: Bool = true) -> Result {
        precondition(referenceCounts.count == currentCounts.count, "the same categories on both sides")
        var top: [Double] = [], bottom: [Double] = []
        for i in referenceCounts.indices where referenceCounts[i] + currentCounts[i] > 0 {
            top.append(Double(referenceCounts[i]))
            bottom.append(Double(currentCounts[i]))
        }
        // One category, or one side empty: no evidence of a difference (SciPy would raise).
        if top.count < 2 || !top.contains(where: { $0 > 0 }) || !bottom.contains(where: { $0 > 0 }) {
            return Result(statistic: 0, pValue: 1, degreesOfFreedom: 0)
        }
        return contingency([top, bottom], correction: correction)
    }

    /// P(χ²_k > x) = Q(k/2, x/2).
    public static func survival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        if x <= 0 { return 1 }
        return IncompleteGamma.upperRegularized(k / 2, x / 2)
    }
}
