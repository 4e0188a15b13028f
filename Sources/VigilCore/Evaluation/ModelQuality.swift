/// What kind of model a data set or monitor describes.
public enum ModelTask: String, Sendable, Hashable, Codable, CaseIterable {
    case binaryClassification = "binary_classification"
    case multiclassClassification = "multiclass_classification"
    case regression

    public var isClassification: Bool { self != .regression }
}

/// Probability-based figures of a binary classifier.
public struct ScoreQuality: Sendable, Hashable, Codable {
    /// `nil` when the labels hold one class only.
    public var rocAUC: Double?
    public var logLoss: Double
    public var brier: Double
    /// Over 10 equal-width bins (see ``ProbabilisticMetrics/expectedCalibrationError(actual:scores:bins:)``).
    public var expectedCalibrationError: Double

    public init(actual: [Bool], scores: [Double]) {
        rocAUC = ProbabilisticMetrics.rocAUC(actual: actual, scores: scores)
        logLoss = ProbabilisticMetrics.logLoss(actual: actual, scores: scores)
        brier = ProbabilisticMetrics.brierScore(actual: actual, scores: scores)
        expectedCalibrationError = ProbabilisticMetrics.expectedCalibrationError(actual: actual, scores: scores)
    }
}

/// Probability-based figures of a multiclass classifier.
public struct MulticlassScoreQuality: Sendable, Hashable, Codable {
    public var logLoss: Double
    /// One-vs-rest macro ROC AUC; `nil` when a class has no positive or no negative sample.
    public var rocAUCOneVsRest: Double?

    /// `probabilities[i]` maps class names to the probability given to each for sample `i`; a class missing
    /// from a sample's map has probability 0 (clipped as log loss clips).
    public init(actual: [String], probabilities: [[String: Double]]) {
        var classes = Set(actual)
        for p in probabilities { classes.formUnion(p.keys) }
        let ordered = classes.sorted()
        var index: [String: Int] = [:]
        for (i, c) in ordered.enumerated() { index[c] = i }
        let matrix = probabilities.map { p in ordered.map { p[$0] ?? 0 } }
        let truth = actual.map { index[$0]! }
        logLoss = ProbabilisticMetrics.logLoss(actual: truth, probabilities: matrix)
        rocAUCOneVsRest = ProbabilisticMetrics.rocAUCOneVsRest(actual: truth, probabilities: matrix)
    }
}

/// Realised quality of a model on labelled data: classification, score and regression figures as apply.
///
/// ```swift
/// let q = ModelQuality(task: .binaryClassification, actual: ["1", "0"], predicted: ["1", "1"],
///                      scores: [0.9, 0.6], positiveClass: "1")
/// q.value("accuracy")   // 0.5
/// ```
public struct ModelQuality: Sendable, Hashable, Codable {
    public var task: ModelTask
    public var count: Int
    public var classification: ClassificationQuality?
    public var scores: ScoreQuality?
    public var multiclassScores: MulticlassScoreQuality?
    public var regression: RegressionQuality?

    /// Scores classification labels/predictions (as text) and, for binary tasks, positive-class scores.
    public init(task: ModelTask, actual: [String], predicted: [String], scores: [Double]? = nil,
                positiveClass: String = "1") {
        self.task = task
        count = actual.count
        switch task {
        case .regression:
            let a = actual.map { Double($0) ?? .nan }, p = predicted.map { Double($0) ?? .nan }
            var accumulator = RegressionAccumulator()
            for i in a.indices where !a[i].isNaN && !p[i].isNaN { accumulator.add(actual: a[i], predicted: p[i]) }
            regression = accumulator.quality
        case .binaryClassification, .multiclassClassification:
            classification = ClassificationQuality(actual: actual, predicted: predicted,
                                                   positiveClass: task == .binaryClassification ? positiveClass : nil)
            if task == .binaryClassification, let scores, scores.count == actual.count, !scores.isEmpty {
                self.scores = ScoreQuality(actual: actual.map { $0 == positiveClass }, scores: scores)
            }
        }
    }

    /// Regression quality from numbers.
    public init(actual: [Double], predicted: [Double]) {
        task = .regression
        count = actual.count
        regression = RegressionQuality(actual: actual, predicted: predicted)
    }

    /// Named figures in a stable order: the `metric` label of `vigil_model_quality` and the report's rows.
    public var namedValues: [(name: String, value: Double)] {
        var out: [(name: String, value: Double)] = []
        if let classification { out += classification.namedValues }
        if let scores {
            if let auc = scores.rocAUC { out.append(("roc_auc", auc)) }
            out += [("log_loss", scores.logLoss), ("brier", scores.brier), ("ece", scores.expectedCalibrationError)]
        }
        if let m = multiclassScores {
            out.append(("log_loss", m.logLoss))
            if let auc = m.rocAUCOneVsRest { out.append(("roc_auc_ovr", auc)) }
        }
        if let regression { out += regression.namedValues }
        return out
    }

    public func value(_ name: String) -> Double? {
        namedValues.first { $0.name == name }?.value
    }

    /// Whether a larger value of metric `name` is better (false for losses and errors).
    public static func higherIsBetter(_ name: String) -> Bool {
        !["log_loss", "brier", "ece", "mae", "rmse", "mape"].contains(name)
    }
}
