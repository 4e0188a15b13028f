// Running statistics with River's exact floating-point update order (`river.stats.Mean`, `Var`,
// `EWMean`). Detector thresholds compare against these values, so the order of operations is part of
// the contract with River's test vectors.

/// River's `stats.Mean`: `n += 1; mean += (1 / n) * (x - mean)`.
struct RiverMean: Sendable, Hashable {
    var n: Double = 0
    var mean: Double = 0

    @inline(__always) mutating func update(_ x: Double) {
        n += 1
        mean += (1 / n) * (x - mean)
    }
}

/// River's `stats.Var` with `ddof = 1` (Welford).
struct RiverVariance: Sendable, Hashable {
    var mean = RiverMean()
    var s: Double = 0

    @inline(__always) mutating func update(_ x: Double) {
        let old = mean.mean
        mean.update(x)
        s += (x - old) * (x - mean.mean)
    }

    var value: Double { mean.n > 1 ? s / (mean.n - 1) : 0 }
}

/// River's `stats.EWMean` (Rust): the first value initialises, then `α·x + (1 − α)·mean`.
struct RiverEWMean: Sendable, Hashable {
    let alpha: Double
    let oneMinusAlpha: Double
    var mean: Double = 0
    var initialized = false

    init(alpha: Double) {
        self.alpha = alpha
        self.oneMinusAlpha = 1 - alpha
    }

    @inline(__always) mutating func update(_ x: Double) {
        if initialized {
            mean = alpha * x + oneMinusAlpha * mean
        } else {
            mean = x
            initialized = true
        }
    }
}
