/// HDDM_A: drift detection from Hoeffding's bound on the difference of moving averages — compares the
/// mean since the best cut point with the overall mean. Input: 1 = error, 0 = correct.
///
/// Matches River 0.26.1's `drift.binary.HDDMA` (MOA's implementation; defaults: drift confidence 0.001,
/// warning confidence 0.005, one-sided).
///
/// Reference: I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno, A. Ortiz-Díaz and
/// Y. Caballero-Mota, "Online and non-parametric drift detection methods based on Hoeffding's bounds",
/// IEEE Transactions on Knowledge and Data Engineering 27(3), 2015, pp. 810–823.
public struct HDDMA: BinaryDriftDetector {
    /// HDDM_A's parameters, with River's defaults.
    public struct Configuration: Sendable, Hashable {
        /// Confidence level of a drift.
        public var driftConfidence: Double = 0.001
        /// Confidence level of a warning.
        public var warningConfidence: Double = 0.005
        /// Also detect decreases of the error rate.
        public var twoSidedTest: Bool = false

        public init(driftConfidence: Double = 0.001, warningConfidence: Double = 0.005, twoSidedTest: Bool = false) {
            self.driftConfidence = driftConfidence
            self.warningConfidence = warningConfidence
            self.twoSidedTest = twoSidedTest
        }
    }

    public let configuration: Configuration
    public private(set) var driftDetected = false
    public private(set) var warningDetected = false
    private var xMin = RiverMean()
    private var xMax = RiverMean()
    private var z = RiverMean()

    public init(_ configuration: Configuration = Configuration()) throws {
        for (name, value) in [("drift_confidence", configuration.driftConfidence),
                              ("warning_confidence", configuration.warningConfidence)] {
            guard value > 0, value < 1 else {
                throw DriftConfigurationError(parameter: name, reason: "must be in (0, 1)")
            }
        }
        self.configuration = configuration
    }

    public mutating func reset() {
        driftDetected = false
        warningDetected = false
        xMin = RiverMean()
        xMax = RiverMean()
        z = RiverMean()
    }

    @inline(__always) private func hoeffdingBound(_ n: Double) -> Double {
        (1.0 / (2 * n) * cLog(1.0 / configuration.driftConfidence)).squareRoot()
    }

    public mutating func update(_ x: Double) {
        if driftDetected { reset() }
        z.update(x)
        if xMin.n == 0 { xMin = z }
        if xMax.n == 0 { xMax = z }
        let epsZ = hoeffdingBound(z.n)
        var epsX = hoeffdingBound(xMin.n)
        if xMin.mean + epsX >= z.mean + epsZ { xMin = z }
        epsX = hoeffdingBound(xMax.n)
        if xMax.mean - epsX <= z.mean - epsZ { xMax = z }

        if meanIncreased(configuration.driftConfidence) {
            warningDetected = false
            driftDetected = true
        } else if meanIncreased(configuration.warningConfidence) {
            warningDetected = true
            driftDetected = false
        } else {
            warningDetected = false
            driftDetected = false
        }
        if configuration.twoSidedTest {
            if meanDecreased(configuration.driftConfidence) {
                driftDetected = true
            } else if meanDecreased(configuration.warningConfidence) {
                warningDetected = true
            }
        }
    }

    private func bound(_ cut: RiverMean, _ confidence: Double) -> Double {
        let m = (z.n - cut.n) / cut.n * (1.0 / z.n)
        return (m / 2 * cLog(2.0 / confidence)).squareRoot()
    }

    private func meanIncreased(_ confidence: Double) -> Bool {
        if xMin.n == z.n { return false }
        return z.mean - xMin.mean >= bound(xMin, confidence)
    }

    private func meanDecreased(_ confidence: Double) -> Bool {
        if xMax.n == z.n { return false }
        return xMax.mean - z.mean >= bound(xMax, confidence)
    }
}
