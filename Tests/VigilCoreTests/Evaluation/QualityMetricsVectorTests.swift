import Testing
@testable import VigilCore

/// Vigil's quality metrics against scikit-learn 1.7.2 (vectors in Vectors/eval/quality.json).
@Suite struct QualityMetricsVectorTests {
    static let classificationCases = EvalVectors.qualityCases().filter { ($0["kind"] as! String) != "regression" }
        .map { $0["name"] as! String }
    static let binaryCases = EvalVectors.qualityCases().filter { ($0["kind"] as! String) == "binary" }
        .map { $0["name"] as! String }
    static let multiclassCases = EvalVectors.qualityCases().filter { ($0["kind"] as! String) == "multiclass" }
        .map { $0["name"] as! String }
    static let regressionCases = EvalVectors.qualityCases().filter { ($0["kind"] as! String) == "regression" }
        .map { $0["name"] as! String }

    @Test func vectorsArePresent() {
        #expect(Self.binaryCases.count >= 4)
        #expect(Self.multiclassCases.count >= 2)
        #expect(Self.regressionCases.count >= 4)
    }

    @Test(arguments: classificationCases)
    func accuracyPrecisionRecallF1(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let q = ClassificationQuality(actual: c["actual"] as! [String], predicted: c["predicted"] as! [String],
                                      positiveClass: (c["kind"] as! String) == "binary" ? "1" : nil)
        #expect(closeEnough(q.accuracy, double(expected["accuracy"])), "accuracy \(q.accuracy)")
        for (label, raw) in expected["per_class"] as! [String: [String: Any]] {
            let got = q.perClass[label]!
            #expect(closeEnough(got.precision, double(raw["precision"])), "\(label) precision")
            #expect(closeEnough(got.recall, double(raw["recall"])), "\(label) recall")
            #expect(closeEnough(got.f1, double(raw["f1"])), "\(label) f1")
            #expect(got.support == raw["support"] as! Int)
        }
        for (avg, scores) in [("macro", q.macro), ("weighted", q.weighted)] {
            let raw = expected[avg] as! [String: Any]
            #expect(closeEnough(scores.precision, double(raw["precision"])), "\(avg) precision \(scores.precision)")
            #expect(closeEnough(scores.recall, double(raw["recall"])), "\(avg) recall")
            #expect(closeEnough(scores.f1, double(raw["f1"])), "\(avg) f1 \(scores.f1)")
        }
        if let binary = expected["binary"] as? [String: Any] {
            let p = q.positive!
            #expect(closeEnough(p.precision, double(binary["precision"])))
            #expect(closeEnough(p.recall, double(binary["recall"])))
            #expect(closeEnough(p.f1, double(binary["f1"])))
        }
    }

    @Test(arguments: binaryCases)
    func probabilisticBinary(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let actual = (c["actual"] as! [String]).map { $0 == "1" }
        let scores = doubles(c["scores"])
        let auc = ProbabilisticMetrics.rocAUC(actual: actual, scores: scores)
        #expect(auc.map { closeEnough($0, double(expected["roc_auc"])) } == true, "roc auc \(String(describing: auc))")
        let logLoss = ProbabilisticMetrics.logLoss(actual: actual, scores: scores)
        #expect(closeEnough(logLoss, double(expected["log_loss"])), "log loss \(logLoss)")
        let brier = ProbabilisticMetrics.brierScore(actual: actual, scores: scores)
        #expect(closeEnough(brier, double(expected["brier"])), "brier \(brier)")
        let ece = ProbabilisticMetrics.expectedCalibrationError(actual: actual, scores: scores)
        #expect(closeEnough(ece, double(expected["ece"])), "ece \(ece)")
    }

    @Test(arguments: multiclassCases)
    func probabilisticMulticlass(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let actual = c["actual_index"] as! [Int]
        let probabilities = (c["probabilities"] as! [Any]).map(doubles)
        let logLoss = ProbabilisticMetrics.logLoss(actual: actual, probabilities: probabilities)
        #expect(closeEnough(logLoss, double(expected["log_loss"])), "log loss \(logLoss)")
        let auc = ProbabilisticMetrics.rocAUCOneVsRest(actual: actual, probabilities: probabilities)
        #expect(auc.map { closeEnough($0, double(expected["roc_auc_ovr_macro"])) } == true)
    }

    @Test(arguments: regressionCases)
    func regression(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let q = RegressionQuality(actual: doubles(c["actual"]), predicted: doubles(c["predicted"]))
        #expect(closeEnough(q.mae, double(expected["mae"])), "mae \(q.mae)")
        #expect(closeEnough(q.rmse, double(expected["rmse"])), "rmse \(q.rmse)")
        #expect(closeEnough(q.mape, double(expected["mape"])), "mape \(q.mape)")
        #expect(closeEnough(q.r2, double(expected["r2"]), relative: 1e-9), "r2 \(q.r2)")
    }
}
