/// The exact distribution of the two-sided one-sample Kolmogorov–Smirnov statistic Dₙ (SciPy's
/// `scipy.stats.kstwo`), used for the asymptotic branch of the two-sample test, and the one-sided
/// Smirnov distribution Dₙ⁺ (`scipy.special.smirnov`).
///
/// The algorithm choice follows Simard and L'Ecuyer as SciPy implements it: Ruben–Gambino closed forms
/// at the ends, the Durbin matrix (Marsaglia–Tsang–Wang) or Pomeranz recursion for small n·d², the
/// Pelz–Good expansion for large n, and 2·Smirnov for the upper tail.
///
/// References: R. Simard and P. L'Ecuyer, "Computing the two-sided Kolmogorov-Smirnov distribution",
/// Journal of Statistical Software 39(11), 2011; G. Marsaglia, W. W. Tsang and J. Wang, "Evaluating
/// Kolmogorov's distribution", Journal of Statistical Software 8(18), 2003; J. Pomeranz, "Exact cumulative
/// distribution of the Kolmogorov-Smirnov statistic for small samples", CACM 17(12), 1974; W. Pelz and
/// I. J. Good, "Approximating the lower tail-areas of the Kolmogorov-Smirnov one-sample statistic",
/// JRSS B 38(2), 1976; Z. W. Birnbaum and F. H. Tingey, "One-sided confidence contours for probability
/// distribution functions", Annals of Mathematical Statistics 22(4), 1951.
public enum KolmogorovDistribution {
    private static let e128 = 128
    private static let ep128 = cLdexp(1, 128)
    private static let em128 = cLdexp(1, -128)
    private static let sqrt2pi = (2 * Double.pi).squareRoot()
    private static let log2pi = cLog(2 * Double.pi)
    private static let piSquared = Double.pi * Double.pi
    private static let piFour = cPow(Double.pi, 4)
    private static let piSix = cPow(Double.pi, 6)

    /// P(Dₙ > d) (`kstwo.sf(d, n)`).
    public static func survival(n: Int, d x: Double) -> Double {
        guard n >= 1, !x.isNaN else { return .nan }
        if x <= 0.5 / Double(n) { return 1 }
        if x >= 1 { return 0 }
        let dn = Double(n)
        let t = dn * x
        if t <= 1 {
            let prob: Double
            if n <= 140 {
                prob = (1...n).reduce(1.0) { $0 * (Double($1) * (1.0 / dn) * (2 * t - 1)) }
            } else {
                prob = cExp(logFactorialOverPower(n) + dn * cLog(2 * t - 1))
            }
            return clip(1 - clip(prob))
        }
        if t >= dn - 1 { return clip(2 * cPow(1 - x, dn)) }
        if x >= 0.5 { return clip(2 * smirnov(n: n, d: x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinMatrix(n: n, d: x)) }
            if nxSquared <= 4 { return clip(1 - pomeranz(n: n, d: x)) }
            return clip(2 * smirnov(n: n, d: x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnov(n: n, d: x)) }
        let cdf: Double
        if n <= 100_000 && dn * cPow(x, 1.5) <= 1.4 {
            cdf = durbinMatrix(n: n, d: x)
        } else {
            cdf = pelzGood(n: n, d: x)
        }
        return clip(1 - clip(cdf))
    }

    @inline(__always) private static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    /// log(n! / nⁿ) by Stirling's series.
    private static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients: [Double] = [-2.955065359477124183e-2, 6.4102564102564102564e-3,
                                      -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                                      -5.952380952380952381e-4, 7.9365079365079365079e-4,
                                      -2.7777777777777777778e-3, 8.3333333333333333333e-2]
        let dn = Double(n)
        let rn = 1.0 / dn
        var poly = 0.0
        for c in coefficients { poly = poly * (rn / dn) + c }
        return cLog(dn) / 2 - dn + log2pi / 2 + rn * poly
    }

    /// P(Dₙ ≤ d) by the Durbin matrix, H^n with separate power-of-two scaling.
    static func durbinMatrix(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(cCeil(nd))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var fac = 1.0
        for j in 1...m {
            v[j - 1] = 1.0 - cPow(h, Double(j))
            w[j - 1] = fac
            fac /= Double(j)
            v[j - 1] *= fac
        }
        let tt = cPow(max(2 * h - 1.0, 0), Double(m)) - 2 * cPow(h, Double(m))
        v[m - 1] = (1.0 + tt) * fac
        var hm = [Double](repeating: 0, count: m * m)
        for i in 1..<max(m, 1) {
            for r in (i - 1)..<m { hm[r * m + i] = w[r - (i - 1)] }
        }
        for r in 0..<m { hm[r * m] = v[r] }
        for c in 0..<m { hm[(m - 1) * m + c] = v[m - 1 - c] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var nn = n
        var exponent = 0
        var hExponent = 0
        while nn > 0 {
            if nn % 2 == 1 {
                power = multiply(power, hm, m)
                exponent += hExponent
            }
            hm = multiply(hm, hm, m)
            hExponent *= 2
            if abs(hm[(k - 1) * m + (k - 1)]) > ep128 {
                for i in 0..<(m * m) { hm[i] /= ep128 }
                hExponent += e128
            }
            nn /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        let dn = Double(n)
        for i in 1...n {
            p = Double(i) * p / dn
            if abs(p) < em128 {
                p *= ep128
                exponent -= e128
            }
        }
        if exponent != 0 { p = cLdexp(p, exponent) }
        return clip(p)
    }

    private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for k in 0..<m {
                let aik = a[i * m + k]
                if aik == 0 { continue }
                for j in 0..<m { c[i * m + j] += aik * b[k * m + j] }
            }
        }
        return c
    }

    private static func pomeranzBounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilf: Int, _ roundf: Int) -> (Int, Int) {
        var j1: Int, j2: Int
        if i == 0 {
            j1 = -ll - ceilf - 1
            j2 = ll + ceilf - 1
        } else {
            let half = (i + 1) / 2, odd = (i + 1) % 2
            if odd == 0 {
                if half == n + 1 {
                    j1 = n - ll - ceilf - 1
                    j2 = n + ll + ceilf - 1
                } else {
                    j1 = half - 1 - ll - roundf - 1
                    j2 = half + ll - 1 + ceilf - 1
                }
            } else {
                j1 = half - 1 - ll - 1
                j2 = half + ll + roundf - 1
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// P(Dₙ ≤ d) by Pomeranz's recursion.
    static func pomeranz(n: Int, d x: Double) -> Double {
        let dn = Double(n)
        let t = dn * x
        let ll = Int(cFloor(t))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let npwrs = 2 * (ll + 1)
        var gpower = [Double](repeating: 1, count: npwrs)
        var twogpower = [Double](repeating: 1, count: npwrs)
        var onem2gpower = [Double](repeating: 1, count: npwrs)
        let gOverN = g / dn, twoGOverN = 2 * g / dn, oneMinusTwoGOverN = (1 - 2 * g) / dn
        for m in 1..<npwrs {
            gpower[m] = gpower[m - 1] * gOverN / Double(m)
            twogpower[m] = twogpower[m - 1] * twoGOverN / Double(m)
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var v0 = [Double](repeating: 0, count: npwrs)
        var v1 = [Double](repeating: 0, count: npwrs)
        v1[0] = 1
        var v0s = 0, v1s = 0
        var exponent = 0
        var (j1, j2) = pomeranzBounds(0, n, ll, ceilf, roundf)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0s, &v1s)
            for idx in 0..<npwrs { v1[idx] = 0 }
            (j1, j2) = pomeranzBounds(i, n, ll, ceilf, roundf)
            let powers = (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 == 1 ? twogpower : onem2gpower)
            let ln2 = j2 - k1 + 1
            if ln2 > 0 {
                let start = k1 - v0s
                let segment = Array(v0[max(start, 0)..<min(start + ln2, npwrs)])
                let kernel = Array(powers[0..<min(ln2, npwrs)])
                let convStart = j1 - k1
                let convLength = j2 - j1 + 1
                var peak = 0.0
                for out in 0..<max(convLength, 0) {
                    let kk = convStart + out
                    var s = 0.0
                    var a = max(0, kk - kernel.count + 1)
                    while a <= min(kk, segment.count - 1) {
                        s += segment[a] * kernel[kk - a]
                        a += 1
                    }
                    v1[out] = s
                    peak = max(peak, s)
                }
                if peak > 0 && peak < em128 {
                    for idx in 0..<npwrs { v1[idx] *= ep128 }
                    exponent -= e128
                }
                v1s = v0s + j1 - k1
            }
        }
        var answer = v1[n - v1s]
        for m in 1...n {
            if abs(answer) > ep128 {
                answer *= em128
                exponent += e128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = cLdexp(answer, exponent) }
        return clip(answer)
    }

    /// P(Dₙ ≤ d) by the Pelz–Good asymptotic expansion.
    static func pelzGood(n: Int, d x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let dn = Double(n)
        let z = dn.squareRoot() * x
        let z2 = cPow(z, 2), z3 = cPow(z, 3), z4 = cPow(z, 4), z6 = cPow(z, 6)
        let qlog = -piSquared / 8 / z2
        if qlog < -708 { return 0 }
        var q = cExp(qlog)
        let k1a = -z2
        let k1b = piSquared / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * piSquared / 4
        let k2c = piFour * (1 - 2 * z2) / 16
        let k3d = piSix * (5 - 30 * z2) / 64
        let k3c = piFour * (-60 * z2 + 212 * z4) / 16
        let k3b = piSquared * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * cPow(z, 8)
        var k0 = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0
        let maxk = Int(cCeil(16 * z / Double.pi))
        var k = maxk
        while k >= 1 {
            let m = Double(2 * k - 1)
            let m2 = cPow(m, 2), m4 = cPow(m, 4), m6 = cPow(m, 6)
            let qpower = cPow(q, Double(8 * k))
            k0 = k0 * qpower + 1.0
            k1 = k1 * qpower + (k1a + k1b * m2)
            k2 = k2 * qpower + (k2a + k2b * m2 + k2c * m4)
            k3 = k3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
            k -= 1
        }
        k0 = k0 * q * sqrt2pi / z
        k1 = k1 * q * sqrt2pi / (6 * z4)
        k2 = k2 * q * sqrt2pi / (72 * cPow(z, 7))
        k3 = k3 * q * sqrt2pi / (6480 * cPow(z, 10))
        q = cExp(-piSquared / 2 / z2)
        let sqrt3z = 3.0.squareRoot() * z
        var extra2 = 0.0, extra3 = 0.0
        k = maxk
        while k >= 1 {
            let ks = Double(k)
            let ksq = cPow(ks, 2)
            let qp = cPow(q, ksq)
            extra2 += ksq * qp
            let kspi = Double.pi * ks
            extra3 += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
            k -= 1
        }
        k2 += extra2 * (piSquared * sqrt2pi / (-36 * z3))
        k3 += extra3 * (piSquared * sqrt2pi / (216 * z6))
        k1 /= cPow(dn, 0.5)
        k2 /= dn
        k3 /= cPow(dn, 1.5)
        return k0 + k1 + k2 + k3
    }

    /// P(Dₙ⁺ > d), the one-sided Smirnov survival function, by the Birnbaum–Tingey sum evaluated term by
    /// term in log space (compensated binomial logarithms), with SciPy's large-n approximation above 10⁶.
    public static func smirnov(n: Int, d x: Double) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let dn = Double(n)
        // n·x as an exact head + tail (fused multiply-add), so 1 − x − v/n is formed without cancellation.
        let nxHead = dn * x
        let tail = (-nxHead).addingProduct(dn, x)
        let nxFloor = cFloor(nxHead)
        var nxfl = Int(nxFloor)
        var alpha = (nxHead - nxFloor) + tail
        if alpha >= 1 { nxfl += 1; alpha -= 1 }
        if alpha < 0 { nxfl -= 1; alpha += 1 }
        if nxfl == 0 || (nxfl == 1 && alpha == 0) {
            return clip(1 - x * cPow(1 + x, dn - 1))
        }
        if -2 * dn * x * x < -708.3964185322641 { return 0 }
        if nxfl >= n - 1 { return clip(cPow(1 - x, dn)) }
        if n > 1_000_000 {
            // SciPy's approximation for very large n: p ≈ exp(−(6nx + 1)² / 18n).
            let logp = -cPow(6.0 * dn * x + 1, 2) / 18.0 / dn
            if logp < -0.6931471805599453 { return clip(cExp(logp)) }
            return clip(1 - (-cExpm1(logp)))
        }
        // Birnbaum–Tingey: Σ_{v : 1 − x − v/n > 0} C(n, v) x (x + v/n)^(v−1) (1 − x − v/n)^(n−v),
        // each term in log space, summed with a running maximum (log-sum-exp).
        let terms = n - nxfl
        let logN = cLog(dn)
        let logX = cLog(x)
        let logEpsilon = cLog(Double.ulpOfOne)
        var binomialHi = 0.0, binomialLo = 0.0   // log C(n, v) as a compensated sum
        var maxLog = -Double.infinity
        var scaledSum = 0.0
        for v in 0..<terms {
            let dv = Double(v)
            let upper = (dv + nxHead) + tail              // n·(x + v/n)
            let lower = (Double(n - v) - nxHead) - tail   // n·(1 − x − v/n)
            var term = (binomialHi + binomialLo) + logX
            if v != 1 { term += Double(v - 1) * (cLog(upper) - logN) }
            term += Double(n - v) * (cLog(lower) - logN)
            if term > maxLog {
                scaledSum = scaledSum * cExp(maxLog - term) + 1
                maxLog = term
            } else {
                scaledSum += cExp(term - maxLog)
                // SciPy's stopping rule: the remaining terms together are below machine precision.
                if term - (maxLog + cLog(scaledSum)) < logEpsilon - cLog(4 * Double(terms - v)) { break }
            }
            let step = cLog(Double(n - v)) - cLog(dv + 1)
            let s = binomialHi + step
            let bp = s - binomialHi
            binomialLo += (binomialHi - (s - bp)) + (step - bp)
            binomialHi = s
        }
        return clip(scaledSum * cExp(maxLog))
    }

}
