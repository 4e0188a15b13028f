/// Regression error figures: MAE, RMSE, MAPE and R².
///
/// Semantics follow scikit-learn 1.7: MAPE divides by `max(|y|, ε)` with ε = `Double.ulpOfOne` (so a zero
/// target gives a huge but finite term, and MAPE is a fraction, not a percentage); R² is
/// `1 − SS_res / SS_tot`, and when `SS_tot` is 0 it is 1 for a perfect fit and 0 otherwise (`force_finite`).
public struct RegressionQuality: Sendable, Hashable, Codable {
    public var count: Int
    public var mae: Double
    public var rmse: Double
    public var mape: Double
    public var r2: Double

    public init(count: Int, mae: Double, rmse: Double, mape: Double, r2: Double) {
        self.count = count
        self.mae = mae
        self.rmse = rmse
        self.mape = mape
        self.r2 = r2
    }

    /// Scores `predicted` against `actual`.
    public init(actual: [Double], predicted: [Double]) {
        precondition(actual.count == predicted.count, "actual and predicted differ in length")
        var accumulator = RegressionAccumulator()
        for i in actual.indices { accumulator.add(actual: actual[i], predicted: predicted[i]) }
        self = accumulator.quality
    }

    /// Named figures in a stable order, as exported to `vigil_model_quality{metric}` and reports.
    public var namedValues: [(name: String, value: Double)] {
        [("mae", mae), ("rmse", rmse), ("mape", mape), ("r2", r2)]
    }
}

/// Running sums for regression quality: O(1) per sample, no samples kept.
///
/// The target's variance uses Welford's update so R² stays accurate for targets far from zero.
public struct RegressionAccumulator: Sendable, Hashable, Codable {
    public private(set) var count = 0
    private var absoluteErrorSum = 0.0
    private var squaredErrorSum = 0.0
    private var percentageErrorSum = 0.0
    private var targetMean = 0.0
    private var targetM2 = 0.0

    public init() {}

    public mutating func add(actual: Double, predicted: Double) {
        count += 1
        let error = actual - predicted
        absoluteErrorSum += abs(error)
        squaredErrorSum += error * error
        percentageErrorSum += abs(error) / max(abs(actual), Double.ulpOfOne)
        let delta = actual - targetMean
        targetMean += delta / Double(count)
        targetM2 += delta * (actual - targetMean)
    }

    public var quality: RegressionQuality {
        guard count > 0 else { return RegressionQuality(count: 0, mae: 0, rmse: 0, mape: 0, r2: 0) }
        let n = Double(count)
        let r2: Double
        if targetM2 == 0 {
            r2 = squaredErrorSum == 0 ? 1 : 0
        } else {
            r2 = 1 - squaredErrorSum / targetM2
        }
        return RegressionQuality(count: count, mae: absoluteErrorSum / n, rmse: (squaredErrorSum / n).squareRoot(),
                                 mape: percentageErrorSum / n, r2: r2)
    }
}
