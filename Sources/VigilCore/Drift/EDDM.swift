/// EDDM (Early Drift Detection Method): watches the distance between consecutive errors; when the mean
/// distance plus two standard deviations falls below `alpha` (warning) or `beta` (drift) of its maximum,
/// errors are getting denser. Better than DDM for slow, gradual drift. Input: 1 = error, 0 = correct.
///
/// Matches River 0.26.1's `drift.binary.EDDM` (defaults: warm start 30, α = 0.95, β = 0.9).
///
/// Reference: M. Baena-García, J. del Campo-Ávila, R. Fidalgo, A. Bifet, R. Gavaldà and R. Morales-Bueno,
/// "Early drift detection method", Fourth International Workshop on Knowledge Discovery from Data
/// Streams, 2006.
public struct EDDM: BinaryDriftDetector {
    /// EDDM's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Observations (and errors) needed before warnings or drifts can be signalled.
        public var warmStart: Int = 30
        /// Warning level (ratio to the maximum), ≥ beta.
        public var alpha: Double = 0.95
        /// Drift level (ratio to the maximum).
        public var beta: Double = 0.9

        public init(warmStart: Int = 30, alpha: Double = 0.95, beta: Double = 0.9) {
            self.warmStart = warmStart
            self.alpha = alpha
            self.beta = beta
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false
    public private(set) var warningDetected = false
    private var distances = RiverVariance()
    private var n = 0
    private var lastError = 0
    private var errors = 0
    private var maxLevel = -1.0

    public init(_ configuration: Configuration = Configuration()) throws {
        guard configuration.alpha >= configuration.beta else {
            throw DriftConfigurationError(parameter: "alpha", reason: "must be greater or equal to beta")
        }
        self.configuration = configuration
    }

    public mutating func reset() {
        driftDetected = false
        warningDetected = false
        distances = RiverVariance()
        n = 0
        lastError = 0
        errors = 0
        maxLevel = -1
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        n += 1
        guard x == 1 else { return }
        errors += 1
        distances.update(Double(n - lastError))
        if n > configuration.warmStart {
            let meanDistance = distances.mean.mean
            // River takes `var ** 0.5` (C pow), which can differ from sqrt by an ulp.
            let sdDistance = cPow(distances.value, 0.5)
            let level = meanDistance + 2 * sdDistance
            if level > maxLevel {
                maxLevel = level
            } else if errors > configuration.warmStart {
                let ratio = level / maxLevel
                if ratio < configuration.beta {
                    driftDetected = true
                } else if ratio < configuration.alpha {
                    warningDetected = true
                } else {
                    warningDetected = false
                }
            }
        }
        lastError = n
    }
}
