/// Metrics of predicted probabilities: ROC AUC, log loss, Brier score and expected calibration error.
///
/// Semantics follow scikit-learn 1.7: ROC AUC is the trapezoidal area under the ROC curve built from distinct
/// score thresholds (so tied scores count one half, as in `roc_auc_score`); log loss clips probabilities to
/// `[ε, 1−ε]` with ε = `Double.ulpOfOne` (NumPy's `finfo(float64).eps`); the Brier score is the mean squared
/// difference between the positive-class probability and the 0/1 outcome.
///
/// ```swift
/// ProbabilisticMetrics.rocAUC(actual: [false, true, true], scores: [0.1, 0.8, 0.4])   // 1.0
/// ```
public enum ProbabilisticMetrics {
    /// Machine epsilon of `Double`, scikit-learn's clipping bound for log loss.
    public static let logLossEpsilon = Double.ulpOfOne

    /// Binary ROC AUC; `nil` when `actual` holds only one class (the area is undefined).
    public static func rocAUC(actual: [Bool], scores: [Double]) -> Double? {
        precondition(actual.count == scores.count, "actual and scores differ in length")
        // Positives and negatives sorted separately (radix sort), then walked together from the highest score:
        // each distinct score is one point of the ROC curve, as scikit-learn's distinct thresholds.
        var positive: [Double] = [], negative: [Double] = []
        positive.reserveCapacity(scores.count); negative.reserveCapacity(scores.count)
        for i in scores.indices {
            if actual[i] { positive.append(scores[i]) } else { negative.append(scores[i]) }
        }
        guard !positive.isEmpty, !negative.isEmpty else { return nil }
        Sorting.sort(&positive)
        Sorting.sort(&negative)
        let positives = Double(positive.count), negatives = Double(negative.count)
        var i = positive.count - 1, j = negative.count - 1
        var tps = 0.0, fps = 0.0
        var area = 0.0
        var lastTPR = 0.0, lastFPR = 0.0
        while i >= 0 || j >= 0 {
            let value = max(i >= 0 ? positive[i] : -.infinity, j >= 0 ? negative[j] : -.infinity)
            while i >= 0, positive[i] == value { tps += 1; i -= 1 }
            while j >= 0, negative[j] == value { fps += 1; j -= 1 }
            let tpr = tps / positives, fpr = fps / negatives
            area += (fpr - lastFPR) * (tpr + lastTPR) / 2
            lastTPR = tpr; lastFPR = fpr
        }
        return area
    }

    /// One-vs-rest macro ROC AUC of a multiclass problem (scikit-learn's `multi_class="ovr"`,
    /// `average="macro"`). `probabilities[i][k]` is the probability of class `k` for sample `i`;
    /// `actual[i]` is the class index. `nil` when a class has no positive or no negative sample.
    public static func rocAUCOneVsRest(actual: [Int], probabilities: [[Double]]) -> Double? {
        guard let classes = probabilities.first?.count, classes > 0 else { return nil }
        var sum = 0.0
        for k in 0..<classes {
            let truth = actual.map { $0 == k }
            guard let auc = rocAUC(actual: truth, scores: probabilities.map { $0[k] }) else { return nil }
            sum += auc
        }
        return sum / Double(classes)
    }

    /// Binary log loss (natural logarithm), mean over samples. `scores` are positive-class probabilities.
    public static func logLoss(actual: [Bool], scores: [Double]) -> Double {
        precondition(actual.count == scores.count, "actual and scores differ in length")
        guard !actual.isEmpty else { return 0 }
        var total = 0.0
        for i in actual.indices { total += logLossTerm(actual: actual[i], score: scores[i]) }
        return total / Double(actual.count)
    }

    /// Multiclass log loss: `probabilities[i][actual[i]]` is the probability given to the true class.
    public static func logLoss(actual: [Int], probabilities: [[Double]]) -> Double {
        guard !actual.isEmpty else { return 0 }
        var total = 0.0
        for i in actual.indices {
            let p = min(max(probabilities[i][actual[i]], logLossEpsilon), 1 - logLossEpsilon)
            total -= p.evaluationLog
        }
        return total / Double(actual.count)
    }

    /// One sample's log-loss contribution; scikit-learn forms `1 − p` before clipping.
    @inlinable
    public static func logLossTerm(actual: Bool, score: Double) -> Double {
        let p = actual ? score : 1 - score
        return -min(max(p, logLossEpsilon), 1 - logLossEpsilon).evaluationLog
    }

    /// Binary Brier score: mean of `(score − outcome)²`.
    public static func brierScore(actual: [Bool], scores: [Double]) -> Double {
        precondition(actual.count == scores.count, "actual and scores differ in length")
        guard !actual.isEmpty else { return 0 }
        var total = 0.0
        for i in actual.indices {
            let d = scores[i] - (actual[i] ? 1 : 0)
            total += d * d
        }
        return total / Double(actual.count)
    }

    /// Expected calibration error of positive-class probabilities over `bins` equal-width bins of [0, 1]
    /// (default 10). Bin `b` holds scores in `[b/bins, (b+1)/bins)`, the last bin also holds 1.0; scores are
    /// clamped to [0, 1]. ECE = Σ (nᵦ/n)·|mean outcome in b − mean score in b| over non-empty bins.
    public static func expectedCalibrationError(actual: [Bool], scores: [Double], bins: Int = 10) -> Double {
        precondition(actual.count == scores.count, "actual and scores differ in length")
        precondition(bins > 0, "bins must be positive")
        guard !actual.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: bins)
        var positives = [Double](repeating: 0, count: bins)
        var scoreSums = [Double](repeating: 0, count: bins)
        for i in actual.indices {
            let s = min(max(scores[i], 0), 1)
            let b = calibrationBin(s, bins: bins)
            counts[b] += 1
            scoreSums[b] += s
            if actual[i] { positives[b] += 1 }
        }
        var ece = 0.0
        let n = Double(actual.count)
        for b in 0..<bins where counts[b] > 0 {
            let c = Double(counts[b])
            ece += c / n * abs(positives[b] / c - scoreSums[b] / c)
        }
        return ece
    }

    /// The equal-width bin of a probability in [0, 1].
    @inlinable
    public static func calibrationBin(_ score: Double, bins: Int) -> Int {
        min(Int(score * Double(bins)), bins - 1)
    }
}

