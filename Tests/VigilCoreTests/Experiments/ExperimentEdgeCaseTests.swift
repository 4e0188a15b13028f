import Testing
import VigilCore

/// What every test returns when there is not enough data, and the arm summaries' own arithmetic.
@Suite struct ExperimentEdgeCaseTests {
    /// (label, control, treatment): each has an arm below two observations, or zero variance on both sides.
    static let noEvidence: [(String, ArmStatistics, ArmStatistics)] = [
        ("both empty", .empty, .empty),
        ("control empty", .empty, .proportion(successes: 3, trials: 10)),
        ("treatment empty", ArmStatistics(values: [1, 2, 3]), .empty),
        ("n = 1 each", ArmStatistics(values: [5]), ArmStatistics(values: [9])),
        ("n = 1 treatment", ArmStatistics(values: [1, 2, 3, 4]), .proportion(successes: 1, trials: 1)),
        ("no errors yet on either side", .proportion(successes: 0, trials: 500), .proportion(successes: 0, trials: 480)),
        ("constant values", ArmStatistics(values: [3, 3, 3]), ArmStatistics(values: [4, 4])),
        ("all successes and all failures", .proportion(successes: 100, trials: 100), .proportion(successes: 0, trials: 100)),
        ("non-finite mean", ArmStatistics(count: 10, mean: .nan, variance: 1), ArmStatistics(count: 10, mean: 1, variance: 1)),
        ("infinite variance", ArmStatistics(count: 10, mean: 0, variance: .infinity), ArmStatistics(count: 10, mean: 1, variance: 1)),
    ]

    @Test(arguments: noEvidence.indices, Alternative.allCases)
    func sequentialAndWelchGiveNoEvidence(index: Int, alternative: Alternative) {
        let (label, control, treatment) = Self.noEvidence[index]
        let results = [
            SequentialTest.compare(control: control, treatment: treatment, alpha: 0.05, alternative: alternative),
            SequentialTest.compare(control: control, treatment: treatment, alpha: 0.05, alternative: alternative,
                                   mixingVariance: 0.01),
            FixedHorizonTest.welch(control: control, treatment: treatment, alpha: 0.05, alternative: alternative),
        ]
        for r in results {
            #expect(r.pValue == 1, "\(label)")
            #expect(r.lower == -.infinity && r.upper == .infinity, "\(label)")
            #expect(!r.difference.isNaN && !r.rejectsNull, "\(label)")
        }
    }

    @Test(arguments: Alternative.allCases)
    func twoProportionZWithoutEvidence(alternative: Alternative) {
        for (control, treatment) in [(ArmStatistics.empty, ArmStatistics.empty),
                                     (.proportion(successes: 1, trials: 1), .proportion(successes: 0, trials: 50)),
                                     (.proportion(successes: 0, trials: 50), .proportion(successes: 0, trials: 50)),
                                     (.proportion(successes: 50, trials: 50), .proportion(successes: 40, trials: 40))] {
            let r = FixedHorizonTest.twoProportionZ(control: control, treatment: treatment, alpha: 0.05,
                                                    alternative: alternative)
            #expect(r.pValue == 1 && r.lower == -.infinity && r.upper == .infinity && !r.difference.isNaN)
        }
    }

    @Test func oneSidedSequentialIgnoresTheOtherDirection() {
        // A large *drop* is no evidence that the treatment is greater, and vice versa.
        let control = ArmStatistics.proportion(successes: 300, trials: 1_000)
        let treatment = ArmStatistics.proportion(successes: 100, trials: 1_000)
        let greater = SequentialTest.compare(control: control, treatment: treatment, alpha: 0.05, alternative: .greater)
        let less = SequentialTest.compare(control: control, treatment: treatment, alpha: 0.05, alternative: .less)
        #expect(greater.pValue == 1 && greater.upper == .infinity && greater.lower < -0.1)
        #expect(less.rejectsNull && less.lower == -.infinity && less.upper < 0)
    }

    @Test func sequentialIntervalExcludesZeroExactlyWhenItRejects() {
        // The p-value and the interval come from the same boundary: rejection ⇔ 0 outside the interval.
        var checked = 0
        for successes in stride(from: 80, through: 160, by: 4) {
            for alternative in Alternative.allCases {
                let r = SequentialTest.compare(control: .proportion(successes: 100, trials: 4_000),
                                               treatment: .proportion(successes: successes, trials: 4_000),
                                               alpha: 0.05, alternative: alternative)
                #expect(r.rejectsNull == (r.lower > 0 || r.upper < 0), "\(successes) \(alternative): \(r)")
                checked += 1
            }
        }
        #expect(checked == 63)
    }

    @Test(arguments: [-0.01, -0.002, 0.0, 0.003, 0.005, 0.008, 0.012, 0.02])
    func marginTestRejectsExactlyWhenTheMarginIsOutsideTheInterval(margin: Double) {
        let control = ArmStatistics.proportion(successes: 98, trials: 10_000)
        let treatment = ArmStatistics.proportion(successes: 231, trials: 10_000)
        for alternative in Alternative.allCases {
            let plain = SequentialTest.compare(control: control, treatment: treatment, alpha: 0.05, alternative: alternative)
            let r = SequentialTest.compare(control: control, treatment: treatment, alpha: 0.05, alternative: alternative,
                                           nullDifference: margin)
            #expect(r.lower == plain.lower && r.upper == plain.upper, "the interval does not depend on the margin")
            #expect(r.rejectsNull == (margin < r.lower || margin > r.upper), "δ₀ \(margin) \(alternative): \(r)")
        }
    }

    @Test func accumulateKeepsTheRunningMinimumAndIntersection() {
        let first = ArmComparison(difference: 0.1, lower: -0.2, upper: 0.4, pValue: 0.3, alpha: 0.05)
        let second = ArmComparison(difference: 0.05, lower: -0.1, upper: 0.5, pValue: 0.6, alpha: 0.05)
        let both = SequentialTest.accumulate(SequentialTest.accumulate(nil, first), second)
        #expect(both == ArmComparison(difference: 0.05, lower: -0.1, upper: 0.4, pValue: 0.3, alpha: 0.05))
        let disjoint = ArmComparison(difference: 1, lower: 0.9, upper: 1.1, pValue: 0.9, alpha: 0.05)
        #expect(SequentialTest.accumulate(both, disjoint).lower == 0.9, "an empty intersection keeps the current interval")
    }

    @Test func sampleRatioMismatchEdgeCases() {
        #expect(SampleRatioMismatch.test(counts: [0, 0], weights: [0.5, 0.5]) == (0, 1))
        #expect(SampleRatioMismatch.test(counts: [10], weights: [1]) == (0, 1))
        #expect(SampleRatioMismatch.test(counts: [10, 0], weights: [1, 0]) == (0, 1))
        let leak = SampleRatioMismatch.test(counts: [10, 1], weights: [1, 0])
        #expect(leak.statistic == .infinity && leak.pValue == 0)
        // Weights need not sum to 1, and a zero-weight variant with no units is left out.
        let scaled = SampleRatioMismatch.test(counts: [5_100, 0, 4_900], weights: [50, 0, 50])
        #expect(scaled.statistic == 4 && abs(scaled.pValue - 0.04550026389635857) < 1e-12)
        #expect(SampleRatioMismatch.test(counts: [5_400, 4_600], weights: [1, 1]).pValue < SampleRatioMismatch.holdThreshold)
    }

    @Test func relativeLiftEdgeCases() {
        #expect(RelativeLift.estimate(control: .proportion(successes: 0, trials: 100),
                                      treatment: .proportion(successes: 3, trials: 100), alpha: 0.05) == nil)
        #expect(RelativeLift.estimate(control: .empty, treatment: .proportion(successes: 3, trials: 100), alpha: 0.05) == nil)
        let single = RelativeLift.estimate(control: ArmStatistics(values: [2]), treatment: ArmStatistics(values: [3]), alpha: 0.05)
        #expect(single == RelativeLift(estimate: 0.5, lower: -.infinity, upper: .infinity))
        let constant = RelativeLift.estimate(control: ArmStatistics(values: [2, 2]), treatment: ArmStatistics(values: [3, 3]), alpha: 0.05)
        #expect(constant == RelativeLift(estimate: 0.5, lower: -.infinity, upper: .infinity))
    }

    @Test func requiredSampleSizeOfEqualProportionsIsUnbounded() {
        #expect(FixedHorizonTest.requiredSampleSize(control: 0.1, treatment: 0.1) == Int.max)
        #expect(FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02) == 2_319)
        // Means: σ² = 1 on both sides, δ = 0.1 → (1.959964 + 0.841621)² · 2 / 0.01 ≈ 1,569.8.
        let n = FixedHorizonTest.requiredSampleSizeExact(difference: 0.1, controlVariance: 1, treatmentVariance: 1)
        #expect(abs(n - 1_569.7759) < 0.001, "\(n)")
    }

    static let streams: [[Double]] = [[], [4], [1, 2], [1e9 + 1, 1e9 + 2, 1e9 + 3], [0.5, -1.25, 3, 8.75, -2, 0.001]]

    @Test(arguments: streams)
    func appendAndMergeAgreeWithWelfordOverTheWholeStream(values: [Double]) {
        let whole = ArmStatistics(values: values)
        var appended = ArmStatistics.empty
        for v in values { appended.append(v) }
        let half = values.count / 2
        let merged = ArmStatistics(values: values[..<half]).merged(with: ArmStatistics(values: values[half...]))
        for other in [appended, merged] {
            #expect(other.count == whole.count)
            #expect(abs(other.mean - whole.mean) <= 1e-12 * max(1, abs(whole.mean)))
            #expect(abs(other.variance - whole.variance) <= 1e-9 * max(1, whole.variance))
        }
        if values.count == 4 { #expect(abs(whole.variance - 1) < 1e-6, "Welford keeps precision at 1e9 offsets") }
    }

    @Test func proportionSummary() {
        #expect(ArmStatistics.proportion(successes: 12, trials: 1_000) == ArmStatistics(count: 1_000, mean: 0.012, variance: 0.012 * 0.988))
        #expect(ArmStatistics.proportion(successes: 0, trials: 0) == .empty)
    }
}

/// The numbers quoted in the doc comments' examples, so the documentation cannot drift from the code.
@Suite struct ExperimentDocExampleTests {
    static func near(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance }

    @Test func armStatistics() {
        let latency = ArmStatistics(values: [120, 135, 128, 140])
        #expect(latency.count == 4 && latency.mean == 130.75 && Self.near(latency.variance, 75.583333, 1e-5))
        let errors = ArmStatistics.proportion(successes: 12, trials: 1_000)
        #expect(errors.mean == 0.012 && Self.near(errors.variance, 0.011856, 1e-15))
        let both = latency.merged(with: ArmStatistics(values: [150]))
        #expect(both.count == 5 && Self.near(both.mean, 134.6, 1e-12) && Self.near(both.variance, 130.8, 1e-12))
    }

    @Test func sequentialGuardrail() {
        let r = SequentialTest.compare(control: .proportion(successes: 98, trials: 10_000),
                                       treatment: .proportion(successes: 231, trials: 10_000), alpha: 0.05,
                                       alternative: .greater)
        #expect(Self.near(r.difference, 0.0133, 1e-15) && Self.near(r.lower, 0.00815, 5e-6) && r.upper == .infinity)
        #expect(Self.near(r.pValue, 9.1e-12, 0.05e-12) && r.rejectsNull)
    }

    @Test func fixedHorizonAndSampleSize() {
        let r = FixedHorizonTest.twoProportionZ(control: .proportion(successes: 900, trials: 1_000),
                                                treatment: .proportion(successes: 850, trials: 1_000),
                                                alpha: 0.05, alternative: .twoSided)
        #expect(Self.near(r.difference, -0.05, 1e-15) && Self.near(r.pValue, 0.000723, 5e-7))
        #expect(Self.near(r.lower, -0.0789, 5e-5) && Self.near(r.upper, -0.0211, 5e-5))
        #expect(FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02) == 2_319)
        #expect(FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02, alternative: .greater) == 1_826)
    }

    @Test func liftAndSRM() {
        let lift = RelativeLift.estimate(control: .proportion(successes: 800, trials: 1_000),
                                         treatment: .proportion(successes: 880, trials: 1_000), alpha: 0.05)
        #expect(lift.map { Self.near($0.estimate, 0.1, 1e-12) && Self.near($0.lower, 0.0576, 5e-5) && Self.near($0.upper, 0.1424, 5e-5) } == true)
        let srm = SampleRatioMismatch.test(counts: [5_100, 4_900], weights: [0.5, 0.5])
        #expect(srm.statistic == 4 && Self.near(srm.pValue, 0.0455, 5e-5) && srm.pValue >= SampleRatioMismatch.holdThreshold)
    }

    @Test func distributions() {
        #expect(Self.near(NormalDistribution.quantile(0.975), 1.959963984540054, 1e-15))
        #expect(Self.near(NormalDistribution.survival(1.96), 0.024997895148220435, 1e-17))
        #expect(Self.near(StudentT.survival(2.0, degreesOfFreedom: 10), 0.03669401738537018, 1e-16))
        #expect(Self.near(StudentT.quantile(0.975, degreesOfFreedom: 10), 2.228138851986274, 1e-14))
    }
}
