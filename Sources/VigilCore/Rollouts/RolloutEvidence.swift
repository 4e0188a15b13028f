/// Count, sum and sum of squares of a per-observation value: mergeable by addition, so one agent's counters and a
/// fleet's sums (Prometheus `sum(increase(…))`) feed the same tests.
public struct Moments: Sendable, Hashable, Codable {
    public var count: Int
    public var sum: Double
    public var sumOfSquares: Double

    public init(count: Int = 0, sum: Double = 0, sumOfSquares: Double = 0) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    /// Successes out of trials (each observation 0 or 1).
    public static func proportion(successes: Int, trials: Int) -> Moments {
        Moments(count: trials, sum: Double(successes), sumOfSquares: Double(successes))
    }

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        sumOfSquares += value * value
    }

    public var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// Mean and sample variance (n − 1 denominator, never negative).
    public var statistics: ArmStatistics {
        guard count > 1 else { return ArmStatistics(count: count, mean: mean, variance: 0) }
        let n = Double(count)
        let m = sum / n
        return ArmStatistics(count: count, mean: m, variance: max(0, (sumOfSquares - n * m * m) / (n - 1)))
    }

    public static func + (a: Moments, b: Moments) -> Moments {
        Moments(count: a.count + b.count, sum: a.sum + b.sum, sumOfSquares: a.sumOfSquares + b.sumOfSquares)
    }

    public static func - (a: Moments, b: Moments) -> Moments {
        Moments(count: a.count - b.count, sum: a.sum - b.sum, sumOfSquares: a.sumOfSquares - b.sumOfSquares)
    }
}

/// A cumulative latency histogram (Prometheus buckets): `counts[i]` observations were at most `upperBounds[i]`
/// seconds, and `total` were observed in all (the `+Inf` bucket).
public struct LatencyHistogram: Sendable, Hashable, Codable {
    public var upperBounds: [Double]
    public var counts: [Int]
    public var total: Int

    public init(upperBounds: [Double], counts: [Int], total: Int) {
        precondition(upperBounds.count == counts.count, "one count per bucket bound")
        self.upperBounds = upperBounds
        self.counts = counts
        self.total = total
    }

    public static let empty = LatencyHistogram(upperBounds: [], counts: [], total: 0)

    /// Vigil's default request-latency buckets (seconds).
    public static let defaultBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// An empty histogram with the given bounds.
    public init(upperBounds: [Double]) {
        self.init(upperBounds: upperBounds, counts: Array(repeating: 0, count: upperBounds.count), total: 0)
    }

    /// Counts one observation in seconds.
    public mutating func observe(_ seconds: Double) {
        total += 1
        for i in upperBounds.indices where seconds <= upperBounds[i] { counts[i] += 1 }
    }

    /// The smallest bucket bound at or below which at least `quantile` of the observations fall (`nil` when the
    /// quantile lies in the `+Inf` bucket or nothing was observed).
    public func quantileBound(_ quantile: Double) -> Double? {
        guard total > 0 else { return nil }
        let needed = quantile * Double(total)
        for i in upperBounds.indices where Double(counts[i]) >= needed { return upperBounds[i] }
        return nil
    }

    /// Observations above `bound` (which must be one of the bucket bounds).
    public func exceeding(_ bound: Double) -> Int? {
        guard let i = upperBounds.firstIndex(of: bound) else { return nil }
        return total - counts[i]
    }

    public static func - (a: LatencyHistogram, b: LatencyHistogram) -> LatencyHistogram {
        if b.upperBounds.isEmpty { return a }
        guard a.upperBounds == b.upperBounds else { return a }
        return LatencyHistogram(upperBounds: a.upperBounds, counts: zip(a.counts, b.counts).map { $0 - $1 },
                                total: a.total - b.total)
    }

    public static func + (a: LatencyHistogram, b: LatencyHistogram) -> LatencyHistogram {
        if a.upperBounds.isEmpty { return b }
        if b.upperBounds.isEmpty { return a }
        precondition(a.upperBounds == b.upperBounds, "histograms with different buckets cannot be added")
        return LatencyHistogram(upperBounds: a.upperBounds, counts: zip(a.counts, b.counts).map { $0 + $1 },
                                total: a.total + b.total)
    }
}

/// Everything observed about one variant, cumulative (counters only grow), so that evidence from any source —
/// the agent's own counters or a Prometheus query summed over a fleet — is compared the same way.
public struct VariantEvidence: Sendable, Hashable, Codable {
    /// Requests served (the denominator of the error rate and the count the sample-ratio test uses).
    public var requests: Int
    /// Requests that failed.
    public var errors: Int
    /// Request latency.
    public var latency: LatencyHistogram
    /// Per labelled prediction: 1 when right, 0 when wrong (classification).
    public var correct: Moments
    /// Per labelled prediction: the absolute error (regression).
    public var absoluteError: Moments
    /// Per prediction: its expected correctness from the score (CBPE), before labels arrive.
    public var expectedCorrect: Moments
    /// Latest drift score per feature against the reference profile (a level, not a counter).
    public var drift: [String: Double]

    public init(requests: Int = 0, errors: Int = 0, latency: LatencyHistogram = .empty, correct: Moments = Moments(),
                absoluteError: Moments = Moments(), expectedCorrect: Moments = Moments(), drift: [String: Double] = [:]) {
        self.requests = requests
        self.errors = errors
        self.latency = latency
        self.correct = correct
        self.absoluteError = absoluteError
        self.expectedCorrect = expectedCorrect
        self.drift = drift
    }

    /// What was observed since `baseline` (drift is kept as it is: it is a level).
    public func since(_ baseline: VariantEvidence) -> VariantEvidence {
        VariantEvidence(requests: requests - baseline.requests, errors: errors - baseline.errors,
                        latency: latency - baseline.latency, correct: correct - baseline.correct,
                        absoluteError: absoluteError - baseline.absoluteError,
                        expectedCorrect: expectedCorrect - baseline.expectedCorrect, drift: drift)
    }

    /// Whether any counter is smaller than in `baseline` (a counter reset).
    public func wentBackwards(from baseline: VariantEvidence) -> Bool {
        requests < baseline.requests || errors < baseline.errors || latency.total < baseline.latency.total
            || correct.count < baseline.correct.count || absoluteError.count < baseline.absoluteError.count
            || expectedCorrect.count < baseline.expectedCorrect.count
    }

    /// Sum of two agents' evidence (drift: the larger score, the conservative choice).
    public static func + (a: VariantEvidence, b: VariantEvidence) -> VariantEvidence {
        VariantEvidence(requests: a.requests + b.requests, errors: a.errors + b.errors, latency: a.latency + b.latency,
                        correct: a.correct + b.correct, absoluteError: a.absoluteError + b.absoluteError,
                        expectedCorrect: a.expectedCorrect + b.expectedCorrect,
                        drift: a.drift.merging(b.drift) { max($0, $1) })
    }
}

/// Cumulative evidence for both variants of a rollout, as an evidence source reports it.
public struct RolloutEvidence: Sendable, Hashable, Codable {
    public var champion: VariantEvidence
    public var challenger: VariantEvidence
    /// Why the source could not give complete, current numbers (a stale scrape, a missing series, a query error);
    /// `nil` when it could. Incomplete evidence never leads to an action.
    public var problem: String?
    /// When the counts start, for a source whose counts run from a chosen instant (a Prometheus window anchored
    /// there); nil for counters that run from the process's start. Evidence from another anchor is not comparable.
    public var anchorMillis: Int64?

    public init(champion: VariantEvidence = VariantEvidence(), challenger: VariantEvidence = VariantEvidence(),
                problem: String? = nil, anchorMillis: Int64? = nil) {
        self.champion = champion
        self.challenger = challenger
        self.problem = problem
        self.anchorMillis = anchorMillis
    }

    public func since(_ baseline: RolloutEvidence) -> RolloutEvidence {
        RolloutEvidence(champion: champion.since(baseline.champion), challenger: challenger.since(baseline.challenger),
                        problem: problem, anchorMillis: anchorMillis)
    }

    /// Whether any counter is smaller than in `baseline`, or the counts start from another anchor (both mean the
    /// difference is not what was observed since the baseline).
    public func wentBackwards(from baseline: RolloutEvidence) -> Bool {
        anchorMillis != baseline.anchorMillis
            || champion.wentBackwards(from: baseline.champion) || challenger.wentBackwards(from: baseline.challenger)
    }
}
