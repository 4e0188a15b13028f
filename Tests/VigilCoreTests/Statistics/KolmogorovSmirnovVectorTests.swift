import Testing
import VigilCore

/// `KolmogorovSmirnov.twoSample` and `KolmogorovDistribution.survival` against SciPy 1.17.1's
/// `ks_2samp(method="auto")` and `kstwo.sf`, within 1e-9 relative.
@Suite struct KolmogorovSmirnovVectorTests {
    struct Case: Decodable, Sendable {
        var label: String
        var a: [Double]
        var b: [Double]
        var statistic: Double
        var pvalue: Double
    }
    struct KsTwo: Decodable, Sendable { var n: Int; var d: Double; var sf: Double }
    struct File: Decodable, Sendable { var cases: [Case]; var kstwo_sf: [KsTwo] }

    static let file: File = {
        do { return try DriftVectors.load(File.self, "stats", "ks_2samp") } catch { fatalError("ks vectors: \(error)") }
    }()

    static var labels: [String] { file.cases.map(\.label) }

    @Test(arguments: labels)
    func matchesScipy(_ label: String) {
        let c = Self.file.cases.first { $0.label == label }!
        let r = KolmogorovSmirnov.twoSample(c.a, c.b)
        #expect(StatisticsAssert.close(r.statistic, c.statistic), "statistic \(r.statistic) vs \(c.statistic)")
        #expect(StatisticsAssert.close(r.pValue, c.pvalue), "p \(r.pValue) vs \(c.pvalue) (\(r.method))")
        // Swapping the samples changes neither number.
        let s = KolmogorovSmirnov.twoSample(c.b, c.a)
        #expect(StatisticsAssert.close(s.pValue, c.pvalue))
        let large = max(c.a.count, c.b.count) > KolmogorovSmirnov.maxExactSize
        #expect(r.method == (large ? .asymptotic : .exact))
    }

    @Test func kstwoSurvivalMatchesScipy() {
        var failures: [String] = []
        for v in Self.file.kstwo_sf {
            let p = KolmogorovDistribution.survival(n: v.n, d: v.d)
            if !StatisticsAssert.close(p, v.sf) { failures.append("n=\(v.n) d=\(v.d): \(p) vs \(v.sf)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(Self.file.kstwo_sf.count): \(failures.prefix(20))")
    }

    @Test func nanPropagatesInsteadOfHanging() {
        let r = KolmogorovSmirnov.twoSample([1, .nan, 3], [2, 4])
        #expect(r.statistic.isNaN && r.pValue.isNaN)
    }

    @Test func largeSamplesUseTheFastSortAndStayExactlyTheSame() {
        // 5,000 values go through the radix sort; the result must equal the one on pre-sorted input.
        var g = PythonRandom(seed: 9)
        let a = (0..<5000).map { _ in Double(g.getrandbits(20)) - 524_288 }
        let b = (0..<4000).map { _ in Double(g.getrandbits(20)) / 3 - 170_000 }
        let sortedA = a.sorted(), sortedB = b.sorted()
        let direct = sortedA.withUnsafeBufferPointer { x in
            sortedB.withUnsafeBufferPointer { y in KolmogorovSmirnov.twoSample(sorted: x, sorted: y) }
        }
        #expect(KolmogorovSmirnov.twoSample(a, b) == direct)
    }

    @Test func knownSmallCase() {
        let r = KolmogorovSmirnov.twoSample([1, 2, 3, 4], [10, 11, 12])
        #expect(r.statistic == 1)
        #expect(StatisticsAssert.close(r.pValue, 0.05714285714285715))
    }
}

enum StatisticsAssert {
    /// Equal within `relative` (1e-9 by default), or both below `absolute` (tiny tails).
    static func close(_ a: Double, _ b: Double, relative: Double = 1e-9, absolute: Double = 1e-300) -> Bool {
        if a == b { return true }
        if a.isNaN || b.isNaN { return false }
        return abs(a - b) <= max(relative * max(abs(a), abs(b)), absolute)
    }
}
