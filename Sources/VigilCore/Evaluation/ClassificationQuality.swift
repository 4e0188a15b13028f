/// Precision, recall, F1 and support of one class or one average.
public struct ClassScores: Sendable, Hashable, Codable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Actual observations of the class (for an average: of all classes).
    public var support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// Accuracy and per-class/macro/weighted precision, recall and F1 from a confusion matrix.
///
/// Semantics follow scikit-learn: a class never predicted has precision 0 (`zero_division=0`), a class never
/// observed has recall 0; F1 is 0 when precision + recall is 0; `weighted` weighs by actual support; classes
/// are the union of actual and predicted values. For a binary problem `positive` holds the scores of the
/// positive class (scikit-learn's `average="binary"`).
///
/// ```swift
/// let q = ClassificationQuality(matrix: matrix, positiveClass: "1")
/// q.accuracy; q.macro.f1; q.positive?.recall
/// ```
public struct ClassificationQuality: Sendable, Hashable, Codable {
    public var count: Int
    public var accuracy: Double
    /// Scores per class, keyed by class name.
    public var perClass: [String: ClassScores]
    public var macro: ClassScores
    public var weighted: ClassScores
    /// The positive class's name when one was given and seen.
    public var positiveClass: String?
    public var positive: ClassScores? { positiveClass.flatMap { perClass[$0] } }

    public init(matrix: ConfusionMatrix, positiveClass: String? = nil) {
        count = matrix.total
        accuracy = matrix.total == 0 ? 0 : Double(matrix.correct) / Double(matrix.total)
        var scores: [String: ClassScores] = [:]
        var macroP = 0.0, macroR = 0.0, macroF = 0.0
        var weightedP = 0.0, weightedR = 0.0, weightedF = 0.0
        for name in matrix.classes {
            let tp = Double(matrix.count(actual: name, predicted: name))
            let predicted = Double(matrix.predictedCount(name))
            let support = matrix.actualCount(name)
            let precision = predicted == 0 ? 0 : tp / predicted
            let recall = support == 0 ? 0 : tp / Double(support)
            // scikit-learn computes F1 from counts: 2TP / (2TP + FP + FN).
            let denominator = predicted + Double(support)
            let f1 = denominator == 0 ? 0 : 2 * tp / denominator
            scores[name] = ClassScores(precision: precision, recall: recall, f1: f1, support: support)
            macroP += precision; macroR += recall; macroF += f1
            weightedP += precision * Double(support)
            weightedR += recall * Double(support)
            weightedF += f1 * Double(support)
        }
        let k = Double(max(matrix.classes.count, 1))
        let n = Double(max(matrix.total, 1))
        perClass = scores
        macro = ClassScores(precision: macroP / k, recall: macroR / k, f1: macroF / k, support: matrix.total)
        weighted = ClassScores(precision: weightedP / n, recall: weightedR / n, f1: weightedF / n, support: matrix.total)
        if let positiveClass {
            self.positiveClass = positiveClass
            if scores[positiveClass] == nil {
                perClass[positiveClass] = ClassScores(precision: 0, recall: 0, f1: 0, support: 0)
            }
        }
    }

    /// Convenience: counts `actual`/`predicted` pairs, then scores them.
    public init(actual: [String], predicted: [String], positiveClass: String? = nil) {
        precondition(actual.count == predicted.count, "actual and predicted differ in length")
        var matrix = ConfusionMatrix()
        for i in actual.indices { matrix.add(actual: actual[i], predicted: predicted[i]) }
        self.init(matrix: matrix, positiveClass: positiveClass)
    }

    /// Named figures in a stable order, as exported to `vigil_model_quality{metric}` and reports.
    /// Binary problems report the positive class's precision/recall/F1 as `precision`, `recall`, `f1`.
    public var namedValues: [(name: String, value: Double)] {
        var out: [(String, Double)] = [("accuracy", accuracy)]
        if let p = positive {
            out += [("precision", p.precision), ("recall", p.recall), ("f1", p.f1)]
        }
        out += [("precision_macro", macro.precision), ("recall_macro", macro.recall), ("f1_macro", macro.f1),
                ("precision_weighted", weighted.precision), ("recall_weighted", weighted.recall),
                ("f1_weighted", weighted.f1)]
        return out
    }
}
