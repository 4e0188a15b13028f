/// The two-sample Kolmogorov–Smirnov test, two-sided, as SciPy's `scipy.stats.ks_2samp(a, b,
/// method="auto")`: the statistic D = sup |F₁ − F₂| and its p-value — exact (lattice-path counting) when
/// both samples have at most 10,000 values, asymptotic (the one-sample two-sided distribution at
/// n = round(n₁n₂/(n₁+n₂))) otherwise, falling back to asymptotic when the exact count overflows.
///
/// Default decision rule in Vigil: drift when `pValue < 0.05` (Evidently's default for numerical
/// features with at most 1,000 objects).
///
/// ```swift
/// let r = KolmogorovSmirnov.twoSample([1, 2, 3, 4], [10, 11, 12])
/// // r.statistic == 1.0, r.pValue ≈ 0.0571
/// ```
///
/// References: J. L. Hodges Jr., "The significance probability of the Smirnov two-sample test",
/// Arkiv för Matematik 3(43), 1958, pp. 469–486; T. Viehmann, "Numerically more stable computation of
/// the p-values for the two-sample Kolmogorov-Smirnov test", arXiv:2102.08037, 2021; R. Simard and
/// P. L'Ecuyer, "Computing the two-sided Kolmogorov-Smirnov distribution", Journal of Statistical
/// Software 39(11), 2011.
public enum KolmogorovSmirnov {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Hashable {
        case exact, asymptotic
    }

    /// The test's outcome.
    public struct Result: Sendable, Hashable {
        /// D, the largest distance between the two empirical distribution functions.
        public var statistic: Double
        /// Probability of a D at least this large when both samples come from one distribution.
        public var pValue: Double
        public var method: Method
    }

    /// Vigil's default significance level for a drift decision.
    public static let defaultAlpha = 0.05

    /// Largest sample size for which `auto` tries the exact distribution (SciPy's `MAX_AUTO_N`).
    public static let maxExactSize = 10_000

    /// Runs the test on two unsorted, non-empty samples. A NaN anywhere gives NaN statistic and p-value
    /// (SciPy's `nan_policy="propagate"`): callers drop missing values first.
    public static func twoSample(_ a: [Double], _ b: [Double]) -> Result {
        precondition(!a.isEmpty && !b.isEmpty, "ks_2samp needs two non-empty samples")
        if a.contains(where: \.isNaN) || b.contains(where: \.isNaN) {
            return Result(statistic: .nan, pValue: .nan, method: max(a.count, b.count) <= maxExactSize ? .exact : .asymptotic)
        }
        var x = a, y = b
        Sorting.sort(&x)
        Sorting.sort(&y)
        return x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in twoSample(sorted: xs, sorted: ys) }
        }
    }

    /// Runs the test on two samples that are already sorted ascending.
    public static func twoSample(sorted a: UnsafeBufferPointer<Double>, sorted b: UnsafeBufferPointer<Double>) -> Result {
        let d = statistic(sorted: a, sorted: b)
        return pValue(statistic: d, n1: a.count, n2: b.count)
    }

    /// D for two sorted samples: one merge walk, evaluating both empirical CDFs at every distinct value
    /// as `count / n` (the same divisions SciPy's `searchsorted(...) / n` performs).
    public static func statistic(sorted a: UnsafeBufferPointer<Double>, sorted b: UnsafeBufferPointer<Double>) -> Double {
        let n1 = a.count, n2 = b.count
        let dn1 = Double(n1), dn2 = Double(n2)
        var i = 0, j = 0
        var maxDiff = -Double.infinity
        var minDiff = Double.infinity
        while i < n1 || j < n2 {
            let v: Double
            if j >= n2 { v = a[i] } else if i >= n1 { v = b[j] } else { v = min(a[i], b[j]) }
            if v.isNaN { return .nan }   // unsorted or NaN input: never loop forever
            while i < n1 && a[i] <= v { i += 1 }
            while j < n2 && b[j] <= v { j += 1 }
            let diff = Double(i) / dn1 - Double(j) / dn2
            if diff > maxDiff { maxDiff = diff }
            if diff < minDiff { minDiff = diff }
        }
        let minS = min(max(-minDiff, 0), 1)
        return minS > maxDiff ? minS : maxDiff
    }

    /// The `auto` p-value for statistic `d` of samples of sizes `n1` and `n2`. In the exact branch the
    /// returned statistic is snapped to the lattice value h / lcm(n1, n2), as SciPy does.
    public static func pValue(statistic d: Double, n1: Int, n2: Int) -> Result {
        var d = d
        if max(n1, n2) <= maxExactSize {
            let exact = exactTwoSided(n1: n1, n2: n2, d: d)
            d = exact.d
            if let p = exact.p {
                return Result(statistic: d, pValue: min(max(p, 0), 1), method: .exact)
            }
        }
        let m = Double(max(n1, n2)), n = Double(min(n1, n2))
        let en = (m * n / (m + n)).rounded(.toNearestOrEven)
        let p = KolmogorovDistribution.survival(n: Int(en), d: d)
        return Result(statistic: d, pValue: min(max(p, 0), 1), method: .asymptotic)
    }

    /// SciPy's `_attempt_exact_2kssamp` (two-sided). `p == nil` means the exact computation failed.
    static func exactTwoSided(n1: Int, n2: Int, d: Double) -> (d: Double, p: Double?) {
        let g = gcd(n1, n2)
        let lcm = (n1 / g) * n2
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        let snapped = Double(h) / Double(lcm)
        if h == 0 { return (snapped, 1.0) }
        let p = n1 == n2 ? probabilityOutsideSquare(n: n1, h: h)
                         : probabilityOutsideInside(m: n1, n: n2, g: g, h: h)
        guard p.isFinite, p >= 0, p <= 1 else { return (snapped, nil) }
        return (snapped, p)
    }

    /// P(D_{n,n} ≥ h/n) by the alternating binomial series, in SciPy's Horner-like form.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = Int(cFloor(Double(n) / Double(h)))
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            p = p1 * (1.0 - p)
            k -= 1
        }
        return 2 * p
    }

    /// 1 − P(paths stay strictly inside |x/m − y/n| < h/lcm), Viehmann's stable recursion (SciPy's
    /// `_compute_outer_prob_inside_method`).
    static func probabilityOutsideInside(m: Int, n: Int, g: Int, h: Int) -> Double {
        var m = m, n = n
        if m < n { swap(&m, &n) }
        let mg = m / g, ng = n / g
        var minj = 0
        var maxj = min(Int(cCeil(Double(h) / Double(mg))), n + 1)
        var curlen = maxj - minj
        let lenA = min(2 * maxj + 2, n + 1)
        var a = [Double](repeating: 1, count: lenA)
        for j in minj..<maxj { a[j] = 0 }
        for i in 1...m {
            let lastminj = minj, lastlen = curlen
            minj = max(Int(cFloor(Double(ng * i - h) / Double(mg))) + 1, 0)
            minj = min(minj, n)
            maxj = min(Int(cCeil(Double(ng * i + h) / Double(mg))), n + 1)
            if maxj <= minj { return 1.0 }
            var val = minj == 0 ? 0.0 : 1.0
            let di = Double(i)
            for jj in 0..<(maxj - minj) {
                let j = jj + minj
                val = (a[jj + minj - lastminj] * di + val * Double(j)) / (di + Double(j))
                a[jj] = val
            }
            curlen = maxj - minj
            if lastlen > curlen {
                // NumPy clips the slice at the end of the array.
                for t in (maxj - minj)..<min(maxj - minj + lastlen - curlen, lenA) { a[t] = 1 }
            }
        }
        return a[maxj - minj - 1]
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
