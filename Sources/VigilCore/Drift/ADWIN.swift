/// ADWIN (ADaptive WINdowing): keeps a variable-length window of recent values, compressed into
/// exponential-histogram buckets, and drops its oldest part whenever two sub-windows have means that
/// differ by more than a Hoeffding/Bernstein-style bound. Any bounded numeric stream; no warning zone.
///
/// Matches River 0.26.1's `drift.ADWIN` (its Rust `AdaptiveWindowing`) update for update, including the
/// `clock` (cut points are only checked every `clock` updates), `grace_period` and `min_window_length`.
///
/// ```swift
/// var adwin = try ADWIN()
/// for x in stream { adwin.update(x); if adwin.driftDetected { print("drift") } }
/// ```
///
/// Reference: A. Bifet and R. Gavaldà, "Learning from time-changing data with adaptive windowing",
/// SIAM International Conference on Data Mining (SDM), 2007, pp. 443–448.
public struct ADWIN: DriftDetector {
    /// ADWIN's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Significance value δ of the cut test (smaller: fewer false alarms, slower detection).
        public var delta: Double = 0.002
        /// Check for a change every `clock` updates.
        public var clock: Int = 32
        /// Buckets of each size kept before two are merged (ADWIN2's M).
        public var maxBuckets: Int = 5
        /// Sub-windows shorter than this are never compared.
        public var minWindowLength: Int = 5
        /// No change is checked before the window holds more than this many values.
        public var gracePeriod: Int = 10

        public init(delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5,
                    minWindowLength: Int = 5, gracePeriod: Int = 10) {
            self.delta = delta
            self.clock = clock
            self.maxBuckets = maxBuckets
            self.minWindowLength = minWindowLength
            self.gracePeriod = gracePeriod
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false

    // Bucket rows: row `r` holds up to maxBuckets + 1 (total, variance) pairs, each summarising 2^r values,
    // oldest first. Stored flat (row-major) so the hot path does no per-row allocation.
    private var totals: [Double] = []
    private var variances: [Double] = []
    private var rowCounts: [Int] = []
    private var rows = 0
    private let rowCapacity: Int

    private var total: Double = 0
    private var variance: Double = 0
    private var width: Double = 0
    private var tick = 0
    private let minWindow: Double
    private let grace: Double

    /// - Throws: `DriftConfigurationError` when a parameter is out of range.
    public init(_ configuration: Configuration = Configuration()) throws {
        guard configuration.delta > 0, configuration.delta < 1 else {
            throw DriftConfigurationError(parameter: "delta", reason: "must be in (0, 1)")
        }
        guard configuration.clock >= 1 else {
            throw DriftConfigurationError(parameter: "clock", reason: "must be at least 1")
        }
        guard configuration.maxBuckets >= 2 else {
            throw DriftConfigurationError(parameter: "max_buckets", reason: "must be at least 2")
        }
        guard configuration.minWindowLength >= 1 else {
            throw DriftConfigurationError(parameter: "min_window_length", reason: "must be at least 1")
        }
        guard configuration.gracePeriod >= 0 else {
            throw DriftConfigurationError(parameter: "grace_period", reason: "must not be negative")
        }
        self.configuration = configuration
        self.rowCapacity = configuration.maxBuckets + 1
        self.minWindow = Double(configuration.minWindowLength)
        self.grace = Double(configuration.gracePeriod)
        reset()
    }

    /// Number of values in the current window.
    public var windowWidth: Int { Int(width) }
    /// Mean of the current window (0 when empty).
    public var estimation: Double { width == 0 ? 0 : total / width }

    public mutating func reset() {
        driftDetected = false
        totals = [Double](repeating: 0, count: rowCapacity * 8)
        variances = [Double](repeating: 0, count: rowCapacity * 8)
        rowCounts = [Int](repeating: 0, count: 8)
        rows = 1
        total = 0
        variance = 0
        width = 0
        tick = 0
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        insert(x)
        driftDetected = detectChange()
    }

    private mutating func ensureRow(_ r: Int) {
        if r >= rowCounts.count {
            let newRows = rowCounts.count * 2
            totals.append(contentsOf: repeatElement(0, count: (newRows - rowCounts.count) * rowCapacity))
            variances.append(contentsOf: repeatElement(0, count: (newRows - rowCounts.count) * rowCapacity))
            rowCounts.append(contentsOf: repeatElement(0, count: newRows - rowCounts.count))
        }
    }

    /// Removes the `count` oldest entries of row `r`, shifting the rest down.
    private mutating func dropOldest(row r: Int, count: Int) {
        let base = r * rowCapacity
        let remaining = rowCounts[r] - count
        var i = 0
        while i < remaining {
            totals[base + i] = totals[base + i + count]
            variances[base + i] = variances[base + i + count]
            i += 1
        }
        rowCounts[r] = remaining
    }

    private mutating func insert(_ value: Double) {
        totals[rowCounts[0]] = value
        variances[rowCounts[0]] = 0
        rowCounts[0] += 1
        // Streaming variance (Babcock et al.), same operation order as River for bit-identical sums.
        width += 1
        var incremental = 0.0
        if width > 1 {
            let deltaV = value - total / (width - 1)
            incremental = (width - 1) * deltaV * deltaV / width
        }
        variance += incremental
        total += value
        compress()
    }

    private mutating func compress() {
        var r = 0
        let maxBuckets = configuration.maxBuckets
        while rowCounts[r] == maxBuckets + 1 {
            let size = Double(UInt64(1) << UInt64(r))
            let base = r * rowCapacity
            let t0 = totals[base], t1 = totals[base + 1]
            let v0 = variances[base], v1 = variances[base + 1]
            let mu1 = t0 / size
            let mu2 = t1 / size
            let merged = v0 + v1 + size * 0.5 * (mu1 - mu2) * (mu1 - mu2)
            if r + 1 >= rows {
                ensureRow(r + 1)
                rowCounts[r + 1] = 0
                rows = r + 2
            }
            let next = (r + 1) * rowCapacity + rowCounts[r + 1]
            totals[next] = t0 + t1
            variances[next] = merged
            rowCounts[r + 1] += 1
            dropOldest(row: r, count: 2)
            if rowCounts[r + 1] <= maxBuckets { break }
            r += 1
        }
    }

    private mutating func deleteOldest() {
        let last = rows - 1
        let n = Double(UInt64(1) << UInt64(last))
        let u = totals[last * rowCapacity]
        let v = variances[last * rowCapacity]
        let mu = u / n
        width -= n
        total -= u
        let muWindow = total / width
        variance -= v + n * width * (mu - muWindow) * (mu - muWindow) / (n + width)
        dropOldest(row: last, count: 1)
        if rowCounts[last] == 0 { rows -= 1 }
    }

    private mutating func detectChange() -> Bool {
        var changed = false
        tick += 1
        guard tick % configuration.clock == 0, width > grace else { return false }
        var reduceWidth = true
        while reduceWidth {
            reduceWidth = false
            var n0 = 0.0, n1 = width, u0 = 0.0, u1 = total
            // Constant while scanning (the window only changes right before the scan ends): computed once,
            // the same value River recomputes at every cut point.
            let deltaPrime = cLog(2 * cLog(width) / configuration.delta)
            let varianceRatio = variance / width
            // Walk cut points from the oldest bucket to the newest.
            scan: for r in stride(from: rows - 1, through: 0, by: -1) {
                let size = Double(UInt64(1) << UInt64(r))
                let count = rowCounts[r]
                let base = r * rowCapacity
                for k in 0..<count {
                    n0 += size
                    n1 -= size
                    let t = totals[base + k]
                    u0 += t
                    u1 -= t
                    if r == 0 && k == count - 1 { break scan }
                    let deltaMean = (u0 / n0) - (u1 / n1)
                    if n1 >= minWindow && n0 >= minWindow
                        && cutExceeded(n0, n1, deltaMean, deltaPrime: deltaPrime, varianceRatio: varianceRatio) {
                        reduceWidth = true
                        changed = true
                        if width > 0 {
                            deleteOldest()
                            break scan
                        }
                    }
                }
            }
        }
        return changed
    }

    @inline(__always) private func cutExceeded(_ n0: Double, _ n1: Double, _ deltaMean: Double,
                                               deltaPrime: Double, varianceRatio: Double) -> Bool {
        let mRecip = 1 / (n0 - minWindow + 1) + 1 / (n1 - minWindow + 1)
        let epsilon = (2 * mRecip * varianceRatio * deltaPrime).squareRoot()
            + 2.0 / 3.0 * deltaPrime * mRecip
        return abs(deltaMean) > epsilon
    }
}
