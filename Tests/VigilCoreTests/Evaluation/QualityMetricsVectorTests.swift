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
        #expect(evalClose(q.accuracy, evalDouble(expected["accuracy"])), "accuracy \(q.accuracy)")
        for (label, raw) in expected["per_class"] as! [String: [String: Any]] {
            let got = q.perClass[label]!
            #expect(evalClose(got.precision, evalDouble(raw["precision"])), "\(label) precision")
            #expect(evalClose(got.recall, evalDouble(raw["recall"])), "\(label) recall")
            #expect(evalClose(got.f1, evalDouble(raw["f1"])), "\(label) f1")
            #expect(got.support == raw["support"] as! Int)
        }
        for (avg, scores) in [("macro", q.macro), ("weighted", q.weighted)] {
            let raw = expected[avg] as! [String: Any]
            #expect(evalClose(scores.precision, evalDouble(raw["precision"])), "\(avg) precision \(scores.precision)")
            #expect(evalClose(scores.recall, evalDouble(raw["recall"])), "\(avg) recall")
            #expect(evalClose(scores.f1, evalDouble(raw["f1"])), "\(avg) f1 \(scores.f1)")
        }
        if let binary = expected["binary"] as? [String: Any] {
            let p = q.positive!
            #expect(evalClose(p.precision, evalDouble(binary["precision"])))
            #expect(evalClose(p.recall, evalDouble(binary["recall"])))
            #expect(evalClose(p.f1, evalDouble(binary["f1"])))
        }
    }

    @Test(arguments: binaryCases)
    func probabilisticBinary(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let actual = (c["actual"] as! [String]).map { $0 == "1" }
        let scores = evalDoubles(c["scores"])
        let auc = ProbabilisticMetrics.rocAUC(actual: actual, scores: scores)
        #expect(auc.map { evalClose($0, evalDouble(expected["roc_auc"])) } == true, "roc auc \(String(describing: auc))")
        let logLoss = ProbabilisticMetrics.logLoss(actual: actual, scores: scores)
        #expect(evalClose(logLoss, evalDouble(expected["log_loss"])), "log loss \(logLoss)")
        let brier = ProbabilisticMetrics.brierScore(actual: actual, scores: scores)
        #expect(evalClose(brier, evalDouble(expected["brier"])), "brier \(brier)")
        let ece = ProbabilisticMetrics.expectedCalibrationError(actual: actual, scores: scores)
        #expect(evalClose(ece, evalDouble(expected["ece"])), "ece \(ece)")
    }

    @Test(arguments: multiclassCases)
    func probabilisticMulticlass(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let actual = c["actual_index"] as! [Int]
        let probabilities = (c["probabilities"] as! [Any]).map(evalDoubles)
        let logLoss = ProbabilisticMetrics.logLoss(actual: actual, probabilities: probabilities)
        #expect(evalClose(logLoss, evalDouble(expected["log_loss"])), "log loss \(logLoss)")
        let auc = ProbabilisticMetrics.rocAUCOneVsRest(actual: actual, probabilities: probabilities)
        #expect(auc.map { evalClose($0, evalDouble(expected["roc_auc_ovr_macro"])) } == true)
    }

    @Test(arguments: regressionCases)
    func regression(name: String) {
        let c = EvalVectors.qualityCase(name)
        let expected = c["expected"] as! [String: Any]
        let q = RegressionQuality(actual: evalDoubles(c["actual"]), predicted: evalDoubles(c["predicted"]))
        #expect(evalClose(q.mae, evalDouble(expected["mae"])), "mae \(q.mae)")
        #expect(evalClose(q.rmse, evalDouble(expected["rmse"])), "rmse \(q.rmse)")
        #expect(evalClose(q.mape, evalDouble(expected["mape"])), "mape \(q.mape)")
        #expect(evalClose(q.r2, evalDouble(expected["r2"]), relative: 1e-9), "r2 \(q.r2)")
    }
}

@Suite struct MulticlassScoreQualityTests {
    /// Class-name keyed probabilities give scikit-learn's figures (vectors of the multiclass cases).
    @Test(arguments: QualityMetricsVectorTests.multiclassCases)
    func fromNamedProbabilities(name: String) {
        let c = EvalVectors.qualityCase(name)
        let classes = c["classes"] as! [String]
        let rows = (c["probabilities"] as! [Any]).map(evalDoubles)
        let named = rows.map { row in Dictionary(uniqueKeysWithValues: zip(classes, row)) }
        let q = MulticlassScoreQuality(actual: c["actual"] as! [String], probabilities: named)
        let expected = c["expected"] as! [String: Any]
        #expect(evalClose(q.logLoss, evalDouble(expected["log_loss"])))
        #expect(q.rocAUCOneVsRest.map { evalClose($0, evalDouble(expected["roc_auc_ovr_macro"])) } == true)
    }
}
