/// DDM (Drift Detection Method): watches a classifier's error rate p and its binomial standard deviation
/// s; warning when p + s exceeds the best p_min + s_min seen by `warningThreshold`·s_min, drift at
/// `driftThreshold`·s_min. Input: 1 = error, 0 = correct.
///
/// Matches River 0.26.1's `drift.binary.DDM` (defaults: warm start 30, warning 2, drift 3).
///
/// Reference: J. Gama, P. Medas, G. Castillo and P. Rodrigues, "Learning with drift detection",
/// Brazilian Symposium on Artificial Intelligence (SBIA), 2004, pp. 286–295.
public struct DDM: BinaryDriftDetector {
    /// DDM's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Observations before warnings or drifts can be signalled.
        public var warmStart: Int = 30
        /// Multiples of s_min for the warning zone.
        public var warningThreshold: Double = 2
        /// Multiples of s_min for a drift.
        public var driftThreshold: Double = 3

        public init(warmStart: Int = 30, warningThreshold: Double = 2, driftThreshold: Double = 3) {
            self.warmStart = warmStart
            self.warningThreshold = warningThreshold
            self.driftThreshold = driftThreshold
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false
    public private(set) var warningDetected = false
    private var p = RiverMean()
    private var pMin = 0.0
    private var sMin = 0.0
    private var psMin = Double.infinity

    public init(_ configuration: Configuration = Configuration()) throws {
        guard configuration.warmStart >= 0 else {
            throw DriftConfigurationError(parameter: "warm_start", reason: "must not be negative")
        }
        self.configuration = configuration
    }

    public mutating func reset() {
        driftDetected = false
        warningDetected = false
        p = RiverMean()
        pMin = 0
        sMin = 0
        psMin = .infinity
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        p.update(x)
        let pi = p.mean
        let n = p.n
        let si = (pi * (1 - pi) / n).squareRoot()
        guard n > Double(configuration.warmStart) else { return }
        if pi + si <= psMin {
            pMin = pi
            sMin = si
            psMin = pMin + sMin
        }
        warningDetected = pi + si > pMin + configuration.warningThreshold * sMin
        if pi + si > pMin + configuration.driftThreshold * sMin {
            driftDetected = true
            warningDetected = false
        }
    }
}
