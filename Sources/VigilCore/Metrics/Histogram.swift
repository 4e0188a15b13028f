import Synchronization

/// One series of a histogram family: counts observations into fixed buckets and keeps their sum.
/// ```swift
/// let latency = registry.histogram("vigil_http_request_duration_seconds", help: "Request latency.",
///                                  labelNames: ["route"], buckets: MetricRegistry.defaultBuckets)
/// latency.labels("/metrics").observe(0.004)
/// ```
public final class Histogram: ExposedSeries {
    struct State {
        /// Per-bucket (not cumulative) counts; the last slot is the `+Inf` bucket.
        var counts: [UInt64]
        var sum: Double
        var count: UInt64
    }

    // One lock per series: an observation touches three fields that must agree in a scrape
    // (`+Inf` bucket == `_count`), and the lock is uncontended unless one series is hammered.
    let state: Mutex<State>
    let upperBounds: [Double]

    let labelValues: [String]
    /// `name_bucket{labels,le="` (or `name_bucket{le="`): each bucket line continues it.
    let bucketPrefix: [UInt8]
    /// Where `{labels` (open) sits in `bucketPrefix` (empty without labels): for `_count`, `_sum`, `_created`.
    let labelBlock: Range<Int>
    let created: Double

    init(upperBounds: [Double], labelValues: [String], bucketPrefix: [UInt8], labelBlock: Range<Int>, created: Double) {
        self.upperBounds = upperBounds
        self.labelValues = labelValues
        self.bucketPrefix = bucketPrefix
        self.labelBlock = labelBlock
        self.created = created
        self.state = Mutex(State(counts: Array(repeating: 0, count: upperBounds.count + 1), sum: 0, count: 0))
    }

    /// Records one observation. NaN counts in the `+Inf` bucket (and makes the sum NaN), as in client_golang.
    public func observe(_ value: Double) {
        let index = bucketIndex(value)
        state.withLock { state in
            state.counts[index] &+= 1
            state.sum += value
            state.count &+= 1
        }
    }

    /// Records one duration in seconds.
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) * 1e-18)
    }

    /// Index of the first bucket whose upper bound is >= value.
    @inline(__always)
    private func bucketIndex(_ value: Double) -> Int {
        let bounds = upperBounds
        if bounds.count <= 16 {
            for i in 0..<bounds.count where value <= bounds[i] { return i }
            return bounds.count
        }
        var low = 0
        var high = bounds.count
        while low < high {
            let mid = (low + high) / 2
            if bounds[mid] < value { low = mid + 1 } else { high = mid }
        }
        return value.isNaN ? bounds.count : low
    }

    /// Total observations so far.
    public var count: UInt64 { state.withLock { $0.count } }

    /// Sum of observations so far.
    public var sum: Double { state.withLock { $0.sum } }

    /// Cumulative counts per upper bound, ending with `+Inf` (equal to `count`).
    public var cumulativeCounts: [UInt64] {
        state.withLock { state in
            var running: UInt64 = 0
            return state.counts.map { running &+= $0; return running }
        }
    }
}

extension Histogram {
    var prefixLength: Int { bucketPrefix.count }
    var labelBlockLength: Int { labelBlock.count }
}
