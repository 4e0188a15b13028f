import Foundation
import Testing
import VigilCore

/// The property that makes the sequential test worth having: with no difference between the arms (A/A), the
/// fraction of runs that *ever* reject — looking again and again as data arrive — stays at or below α (plus
/// simulation error, 3 standard errors of a binomial proportion over the runs); and a real difference is found.
///
/// Each run is a seeded stream (``SplitMix64``); every event goes to either arm with probability ½. To keep the
/// suite near ten seconds in a debug build, the Bernoulli A/A looks after every event up to 2,000 events and the
/// normal and long-horizon A/As look after every 10th / 100th event (a look every event there would only
/// cost time: the error bound holds for any stopping rule, checked by the every-event case).
@Suite struct SequentialErrorRateTests {
    static let runs = 2_000
    static let alpha = 0.05
    /// α + 3·√(α(1 − α)/runs) ≈ 0.0646.
    static let bound = alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot()

    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var events: Int
        var lookEvery: Int
        var alternative: Alternative
        /// Draw one observation for an arm (true = treatment).
        var bernoulli: (control: Double, treatment: Double)?
        var normal: (control: Double, treatment: Double, sd: Double)?
        var seed: UInt64
        var testDescription: String { name }
    }

    /// Runs `runs` streams and returns the fraction that ever rejected and the median events at rejection.
    static func simulate(_ s: Scenario, runs: Int) -> (rejectRate: Double, medianEvents: Int?) {
        simulate(s, runs: runs) { c, t in
            SequentialTest.compare(control: c, treatment: t, alpha: alpha, alternative: s.alternative).rejectsNull
        }
    }

    /// The same streams with any decision rule (`rejects(control, treatment)` at each look).
    static func simulate(_ s: Scenario, runs: Int,
                         rejects: (ArmStatistics, ArmStatistics) -> Bool) -> (rejectRate: Double, medianEvents: Int?) {
        var rejected = 0
        var rejectionEvents: [Int] = []
        for run in 0..<runs {
            var rng = SplitMix64(seed: s.seed &+ UInt64(run) &* 0x9E37_79B9)
            var control = ArmStatistics.empty, treatment = ArmStatistics.empty
            var successes = (control: 0, treatment: 0)
            for event in 1...s.events {
                let toTreatment = rng.uniform() < 0.5
                if let p = s.bernoulli {
                    if toTreatment {
                        if rng.bernoulli(p.treatment) { successes.treatment += 1 }
                        treatment.count += 1
                    } else {
                        if rng.bernoulli(p.control) { successes.control += 1 }
                        control.count += 1
                    }
                } else if let n = s.normal {
                    if toTreatment { treatment.append(n.treatment + n.sd * rng.normal()) }
                    else { control.append(n.control + n.sd * rng.normal()) }
                }
                guard event % s.lookEvery == 0 else { continue }
                let (c, t) = s.bernoulli == nil ? (control, treatment)
                    : (ArmStatistics.proportion(successes: successes.control, trials: control.count),
                       ArmStatistics.proportion(successes: successes.treatment, trials: treatment.count))
                if rejects(c, t) {
                    rejected += 1
                    rejectionEvents.append(event)
                    break
                }
            }
        }
        rejectionEvents.sort()
        return (Double(rejected) / Double(runs), rejectionEvents.isEmpty ? nil : rejectionEvents[rejectionEvents.count / 2])
    }

    static let aa: [Scenario] = [
        Scenario(name: "error rate 10 %, two-sided, a look after every event, 2,000 events", events: 2_000, lookEvery: 1,
                 alternative: .twoSided, bernoulli: (0.1, 0.1), seed: 1),
        Scenario(name: "error rate 2 %, one-sided guardrail, a look every 10 events, 10,000 events", events: 10_000,
                 lookEvery: 10, alternative: .greater, bernoulli: (0.02, 0.02), seed: 2),
        Scenario(name: "latency N(120, 30²), one-sided guardrail, a look every 10 events, 4,000 events", events: 4_000,
                 lookEvery: 10, alternative: .greater, normal: (120, 120, 30), seed: 3),
        Scenario(name: "accuracy 90 %, one-sided (less), a look every 100 events, 20,000 events", events: 20_000,
                 lookEvery: 100, alternative: .less, bernoulli: (0.9, 0.9), seed: 4),
    ]

    @Test(arguments: aa)
    func aaFalseRejectionRateStaysBelowAlpha(scenario: Scenario) {
        let (rate, _) = Self.simulate(scenario, runs: Self.runs)
        #expect(rate <= Self.bound, "\(scenario.name): \(rate) of \(Self.runs) runs rejected (bound \(Self.bound))")
    }

    @Test func theHarnessCatchesPeekingWithAFixedHorizonTest() {
        // The same A/A streams judged by the fixed-horizon z-test at every 10th event: peeking inflates the error
        // far past α, so the bound above is a real check, not one any procedure passes.
        let s = Scenario(name: "peeking", events: 2_000, lookEvery: 10, alternative: .twoSided, bernoulli: (0.1, 0.1), seed: 8)
        let (rate, _) = Self.simulate(s, runs: 500) { c, t in
            FixedHorizonTest.twoProportionZ(control: c, treatment: t, alpha: Self.alpha, alternative: .twoSided).rejectsNull
        }
        #expect(rate > 2 * Self.bound, "fixed-horizon z-test with peeking rejected in \(rate) of A/A runs")
    }

    @Test func doubledErrorRateIsDetected() {
        // 1 % → 2 %: a fixed-horizon one-sided z-test with power 0.8 needs n per arm:
        let fixed = FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02, alternative: .greater)
        let s = Scenario(name: "1 % → 2 %", events: 8 * fixed, lookEvery: 50, alternative: .greater,
                         bernoulli: (0.01, 0.02), seed: 5)
        let (power, median) = Self.simulate(s, runs: 300)
        #expect(power >= 0.9, "detected in \(power) of the runs within 4× the fixed-horizon sample size")
        // Median events at detection, both arms together, against the fixed horizon's 2·n.
        #expect(median.map { $0 <= 2 * 2 * fixed } == true, "median \(String(describing: median)) events vs fixed horizon \(2 * fixed)")
    }

    @Test func latencyIncreaseIsDetected() {
        let s = Scenario(name: "latency +5 ms", events: 6_000, lookEvery: 20, alternative: .greater,
                         normal: (120, 125, 30), seed: 6)
        let (power, _) = Self.simulate(s, runs: 300)
        #expect(power >= 0.8, "\(power)")
    }
}
