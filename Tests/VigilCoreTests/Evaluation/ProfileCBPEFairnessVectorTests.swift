import Testing
@testable import VigilCore

/// Profiles against NumPy, CBPE against NannyML's formulas, fairness against fairlearn 0.13.0.
@Suite struct ProfileCBPEFairnessVectorTests {
    static func cases(_ file: String) -> [[String: Any]] {
        guard let doc = try? EvalVectors.load(file), let cases = doc["cases"] as? [[String: Any]] else {
            fatalError("Vectors/eval/\(file) is missing or malformed")
        }
        return cases
    }

    static let profileNames = cases("profile.json").map { $0["name"] as! String }
    static let cbpeNames = cases("cbpe.json").map { $0["name"] as! String }
    static let fairnessNames = cases("fairness.json").map { $0["name"] as! String }

    static func named(_ file: String, _ name: String) -> [String: Any] {
        cases(file).first { $0["name"] as? String == name }!
    }

    @Test(arguments: profileNames)
    func numericProfileMatchesNumPy(name: String) {
        let c = Self.named("profile.json", name)
        let values = evalDoubles(c["values"])
        let p = NumericProfile(values: values + [.nan], bins: c["bins"] as! Int)
        let edges = evalDoubles(c["edges"])
        #expect(p.binEdges.count == edges.count)
        for (a, b) in zip(p.binEdges, edges) { #expect(evalClose(a, b), "edge \(a) vs \(b)") }
        #expect(p.binCounts == c["counts"] as! [Int])
        #expect(evalClose(p.mean, evalDouble(c["mean"])))
        #expect(evalClose(p.std, evalDouble(c["std"])))
        #expect(p.min == evalDouble(c["min"]))
        #expect(p.max == evalDouble(c["max"]))
        #expect(p.missing == 1)
        #expect(p.count == values.count)
        #expect(p.sketch.count == min(values.count, NumericProfile.sketchSize))
    }

    @Test(arguments: cbpeNames)
    func cbpeMatchesNannyMLFormulas(name: String) {
        let c = Self.named("cbpe.json", name)
        let e = ConfidenceBasedPerformanceEstimation(scores: evalDoubles(c["scores"]), threshold: evalDouble(c["threshold"]))
        let expected = c["expected"] as! [String: Any]
        for (metric, value) in e.namedValues {
            #expect(evalClose(value, evalDouble(expected[metric])), "\(metric) \(value)")
        }
        #expect(evalClose(e.truePositives, evalDouble(expected["tp"])))
        #expect(evalClose(e.trueNegatives, evalDouble(expected["tn"])))
    }

    @Test(arguments: fairnessNames)
    func fairnessMatchesFairlearn(name: String) {
        let c = Self.named("fairness.json", name)
        let report = FairnessReport(segmentColumn: "group", segments: c["segments"] as! [String],
                                    task: .binaryClassification, actual: c["actual"] as! [String],
                                    predicted: c["predicted"] as! [String], scores: [])
        let expected = c["expected"] as! [String: Any]
        #expect(report.demographicParityDifference.map { evalClose($0, evalDouble(expected["demographic_parity_difference"])) } == true)
        #expect(report.equalOpportunityDifference.map { evalClose($0, evalDouble(expected["equal_opportunity_difference"])) } == true)
    }
}

@Suite struct ReferenceProfileTests {
    @Test func binIndexPutsOutliersInOuterBins() {
        let p = NumericProfile(values: [1, 2, 3, 4, 5], bins: 4)
        #expect(p.binEdges == [1, 2, 3, 4, 5])
        #expect(p.binIndex(of: -10) == 0)
        #expect(p.binIndex(of: 2) == 1)
        #expect(p.binIndex(of: 5) == 3)
        #expect(p.binIndex(of: 99) == 3)
        #expect(p.binCounts(of: [0, 2.5, 4.5, .nan]) == [1, 1, 0, 1])
    }

    @Test func constantColumnHasOneBin() {
        let p = NumericProfile(values: [7, 7, 7])
        #expect(p.binEdges == [7, 7])
        #expect(p.binCounts == [3])
        #expect(p.std == 0)
    }

    @Test func categoricalTopKAndOther() {
        let p = CategoricalProfile(values: ["a", "b", "a", "c", nil, "d", "a", "b"], topK: 2)
        #expect(p.categories.map(\.value) == ["a", "b"])
        #expect(p.otherCount == 2)
        #expect(p.missing == 1)
        #expect(p.counts(of: ["b", "z", nil, "a"]) == [1, 1, 1])
        #expect(p.referenceCounts == [3, 2, 2])
    }

    @Test func buildProfileWithQuality() throws {
        let data = Dataset(columns: [
            ("amount", .numeric([1, 2, 3, 4, .nan])),
            ("country", .categorical(["DE", "FR", "DE", nil, "DE"])),
            ("y", .numeric([1, 0, 1, 0, 1])),
            ("p", .numeric([1, 0, 0, 0, 1])),
            ("s", .numeric([0.9, 0.1, 0.4, 0.2, 0.8])),
        ])
        let roles = DatasetRoles(labelColumn: "y", predictionColumn: "p", scoreColumn: "s")
        let profile = ReferenceProfile.build(model: "m", dataset: data, roles: roles, bins: 2)
        #expect(profile.task == .binaryClassification)
        #expect(profile.features.map(\.name) == ["amount", "country"])
        #expect(profile.feature("amount")?.numeric?.missingRate == 0.2)
        #expect(profile.feature("country")?.categorical?.categories.first?.value == "DE")
        #expect(profile.quality?["accuracy"] == 0.8)
        #expect(profile.quality?["roc_auc"] == 1.0)
        #expect(profile.predictionClasses?.categories.map(\.value) == ["0", "1"])
        #expect(profile.score?.count == 5)
    }

    @Test func inferTask() {
        let reg = Dataset(columns: [("y", .numeric([1.5, 2])), ("p", .numeric([1, 2]))])
        #expect(ModelTask.infer(dataset: reg, roles: DatasetRoles(labelColumn: "y", predictionColumn: "p")) == .regression)
        let multi = Dataset(columns: [("y", .categorical(["a", "b"])), ("p", .categorical(["c", "a"]))])
        #expect(ModelTask.infer(dataset: multi, roles: DatasetRoles(labelColumn: "y", predictionColumn: "p")) == .multiclassClassification)
        #expect(ModelTask.infer(dataset: multi, roles: DatasetRoles()) == nil)
    }
}
