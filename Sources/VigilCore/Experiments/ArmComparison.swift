/// The outcome of comparing a treatment arm with a control arm: the difference of means, its confidence
/// interval (or, for ``SequentialTest``, its confidence sequence at this look), the p-value and the level.
///
/// One-sided tests give a one-sided interval: `lower` is −∞ for ``Alternative/less`` and `upper` is +∞ for
/// ``Alternative/greater``. A comparison without enough data (an arm with fewer than two observations, zero
/// variance, non-finite input) has p-value 1 and the interval (−∞, +∞): never NaN, never a rejection.
public struct ArmComparison: Sendable, Hashable {
    /// treatment.mean − control.mean (0 when an arm is empty).
    public var difference: Double
    /// Interval lower bound (−∞ for `less`).
    public var lower: Double
    /// Interval upper bound (+∞ for `greater`).
    public var upper: Double
    /// For ``SequentialTest`` the always-valid p-value at this look.
    public var pValue: Double
    public var alpha: Double
    public var rejectsNull: Bool { pValue <= alpha }

    public init(difference: Double, lower: Double, upper: Double, pValue: Double, alpha: Double) {
        self.difference = difference
        self.lower = lower
        self.upper = upper
        self.pValue = pValue
        self.alpha = alpha
    }

    /// The "no evidence" result: p-value 1 and the whole real line.
    static func noEvidence(difference: Double, alpha: Double) -> ArmComparison {
        ArmComparison(difference: difference.isFinite ? difference : 0, lower: -.infinity, upper: .infinity,
                         pValue: 1, alpha: alpha)
    }

    /// The interval for `alternative` around `difference` with half-width `halfWidth`.
    static func interval(difference: Double, halfWidth: Double, pValue: Double, alpha: Double,
                         alternative: Alternative) -> ArmComparison {
        let p = pValue.isNaN ? 1 : min(max(pValue, 0), 1)
        switch alternative {
        case .twoSided:
            return ArmComparison(difference: difference, lower: difference - halfWidth,
                                    upper: difference + halfWidth, pValue: p, alpha: alpha)
        case .greater:
            return ArmComparison(difference: difference, lower: difference - halfWidth, upper: .infinity,
                                    pValue: p, alpha: alpha)
        case .less:
            return ArmComparison(difference: difference, lower: -.infinity, upper: difference + halfWidth,
                                    pValue: p, alpha: alpha)
        }
    }
}
