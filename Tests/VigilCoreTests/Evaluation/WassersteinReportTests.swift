import Foundation
import Testing
@testable import VigilCore

/// `vigil evaluate`'s `wasserstein` test names its statistic (the normalised distance) and also reports the raw
/// Wasserstein-1 distance with SciPy's `scipy.stats.wasserstein_distance` semantics (the committed SciPy vectors).
@Suite struct WassersteinReportTests {
    static func wassersteinTest(reference: [Double], current: [Double]) throws -> DriftTestResult {
        let feature = EvaluationReportBuilder.numericFeature(
            name: "x", reference: reference, current: current,
            options: EvaluationOptions(roles: DatasetRoles(), methods: [FeatureDriftMethods.wasserstein]))
        return try #require(feature.tests.first { $0.method == "wasserstein" })
    }

    @Test func rawDistanceIsScipysAndTheStatisticIsItNormalised() throws {
        let unweighted = DriftStatisticsVectorTests.file.wasserstein.filter { $0.u_weights == nil && $0.v_weights == nil }
        #expect(unweighted.count >= 3)
        for c in unweighted where Set(c.u).count > 1 {
            let test = try Self.wassersteinTest(reference: c.u, current: c.v)
            let raw = try #require(test.wassersteinDistance)
            #expect(StatisticsAssert.close(raw, c.distance), "raw \(raw) vs SciPy \(c.distance) (n=\(c.u.count))")
            #expect(test.statisticName == "normalized_wasserstein_distance")
            let std = Wasserstein.populationStandardDeviation(c.u)
            #expect(StatisticsAssert.close(test.statistic, c.distance / std), "statistic \(test.statistic) vs \(c.distance / std)")
        }
    }

    @Test func constantReferenceReportsThePlainDistanceUnderItsOwnName() throws {
        // SciPy: wasserstein_distance([2, 2, 2], [1, 3, 5]) == (1 + 1 + 3) / 3.
        let test = try Self.wassersteinTest(reference: [2, 2, 2], current: [1, 3, 5])
        #expect(test.statisticName == "wasserstein_distance")
        #expect(StatisticsAssert.close(try #require(test.wassersteinDistance), 5.0 / 3.0))
        #expect(test.statistic == test.wassersteinDistance)
    }

    @Test func jsonNamesEveryStatisticAndCarriesTheRawDistance() throws {
        let json = EvaluationReportRenderer.json(try EvaluationReportTests.exampleReport())
        for name in ["ks_statistic", "chi2_statistic", "population_stability_index", "normalized_wasserstein_distance",
                     "jensen_shannon_distance"] {
            #expect(json.contains("\"statistic_name\" : \"\(name)\""), "no \(name) in the JSON")
        }
        #expect(json.contains("\"wasserstein_distance\" : "))
        let report = try EvaluationReportTests.exampleReport()
        for feature in report.features {
            for test in feature.tests {
                #expect((test.wassersteinDistance != nil) == (test.method == "wasserstein"), "\(feature.name) \(test.method)")
            }
        }
    }
}
