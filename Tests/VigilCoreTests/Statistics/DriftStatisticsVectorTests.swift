import Foundation
import Testing
import VigilCore

/// Wasserstein-1, Jensen–Shannon, chi-square contingency, the incomplete gamma function and PSI against
/// SciPy 1.17.1 / NumPy (vectors from `make_drift_vectors.py`), within 1e-9 relative.
@Suite struct DriftStatisticsVectorTests {
    struct WassersteinCase: Decodable, Sendable {
        var u: [Double]; var v: [Double]; var u_weights: [Double]?; var v_weights: [Double]?; var distance: Double
    }
    struct JSCase: Decodable, Sendable { var p: [Double]; var q: [Double]; var distance_e: Double; var distance_2: Double }
    struct ChiCase: Decodable, Sendable {
        var table: [[Double]]; var correction: Bool; var statistic: Double; var pvalue: Double; var dof: Int
    }
    struct GammaCase: Decodable, Sendable { var a: Double; var x: Double; var q: Double }
    struct PSICase: Decodable, Sendable { var reference: [Double]; var current: [Double]; var bins: Int; var psi: Double }
    struct File: Decodable, Sendable {
        var wasserstein: [WassersteinCase]
        var jensenshannon: [JSCase]
        var chi2_contingency: [ChiCase]
        var gammaincc: [GammaCase]
        var psi: [PSICase]
    }

    static let file: File = {
        do { return try DriftVectors.load(File.self, "stats", "statistics") } catch { fatalError("stats vectors: \(error)") }
    }()

    @Test func wassersteinMatchesScipy() {
        for c in Self.file.wasserstein {
            let d = Wasserstein.distance(c.u, c.v, uWeights: c.u_weights, vWeights: c.v_weights)
            #expect(StatisticsAssert.close(d, c.distance), "\(d) vs \(c.distance) (n=\(c.u.count), weighted \(c.u_weights != nil))")
        }
    }

    @Test func jensenShannonMatchesScipy() {
        for c in Self.file.jensenshannon {
            let e = JensenShannon.distance(c.p, c.q)
            let two = JensenShannon.distance(c.p, c.q, base: 2)
            #expect(StatisticsAssert.close(e, c.distance_e, absolute: 1e-15), "\(e) vs \(c.distance_e)")
            #expect(StatisticsAssert.close(two, c.distance_2, absolute: 1e-15), "\(two) vs \(c.distance_2)")
        }
    }

    @Test func chiSquareContingencyMatchesScipy() {
        for c in Self.file.chi2_contingency {
            let r = ChiSquare.contingency(c.table, correction: c.correction)
            #expect(r.degreesOfFreedom == c.dof)
            #expect(StatisticsAssert.close(r.statistic, c.statistic, absolute: 1e-12), "\(c.table): \(r.statistic) vs \(c.statistic)")
            #expect(StatisticsAssert.close(r.pValue, c.pvalue), "\(c.table) \(c.correction): \(r.pValue) vs \(c.pvalue)")
        }
    }

    @Test func upperIncompleteGammaMatchesScipy() {
        var failures: [String] = []
        for c in Self.file.gammaincc {
            let q = IncompleteGamma.upperRegularized(c.a, c.x)
            if !StatisticsAssert.close(q, c.q) { failures.append("Q(\(c.a), \(c.x)) = \(q) vs \(c.q)") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func psiOnReferenceQuantileBins() {
        for c in Self.file.psi {
            let psi = PopulationStabilityIndex.index(reference: c.reference, current: c.current, bins: c.bins)
            #expect(StatisticsAssert.close(psi, c.psi), "\(psi) vs \(c.psi)")
        }
    }

    @Test func psiUsesTheEmptyBinProportion() {
        // Reference bin 2 is empty: its proportion becomes 0.0001.
        let psi = PopulationStabilityIndex.index(referenceCounts: [50, 50, 0], currentCounts: [40, 40, 20])
        let expected = (0.5 - 0.4) * Foundation.log(0.5 / 0.4) * 2 + (0.0001 - 0.2) * Foundation.log(0.0001 / 0.2)
        #expect(StatisticsAssert.close(psi, expected))
        #expect(PopulationStabilityIndex.index(referenceCounts: [3, 7], currentCounts: [30, 70]) == 0)
    }

    @Test func categoricalChiSquareDropsCategoriesEmptyOnBothSides() {
        let withEmpty = ChiSquare.test(referenceCounts: [10, 0, 20], currentCounts: [30, 0, 40])
        let without = ChiSquare.contingency([[10, 20], [30, 40]])
        #expect(withEmpty == without)
        #expect(ChiSquare.test(referenceCounts: [5, 0], currentCounts: [9, 0]).pValue == 1)
        #expect(ChiSquare.test(referenceCounts: [5, 3], currentCounts: [0, 0]).pValue == 1)
    }

    @Test func normalizedWassersteinDividesByPopulationStd() {
        let reference = [0.0, 2.0]   // population std 1
        #expect(Wasserstein.normalized(reference: reference, current: [1.0, 3.0]) == 1.0)
    }
}
