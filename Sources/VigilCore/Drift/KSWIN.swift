/// KSWIN (Kolmogorov–Smirnov WINdowing): keeps a sliding window of `windowSize` values; on every update
/// once the window is full, compares the newest `statSize` values with `statSize` values drawn at random
/// from the older part, using the two-sample KS test. Drift when the p-value ≤ `alpha` and the
/// statistic exceeds 0.1. Numeric stream; no warning zone.
///
/// Matches River 0.26.1's `drift.KSWIN` including its randomness: River draws with Python's
/// `random.Random(seed).sample`, which ``PythonRandom`` reproduces, and re-seeds on every reset. The
/// randomness is passed in: either the configuration's `seed` (a ``PythonRandom``, River's exact
/// detections) or any ``IndexSampler``; every reset restores the sampler to its state at construction,
/// as River's re-seeding does.
///
/// ```swift
/// var kswin = try KSWIN(.init(alpha: 0.0001, seed: 42))
/// ```
///
/// Reference: C. Raab, M. Heusinger and F.-M. Schleif, "Reactive soft prototype computing for concept
/// drift streams", Neurocomputing 416, 2020, pp. 340–351.
public struct KSWIN: DriftDetector {
    /// KSWIN's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Significance level of the KS test (keep it small: the test runs on every update).
        public var alpha: Double = 0.005
        /// Length of the sliding window.
        public var windowSize: Int = 100
        /// Length of the most recent part compared with the sample of the older part.
        public var statSize: Int = 30
        /// Seed of the Python-compatible generator (River's `seed`; River draws a random one when unset).
        public var seed: Int64 = 0
        /// Values that pre-fill the window before the first update (River's `window`; not kept on reset).
        public var window: [Double] = []

        public init(alpha: Double = 0.005, windowSize: Int = 100, statSize: Int = 30, seed: Int64 = 0,
                    window: [Double] = []) {
            self.alpha = alpha
            self.windowSize = windowSize
            self.statSize = statSize
            self.seed = seed
            self.window = window
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false
    /// p-value of the last test (0 before the window is full, as in River).
    public private(set) var pValue = 0.0
    private var rng: any IndexSampler
    private let initialSampler: any IndexSampler
    // Ring buffer of the last `windowSize` values.
    private var ring: [Double]
    private var start = 0
    private var count = 0
    private var positions: [Int]
    private var older: [Double]
    private var recent: [Double]

    /// KSWIN drawing with `PythonRandom(seed: configuration.seed)`, as River does.
    public init(_ configuration: Configuration = Configuration()) throws {
        try self.init(configuration, sampler: PythonRandom(seed: configuration.seed))
    }

    /// KSWIN drawing its sample positions from `sampler` (the configuration's `seed` is then unused).
    public init(_ configuration: Configuration, sampler: any IndexSampler) throws {
        guard configuration.alpha >= 0, configuration.alpha <= 1 else {
            throw DriftConfigurationError(parameter: "alpha", reason: "must be between 0 and 1")
        }
        guard configuration.windowSize > 0 else {
            throw DriftConfigurationError(parameter: "window_size", reason: "must be greater than 0")
        }
        guard configuration.statSize > 0, configuration.statSize < configuration.windowSize else {
            throw DriftConfigurationError(parameter: "stat_size", reason: "must be positive and smaller than window_size")
        }
        self.configuration = configuration
        rng = sampler
        initialSampler = sampler
        ring = [Double](repeating: 0, count: configuration.windowSize)
        positions = [Int](repeating: 0, count: configuration.statSize)
        older = [Double](repeating: 0, count: configuration.statSize)
        recent = [Double](repeating: 0, count: configuration.statSize)
        for x in configuration.window.suffix(configuration.windowSize) { append(x) }
    }

    public mutating func reset() {
        driftDetected = false
        pValue = 0
        rng = initialSampler
        start = 0
        count = 0
    }

    @inline(__always) private mutating func append(_ x: Double) {
        let size = configuration.windowSize
        if count < size {
            ring[(start + count) % size] = x
            count += 1
        } else {
            ring[start] = x
            start = (start + 1) % size
        }
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        append(x)
        let size = configuration.windowSize, stat = configuration.statSize
        guard count >= size else {
            driftDetected = false
            return
        }
        rng.sample(populationSize: size - stat, into: &positions)
        for i in 0..<stat {
            older[i] = ring[(start + positions[i]) % size]
            recent[i] = ring[(start + size - stat + i) % size]
        }
        older.sort()
        recent.sort()
        let result = older.withUnsafeBufferPointer { a in
            recent.withUnsafeBufferPointer { b in KolmogorovSmirnov.twoSample(sorted: a, sorted: b) }
        }
        pValue = result.pValue
        // River then keeps only the recent part, but the next update resets the window anyway.
        driftDetected = result.pValue <= configuration.alpha && result.statistic > 0.1
    }
}
