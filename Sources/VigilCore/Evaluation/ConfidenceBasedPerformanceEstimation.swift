/// Estimated quality of a binary classifier without labels, from its (assumed calibrated) scores.
///
/// Confidence-based performance estimation as NannyML's CBPE does it: a prediction with positive-class
/// probability `p` is a true positive with probability `p` and a false positive with `1 − p` when predicted
/// positive (`p ≥ threshold`), a false negative with `p` and a true negative with `1 − p` otherwise. Summing
/// gives the expected confusion matrix, from which accuracy, precision, recall and F1 follow. The ROC AUC
/// estimate sorts by score (descending), takes cumulative expected true/false positives, rounds them to 5
/// decimals as NannyML does, and integrates the resulting curve with the trapezoidal rule.
///
/// Reference: NannyML, "Confidence-based Performance Estimation" (docs/how_it_works/performance_estimation).
///
/// ```swift
/// let e = ConfidenceBasedPerformanceEstimation(scores: [0.9, 0.2, 0.7])
/// e.accuracy   // (0.9 + 0.8 + 0.7) / 3
/// ```
public struct ConfidenceBasedPerformanceEstimation: Sendable, Hashable, Codable {
    public var count: Int
    public var threshold: Double
    public var truePositives: Double
    public var falsePositives: Double
    public var trueNegatives: Double
    public var falseNegatives: Double
    public var rocAUC: Double?

    /// Estimates from positive-class scores; predictions are `score ≥ threshold`.
    public init(scores: [Double], threshold: Double = 0.5) {
        self.init(scores: scores, predictedPositive: scores.map { $0 >= threshold }, threshold: threshold)
    }

    /// Estimates from scores and the model's own predicted classes.
    public init(scores: [Double], predictedPositive: [Bool], threshold: Double = 0.5) {
        precondition(scores.count == predictedPositive.count, "scores and predictions differ in length")
        count = scores.count
        self.threshold = threshold
        var tp = 0.0, fp = 0.0, tn = 0.0, fn = 0.0
        for i in scores.indices {
            let p = scores[i]
            if predictedPositive[i] { tp += p; fp += 1 - p } else { fn += p; tn += 1 - p }
        }
        truePositives = tp; falsePositives = fp; trueNegatives = tn; falseNegatives = fn
        rocAUC = ConfidenceBasedPerformanceEstimation.estimateROCAUC(scores: scores)
    }

    /// `nan` when there is nothing to estimate from (no rows, or a zero denominator).
    public var accuracy: Double { ratio(truePositives + trueNegatives, Double(count)) }
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { ratio(truePositives, truePositives + 0.5 * (falsePositives + falseNegatives)) }

    /// Named figures, comparable with ``ModelQuality/namedValues`` (`accuracy`, `precision`, `recall`, `f1`,
    /// `roc_auc`).
    public var namedValues: [(name: String, value: Double)] {
        var out = [("accuracy", accuracy), ("precision", precision), ("recall", recall), ("f1", f1)]
        if let rocAUC { out.append(("roc_auc", rocAUC)) }
        return out
    }

    private func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? .nan : a / b }

    /// NannyML's `estimate_roc_auc` with calibrated = uncalibrated scores; `nil` for fewer than two rows or
    /// when the expected positives or negatives are zero.
    public static func estimateROCAUC(scores: [Double]) -> Double? {
        guard scores.count > 1 else { return nil }
        var sorted = scores
        Sorting.sort(&sorted)
        var tps = [0.0], fps = [0.0]
        tps.reserveCapacity(sorted.count + 1); fps.reserveCapacity(sorted.count + 1)
        var cumulative = 0.0
        for i in 0..<sorted.count {
            let p = sorted[sorted.count - 1 - i]
            cumulative += p
            tps.append(roundTo5(cumulative))
            fps.append(roundTo5(Double(i + 1) - cumulative))
        }
        guard let lastTP = tps.last, let lastFP = fps.last, lastTP > 0, lastFP > 0 else { return nil }
        var area = 0.0
        for i in 1..<tps.count {
            let dx = (fps[i] - fps[i - 1]) / lastFP
            area += dx * (tps[i] + tps[i - 1]) / lastTP / 2
        }
        return area
    }

    /// `np.round(x, 5)`: scale, round half to even, unscale.
    static func roundTo5(_ x: Double) -> Double {
        (x * 100_000).rounded(.toNearestOrEven) / 100_000
    }
}
