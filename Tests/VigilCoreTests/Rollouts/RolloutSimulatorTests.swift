import Testing
@testable import VigilCore

@Suite struct RolloutSimulatorTests {
    static func summary(runs: Int, _ definition: RolloutDefinition, _ scenario: SimulationScenario, seed: UInt64 = 7,
                        medianOf decision: RolloutDecision) -> SimulationSummary {
        var outcomes: [SimulationOutcome] = []
        for run in 0..<runs {
            var g = SplitMix64(seed: seed &+ UInt64(run) &* 0x9E37_79B9)
            outcomes.append(RolloutSimulator.runEngine(definition, scenario, using: &g))
        }
        return SimulationSummary(outcomes, medianOf: decision)
    }

    /// Continuous monitoring of equal variants, evaluated after every 10 requests up to 1,000: the share of runs
    /// that ever roll back stays below alpha plus three standard errors of a 2,000-run simulation.
    @Test func equalVariantsAreRarelyRolledBackHoweverOftenWeLook() throws {
        let definition = try RolloutDefinition(model: "m", champion: "a", challenger: "b", steps: [50], minSamples: 20,
                                               minStepDurationMillis: .max / 2)
        let scenario = SimulationScenario(requestsPerInterval: 10, intervalSeconds: 1, intervalsPerStep: 1_000_000,
                                          championErrorRate: 0.05, challengerErrorRate: 0.05, maxIntervals: 100)
        let runs = 2_000
        let s = Self.summary(runs: runs, definition, scenario, medianOf: .rollback)
        let alpha = definition.alpha
        let bound = alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot()
        #expect(s.promotions == 0)
        #expect(s.rollbackRate <= bound, "false rollbacks \(s.rollbacks) of \(runs)")
    }

    /// At a 50 % step held long enough, a doubled error rate (1 % → 2 %) is caught in nearly every run.
    @Test func aDoubledErrorRateIsCaught() throws {
        let definition = try RolloutDefinition(model: "m", champion: "a", challenger: "b", steps: [50],
                                               minStepDurationMillis: .max / 2)
        let scenario = SimulationScenario(requestsPerInterval: 2_000, championErrorRate: 0.01, challengerErrorRate: 0.02,
                                          maxIntervals: 40)
        let s = Self.summary(runs: 100, definition, scenario, medianOf: .rollback)
        #expect(s.rollbackRate >= 0.9, "caught \(s.rollbacks) of 100")
        #expect(s.promotions == 0)
        #expect((s.medianChallengerSamples ?? .infinity) < 20_000)
    }

    @Test func aBetterChallengerIsPromotedOnItsPrimaryMetric() throws {
        let definition = try RolloutDefinition(model: "m", champion: "a", challenger: "b",
                                               guardrails: [.init(metric: .errorRate), .init(metric: .quality(.accuracy))],
                                               primary: RolloutPrimary(metric: .quality(.accuracy)))
        let scenario = SimulationScenario(requestsPerInterval: 1_000, championAccuracy: 0.8, challengerAccuracy: 0.88,
                                          labelDelayIntervals: 2)
        let s = Self.summary(runs: 60, definition, scenario, medianOf: .promote)
        #expect(s.promotionRate >= 0.9, "promoted \(s.promotions) of 60")
        #expect(s.rollbacks == 0)
    }

    @Test func theSameSeedGivesTheSameOutcomes() throws {
        let definition = try RolloutDefinition(model: "m", champion: "a", challenger: "b")
        let scenario = SimulationScenario(requestsPerInterval: 500, challengerErrorRate: 0.015)
        var g1 = SplitMix64(seed: 42), g2 = SplitMix64(seed: 42)
        #expect(RolloutSimulator.runEngine(definition, scenario, using: &g1) == RolloutSimulator.runEngine(definition, scenario, using: &g2))
    }

    /// Flagger's check of an error-rate bound at every interval rolls back equal variants whose true rate sits near
    /// the bound: the failure the engine exists to avoid.
    @Test func aFixedThresholdRollsBackEqualVariantsNearItsBound() {
        let scenario = SimulationScenario(requestsPerInterval: 200, championErrorRate: 0.01, challengerErrorRate: 0.01)
        var rollbacks = 0
        for run in 0..<200 {
            var g = SplitMix64(seed: UInt64(run))
            if RolloutSimulator.runFixedThreshold(FixedThresholdPolicy(), steps: RolloutDefinition.defaultSteps, scenario,
                                                  using: &g).decision == .rollback { rollbacks += 1 }
        }
        #expect(rollbacks > 40, "fixed threshold rolled back \(rollbacks) of 200")
    }

    @Test func mediansAndRates() {
        let outcomes = [SimulationOutcome(decision: .rollback, challengerSamples: 10, totalSamples: 100, seconds: 60),
                        SimulationOutcome(decision: .rollback, challengerSamples: 30, totalSamples: 300, seconds: 180),
                        SimulationOutcome(decision: .promote, challengerSamples: 99, totalSamples: 999, seconds: 600),
                        SimulationOutcome(decision: nil, challengerSamples: 5, totalSamples: 50, seconds: 900)]
        let s = SimulationSummary(outcomes, medianOf: .rollback)
        #expect(s.runs == 4 && s.rollbacks == 2 && s.promotions == 1 && s.undecided == 1)
        #expect(s.medianChallengerSamples == 20 && s.medianTotalSamples == 200 && s.medianSeconds == 120)
        #expect(s.rollbackRate == 0.5)
    }
}
