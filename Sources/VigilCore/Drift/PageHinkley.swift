/// Page-Hinkley test: a CUSUM of deviations from the running mean with a forgetting factor; drift when
/// the cumulative deviation climbs more than `threshold` above its minimum (or below its maximum).
/// Numeric stream; no warning zone.
///
/// Matches River 0.26.1's `drift.PageHinkley` (defaults: 30 instances, δ = 0.005, λ = 50, α = 0.9999,
/// two-sided).
///
/// References: E. S. Page, "Continuous inspection schemes", Biometrika 41(1/2), 1954, pp. 100–115;
/// R. Sebastião and J. M. Fernandes, "Supporting the Page-Hinkley test with empirical mode
/// decomposition for change detection", ISMIS 2017.
public struct PageHinkley: DriftDetector {
    /// Which direction of change to detect.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case up, down, both
    }

    /// Page-Hinkley's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Observations needed before a drift can be signalled.
        public var minInstances: Int = 30
        /// Magnitude of change tolerated (δ).
        public var delta: Double = 0.005
        /// Detection threshold (λ).
        public var threshold: Double = 50
        /// Forgetting factor applied to the cumulative sums.
        public var alpha: Double = 1 - 0.0001
        /// Increases, decreases or both.
        public var mode: Mode = .both

        public init(minInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50,
                    alpha: Double = 1 - 0.0001, mode: Mode = .both) {
            self.minInstances = minInstances
            self.delta = delta
            self.threshold = threshold
            self.alpha = alpha
            self.mode = mode
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false
    private var mean = RiverMean()
    private var sumIncrease = 0.0
    private var sumDecrease = 0.0
    private var minIncrease = Double.infinity
    private var maxDecrease = -1.0

    public init(_ configuration: Configuration = Configuration()) throws {
        guard configuration.threshold.isFinite else {
            throw DriftConfigurationError(parameter: "threshold", reason: "must be finite")
        }
        self.configuration = configuration
    }

    public mutating func reset() {
        driftDetected = false
        mean = RiverMean()
        sumIncrease = 0
        sumDecrease = 0
        minIncrease = .infinity
        maxDecrease = -1
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        mean.update(x)
        let deviation = x - mean.mean
        let c = configuration
        sumIncrease = c.alpha * sumIncrease + deviation - c.delta
        sumDecrease = c.alpha * sumDecrease + deviation + c.delta
        if sumIncrease < minIncrease { minIncrease = sumIncrease }
        if sumDecrease > maxDecrease { maxDecrease = sumDecrease }
        if mean.n >= Double(c.minInstances) {
            let up = sumIncrease - minIncrease > c.threshold
            let down = maxDecrease - sumDecrease > c.threshold
            switch c.mode {
            case .up: driftDetected = up
            case .down: driftDetected = down
            case .both: driftDetected = up || down
            }
        }
    }
}
