import Foundation
import Testing
import VigilCore

/// Experiment statistics against SciPy 1.17.1 / statsmodels 0.15.0 and, for the mSPRT and the lift, against the
/// published closed forms evaluated in 60-digit mpmath (vectors from `Vectors/experiments/make_vectors.py`),
/// within 1e-9 relative.
@Suite struct ExperimentVectorTests {
    struct SRMCase: Decodable, Sendable { var counts: [Int]; var weights: [Double]; var statistic: Double; var pvalue: Double }
    struct NormalPPF: Decodable, Sendable { var p: Double; var x: Double }
    struct NormalSF: Decodable, Sendable { var x: Double; var sf: Double; var cdf: Double }
    struct Normal: Decodable, Sendable { var ppf: [NormalPPF]; var sf: [NormalSF] }
    struct TSF: Decodable, Sendable { var x: Double; var df: Double; var sf: Double }
    struct TPPF: Decodable, Sendable { var p: Double; var df: Double; var x: Double }
    struct T: Decodable, Sendable { var sf: [TSF]; var ppf: [TPPF] }
    struct TwoProp: Decodable, Sendable {
        var control: [Int]; var treatment: [Int]; var alternative: String; var alpha: Double
        var difference: Double; var pvalue: Double; var lower: Double?; var upper: Double?
    }
    struct WelchSample: Decodable, Sendable { var control: [Double]; var treatment: [Double] }
    struct WelchCase: Decodable, Sendable {
        var sample: Int; var alternative: String; var alpha: Double; var difference: Double; var pvalue: Double
        var df: Double; var lower: Double?; var upper: Double?
        var control_mean: Double; var control_variance: Double; var treatment_mean: Double; var treatment_variance: Double
    }
    struct Welch: Decodable, Sendable { var samples: [WelchSample]; var cases: [WelchCase] }
    struct MSPRT: Decodable, Sendable {
        var label: String; var kind: String; var control: [Double]; var treatment: [Double]; var alternative: String
        var alpha: Double; var mixing_variance: Double?; var tuning_sample_size: Double?; var null_difference: Double
        var difference: Double; var pvalue: Double; var lower: Double?; var upper: Double?
    }
    struct Lift: Decodable, Sendable {
        var kind: String; var control: [Double]; var treatment: [Double]; var alpha: Double
        var estimate: Double; var lower: Double; var upper: Double
    }
    struct SampleSize: Decodable, Sendable {
        var control: Double; var treatment: Double; var alternative: String; var alpha: Double; var power: Double; var n: Double
    }
    struct File: Decodable, Sendable {
        var srm: [SRMCase]; var normal: Normal; var t: T; var two_prop_z: [TwoProp]; var welch: Welch
        var msprt: [MSPRT]; var lift: [Lift]; var sample_size: [SampleSize]
    }

    static let file: File = {
        do { return try DriftVectors.load(File.self, "experiments", "experiments") } catch {
            fatalError("experiment vectors: \(error)")
        }
    }()

    /// An arm from the JSON: [successes, trials]-style or [n, mean, variance].
    static func arm(_ kind: String, _ values: [Double]) -> ArmStatistics {
        if kind == "proportion" { return .proportion(successes: Int(values[1]), trials: Int(values[0])) }
        return ArmStatistics(count: Int(values[0]), mean: values[1], variance: values[2])
    }

    static func alternative(_ s: String) -> Alternative { Alternative(rawValue: s)! }

    /// Interval bound: JSON null stands for the infinite side of a one-sided interval.
    static func bound(_ actual: Double, _ expected: Double?, infinite: Double) -> Bool {
        guard let expected else { return actual == infinite }
        return StatisticsAssert.close(actual, expected, absolute: 1e-15)
    }

    @Test func sampleRatioMismatchMatchesScipyChisquare() {
        #expect(Self.file.srm.count == 15)
        for c in Self.file.srm {
            let r = SampleRatioMismatch.test(counts: c.counts, weights: c.weights)
            #expect(StatisticsAssert.close(r.statistic, c.statistic, absolute: 1e-12), "\(c.counts): \(r.statistic) vs \(c.statistic)")
            #expect(StatisticsAssert.close(r.pValue, c.pvalue), "\(c.counts): \(r.pValue) vs \(c.pvalue)")
        }
    }

    @Test func normalDistributionMatchesScipy() {
        for c in Self.file.normal.ppf {
            let x = NormalDistribution.quantile(c.p)
            #expect(StatisticsAssert.close(x, c.x, relative: 1e-12, absolute: 1e-15), "ppf(\(c.p)) = \(x) vs \(c.x)")
        }
        for c in Self.file.normal.sf {
            #expect(StatisticsAssert.close(NormalDistribution.survival(c.x), c.sf, relative: 1e-12), "sf(\(c.x))")
            #expect(StatisticsAssert.close(NormalDistribution.cdf(c.x), c.cdf, relative: 1e-12), "cdf(\(c.x))")
        }
    }

    @Test func studentTMatchesScipy() {
        var failures: [String] = []
        for c in Self.file.t.sf {
            let sf = StudentT.survival(c.x, degreesOfFreedom: c.df)
            if !StatisticsAssert.close(sf, c.sf) { failures.append("sf(\(c.x), \(c.df)) = \(sf) vs \(c.sf)") }
        }
        for c in Self.file.t.ppf {
            let x = StudentT.quantile(c.p, degreesOfFreedom: c.df)
            if !StatisticsAssert.close(x, c.x) { failures.append("ppf(\(c.p), \(c.df)) = \(x) vs \(c.x)") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func twoProportionZMatchesStatsmodels() {
        #expect(Self.file.two_prop_z.count == 60)
        for c in Self.file.two_prop_z {
            let control = ArmStatistics.proportion(successes: c.control[0], trials: c.control[1])
            let treatment = ArmStatistics.proportion(successes: c.treatment[0], trials: c.treatment[1])
            let r = FixedHorizonTest.twoProportionZ(control: control, treatment: treatment, alpha: c.alpha,
                                                    alternative: Self.alternative(c.alternative))
            let what = "\(c.control) vs \(c.treatment) \(c.alternative) α=\(c.alpha)"
            #expect(StatisticsAssert.close(r.difference, c.difference, absolute: 1e-15), "\(what)")
            #expect(StatisticsAssert.close(r.pValue, c.pvalue), "\(what): p \(r.pValue) vs \(c.pvalue)")
            #expect(Self.bound(r.lower, c.lower, infinite: -.infinity), "\(what): lower \(r.lower) vs \(String(describing: c.lower))")
            #expect(Self.bound(r.upper, c.upper, infinite: .infinity), "\(what): upper \(r.upper) vs \(String(describing: c.upper))")
        }
    }

    @Test func welchMatchesScipyTtestInd() {
        #expect(Self.file.welch.cases.count == 42)
        for c in Self.file.welch.cases {
            let sample = Self.file.welch.samples[c.sample]
            let control = ArmStatistics(values: sample.control)
            let treatment = ArmStatistics(values: sample.treatment)
            let what = "sample \(c.sample) \(c.alternative) α=\(c.alpha)"
            // Welford against NumPy's two-pass mean and variance.
            #expect(control.count == sample.control.count && treatment.count == sample.treatment.count)
            #expect(StatisticsAssert.close(control.mean, c.control_mean, relative: 1e-12), "\(what)")
            #expect(StatisticsAssert.close(control.variance, c.control_variance, relative: 1e-12), "\(what)")
            #expect(StatisticsAssert.close(treatment.mean, c.treatment_mean, relative: 1e-12), "\(what)")
            #expect(StatisticsAssert.close(treatment.variance, c.treatment_variance, relative: 1e-12), "\(what)")
            let df = FixedHorizonTest.welchDegreesOfFreedom(control: control, treatment: treatment)
            #expect(StatisticsAssert.close(df, c.df), "\(what): df \(df) vs \(c.df)")
            let r = FixedHorizonTest.welch(control: control, treatment: treatment, alpha: c.alpha,
                                           alternative: Self.alternative(c.alternative))
            #expect(StatisticsAssert.close(r.difference, c.difference, relative: 1e-12, absolute: 1e-12), "\(what)")
            #expect(StatisticsAssert.close(r.pValue, c.pvalue), "\(what): p \(r.pValue) vs \(c.pvalue)")
            #expect(Self.bound(r.lower, c.lower, infinite: -.infinity), "\(what): lower \(r.lower) vs \(String(describing: c.lower))")
            #expect(Self.bound(r.upper, c.upper, infinite: .infinity), "\(what): upper \(r.upper) vs \(String(describing: c.upper))")
        }
    }

    @Test func sequentialTestMatchesClosedFormReference() {
        #expect(Self.file.msprt.count == 180)
        for c in Self.file.msprt {
            let control = Self.arm(c.kind, c.control)
            let treatment = Self.arm(c.kind, c.treatment)
            let alternative = Self.alternative(c.alternative)
            let r: ArmComparison
            if c.null_difference != 0 {
                r = SequentialTest.compare(control: control, treatment: treatment, alpha: c.alpha, alternative: alternative,
                                           nullDifference: c.null_difference, mixingVariance: c.mixing_variance,
                                           tuningSampleSize: c.tuning_sample_size ?? SequentialTest.defaultTuningSampleSize)
            } else if let tau2 = c.mixing_variance {
                r = SequentialTest.compare(control: control, treatment: treatment, alpha: c.alpha,
                                           alternative: alternative, mixingVariance: tau2)
            } else if c.tuning_sample_size == SequentialTest.defaultTuningSampleSize {
                r = SequentialTest.compare(control: control, treatment: treatment, alpha: c.alpha, alternative: alternative)
            } else {
                r = SequentialTest.compare(control: control, treatment: treatment, alpha: c.alpha,
                                           alternative: alternative, tuningSampleSize: c.tuning_sample_size!)
            }
            let what = "\(c.label) δ₀=\(c.null_difference) \(c.alternative) α=\(c.alpha) τ²=\(String(describing: c.mixing_variance)) N*=\(String(describing: c.tuning_sample_size))"
            #expect(StatisticsAssert.close(r.difference, c.difference, absolute: 1e-15), "\(what)")
            #expect(StatisticsAssert.close(r.pValue, c.pvalue, absolute: 1e-300), "\(what): p \(r.pValue) vs \(c.pvalue)")
            #expect(Self.bound(r.lower, c.lower, infinite: -.infinity), "\(what): lower \(r.lower) vs \(String(describing: c.lower))")
            #expect(Self.bound(r.upper, c.upper, infinite: .infinity), "\(what): upper \(r.upper) vs \(String(describing: c.upper))")
        }
    }

    @Test func relativeLiftMatchesDeltaMethod() {
        for c in Self.file.lift {
            let lift = RelativeLift.estimate(control: Self.arm(c.kind, c.control), treatment: Self.arm(c.kind, c.treatment),
                                             alpha: c.alpha)
            let what = "\(c.control) vs \(c.treatment) α=\(c.alpha)"
            #expect(lift != nil, "\(what)")
            guard let lift else { continue }
            #expect(StatisticsAssert.close(lift.estimate, c.estimate, absolute: 1e-14), "\(what): \(lift.estimate) vs \(c.estimate)")
            #expect(StatisticsAssert.close(lift.lower, c.lower), "\(what): \(lift.lower) vs \(c.lower)")
            #expect(StatisticsAssert.close(lift.upper, c.upper), "\(what): \(lift.upper) vs \(c.upper)")
        }
    }

    @Test func requiredSampleSizeMatchesStatsmodels() {
        for c in Self.file.sample_size {
            let n = FixedHorizonTest.requiredSampleSizeExact(control: c.control, treatment: c.treatment, alpha: c.alpha,
                                                             power: c.power, alternative: Self.alternative(c.alternative))
            #expect(StatisticsAssert.close(n, c.n), "\(c.control)→\(c.treatment) \(c.alternative): \(n) vs \(c.n)")
            let whole = FixedHorizonTest.requiredSampleSize(control: c.control, treatment: c.treatment, alpha: c.alpha,
                                                            power: c.power, alternative: Self.alternative(c.alternative))
            #expect(whole == Int(c.n.rounded(.up)))
        }
    }
}
