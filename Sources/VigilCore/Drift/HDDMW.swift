/// HDDM_W: drift detection from McDiarmid's bound on exponentially weighted moving averages — reacts
/// faster than HDDM_A to abrupt changes. Input: 1 = error, 0 = correct.
///
/// Matches River 0.26.1's `drift.binary.HDDMW` (MOA's implementation; defaults: drift confidence 0.001,
/// warning confidence 0.005, λ = 0.05, one-sided).
///
/// Reference: I. Frías-Blanco et al., "Online and non-parametric drift detection methods based on
/// Hoeffding's bounds", IEEE Transactions on Knowledge and Data Engineering 27(3), 2015, pp. 810–823.
public struct HDDMW: BinaryDriftDetector {
    /// HDDM_W's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Confidence level of a drift.
        public var driftConfidence: Double = 0.001
        /// Confidence level of a warning.
        public var warningConfidence: Double = 0.005
        /// Weight of the newest value in the moving averages.
        public var lambda: Double = 0.05
        /// Also detect decreases of the error rate.
        public var twoSidedTest: Bool = false

        public init(driftConfidence: Double = 0.001, warningConfidence: Double = 0.005, lambda: Double = 0.05,
                    twoSidedTest: Bool = false) {
            self.driftConfidence = driftConfidence
            self.warningConfidence = warningConfidence
            self.lambda = lambda
            self.twoSidedTest = twoSidedTest
        }
    }

    /// One weighted sample: its EWMA and its independent bounded condition (Σ weights²).
    struct Sample: Sendable, Hashable {
        var ewma: RiverEWMean
        var initialized = false
        var ibc = 1.0
        let lambdaSquared: Double
        let complementSquared: Double

        init(lambda: Double) {
            ewma = RiverEWMean(alpha: lambda)
            lambdaSquared = lambda * lambda
            complementSquared = cPow(1 - lambda, 2)   // River: (1 - λ) ** 2
        }

        @inline(__always) mutating func update(_ x: Double) {
            ewma.update(x)
            initialized = true
            ibc = lambdaSquared + complementSquared * ibc
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false
    public private(set) var warningDetected = false
    private var total: Sample
    private var s1Decrease: Sample
    private var s1Increase: Sample
    private var s2Decrease: Sample
    private var s2Increase: Sample
    private var increaseCut = Double.infinity
    private var decreaseCut = -Double.infinity
    private let empty: Sample
    private let logDrift: Double

    public init(_ configuration: Configuration = Configuration()) throws {
        for (name, value) in [("drift_confidence", configuration.driftConfidence),
                              ("warning_confidence", configuration.warningConfidence)] {
            guard value > 0, value < 1 else {
                throw DriftConfigurationError(parameter: name, reason: "must be in (0, 1)")
            }
        }
        guard configuration.lambda > 0, configuration.lambda <= 1 else {
            throw DriftConfigurationError(parameter: "lambda_val", reason: "must be in (0, 1]")
        }
        self.configuration = configuration
        empty = Sample(lambda: configuration.lambda)
        total = empty
        s1Decrease = empty
        s1Increase = empty
        s2Decrease = empty
        s2Increase = empty
        logDrift = cLog(1 / configuration.driftConfidence)
    }

    public mutating func reset() {
        driftDetected = false
        warningDetected = false
        total = empty
        s1Decrease = empty
        s1Increase = empty
        s2Decrease = empty
        s2Increase = empty
        increaseCut = .infinity
        decreaseCut = -.infinity
    }

    @inline(__always) private static func mcDiarmid(_ ibc: Double, logInverse: Double) -> Double {
        (ibc * logInverse / 2).squareRoot()
    }

    @inline(__always) private static func changed(_ a: Sample, _ b: Sample, _ confidence: Double) -> Bool {
        guard a.initialized && b.initialized else { return false }
        return b.ewma.mean - a.ewma.mean > mcDiarmid(a.ibc + b.ibc, logInverse: cLog(1 / confidence))
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        total.update(x)

        var eps = Self.mcDiarmid(total.ibc, logInverse: logDrift)
        if total.ewma.mean + eps < increaseCut {
            increaseCut = total.ewma.mean + eps
            s1Increase = total
            s2Increase = empty
        } else {
            s2Increase.update(x)
        }
        if Self.changed(s1Increase, s2Increase, configuration.driftConfidence) {
            warningDetected = false
            driftDetected = true
        } else if Self.changed(s1Increase, s2Increase, configuration.warningConfidence) {
            warningDetected = true
            driftDetected = false
        } else {
            warningDetected = false
            driftDetected = false
        }

        eps = Self.mcDiarmid(total.ibc, logInverse: logDrift)
        if total.ewma.mean - eps > decreaseCut {
            decreaseCut = total.ewma.mean - eps
            s1Decrease = total
            s2Decrease = empty
        } else {
            s2Decrease.update(x)
        }
        if configuration.twoSidedTest {
            if Self.changed(s2Decrease, s1Decrease, configuration.driftConfidence) {
                driftDetected = true
            } else if Self.changed(s2Decrease, s1Decrease, configuration.warningConfidence) {
                warningDetected = true
            }
        }
    }
}
