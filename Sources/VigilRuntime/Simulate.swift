import VigilCore

/// `vigil simulate`: the real rollout engine on seeded synthetic traffic, run many times, next to a Flagger-style
/// fixed-threshold policy on the same traffic. Reports how often each rolls back (the false-rollback rate when
/// the variants are equal, the power when the challenger is worse) and how many samples and how long a decision
/// takes.
public enum Simulate {
    public struct Options: Sendable {
        public var runs = 200
        public var seed: UInt64 = 1
        public var requestsPerStep = 1_000
        public var intervalsPerStep = 5
        public var intervalSeconds = 60.0
        public var maxSteps = 40
        public var steps = RolloutDefinition.defaultSteps
        public var minSamples = 200
        public var alpha = 0.05
        public var championErrorRate = 0.01
        public var challengerErrorRate: Double?
        public var latencyFactor = 1.0
        public var championAccuracy: Double?
        public var challengerAccuracy: Double?
        public var labelDelayIntervals = 0
        /// Promote only when accuracy improves (needs accuracies).
        public var primaryAccuracy = false
        public var fixedMaxErrorRate = 0.01
        public var fixedMaxLatencyP99Seconds: Double? = 0.25
        public var fixedMinAccuracy: Double?
        public var fixedFailureLimit = 5

        public init() {}
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public struct Report: Sendable {
        public var options: Options
        public var scenario: SimulationScenario
        public var definition: RolloutDefinition
        public var policy: FixedThresholdPolicy
        public var engine: SimulationSummary
        public var fixed: SimulationSummary
        /// Whether the challenger is worse than the champion in the scenario (so a rollback is right).
        public var challengerWorse: Bool
    }

    public static func run(_ options: Options) throws(Failure) -> Report {
        guard options.runs > 0 else { throw Failure(description: "--runs must be positive") }
        guard options.requestsPerStep >= options.intervalsPerStep, options.intervalsPerStep > 0 else {
            throw Failure(description: "--requests-per-step must be at least --intervals-per-step (\(options.intervalsPerStep))")
        }
        for (name, rate) in [("--champion-error-rate", options.championErrorRate),
                             ("--challenger-error-rate", options.challengerErrorRate ?? 0),
                             ("--champion-accuracy", options.championAccuracy ?? 0),
                             ("--challenger-accuracy", options.challengerAccuracy ?? 0)] where !(0...1).contains(rate) {
            throw Failure(description: "\(name) must be in [0, 1], got \(rate)")
        }
        if options.primaryAccuracy, options.championAccuracy == nil {
            throw Failure(description: "--primary-accuracy needs --champion-accuracy")
        }
        let scenario = SimulationScenario(
            requestsPerInterval: options.requestsPerStep / options.intervalsPerStep, intervalSeconds: options.intervalSeconds,
            intervalsPerStep: options.intervalsPerStep, championErrorRate: options.championErrorRate,
            challengerErrorRate: options.challengerErrorRate ?? options.championErrorRate,
            challengerLatencyFactor: options.latencyFactor, championAccuracy: options.championAccuracy,
            challengerAccuracy: options.challengerAccuracy ?? options.championAccuracy,
            labelDelayIntervals: options.labelDelayIntervals, maxIntervals: options.maxSteps * options.intervalsPerStep)
        var guardrails: [RolloutGuardrail] = [.init(metric: .errorRate), .init(metric: .latency(quantile: 0.99))]
        if options.championAccuracy != nil { guardrails.append(.init(metric: .quality(.accuracy))) }
        let definition: RolloutDefinition
        do {
            definition = try RolloutDefinition(
                model: "simulated", champion: "champion", challenger: "challenger", steps: options.steps,
                minSamples: options.minSamples,
                minStepDurationMillis: Int64(Double(options.intervalsPerStep) * options.intervalSeconds * 1000),
                alpha: options.alpha, guardrails: guardrails,
                primary: options.primaryAccuracy ? RolloutPrimary(metric: .quality(.accuracy)) : nil)
        } catch {
            throw Failure(description: error.description)
        }
        let policy = FixedThresholdPolicy(maxErrorRate: options.fixedMaxErrorRate,
                                          maxLatencyP99Seconds: options.fixedMaxLatencyP99Seconds,
                                          minAccuracy: options.fixedMinAccuracy, failureLimit: options.fixedFailureLimit)
        // Each run draws from its own stream, the same for both policies, so they see statistically identical traffic.
        var engineOutcomes: [SimulationOutcome] = [], fixedOutcomes: [SimulationOutcome] = []
        for run in 0..<options.runs {
            var g = SplitMix64(seed: options.seed &* 0x9E37_79B9 &+ UInt64(run))
            engineOutcomes.append(RolloutSimulator.runEngine(definition, scenario, using: &g))
            var h = SplitMix64(seed: options.seed &* 0x9E37_79B9 &+ UInt64(run))
            fixedOutcomes.append(RolloutSimulator.runFixedThreshold(policy, steps: options.steps, scenario, using: &h))
        }
        let worse = scenario.challengerErrorRate > scenario.championErrorRate || scenario.challengerLatencyFactor > 1
            || (scenario.challengerAccuracy ?? 0) < (scenario.championAccuracy ?? 0)
        let decision: RolloutDecision = worse ? .rollback : .promote
        return Report(options: options, scenario: scenario, definition: definition, policy: policy,
                      engine: SimulationSummary(engineOutcomes, medianOf: decision),
                      fixed: SimulationSummary(fixedOutcomes, medianOf: decision), challengerWorse: worse)
    }
}

extension Simulate.Report {
    /// A table for a terminal.
    public var text: String {
        let s = scenario
        var out = "scenario: \(options.runs) runs, seed \(options.seed), \(options.requestsPerStep) requests per step "
            + "(\(s.intervalsPerStep) evaluations per step), steps \(options.steps.map { RolloutEvaluator.trimmed($0) }.joined(separator: ","))\n"
        out += "  error rate \(pct(s.championErrorRate)) → \(pct(s.challengerErrorRate)), latency ×\(RolloutEvaluator.trimmed(s.challengerLatencyFactor))"
        if let a = s.championAccuracy { out += ", accuracy \(pct(a)) → \(pct(s.challengerAccuracy ?? a))" }
        if s.labelDelayIntervals > 0 { out += ", labels \(s.labelDelayIntervals) evaluations late" }
        out += "\n  the challenger is \(challengerWorse ? "worse: a rollback is right" : "no worse: a rollback is false")\n\n"
        let what = challengerWorse ? "rollback" : "promotion"
        let rows: [[String]] = [
            ["policy", "rollbacks", "promotions", "undecided", "median challenger samples to \(what)", "median samples (both)", "median time"],
            row("vigil (mSPRT, alpha \(RolloutEvaluator.trimmed(options.alpha)))", engine),
            row("fixed threshold (error > \(pct(policy.maxErrorRate)), \(policy.failureLimit) failed checks)", fixed),
        ]
        out += EvaluationReportRenderer.grid(rows)
        return out
    }

    private func row(_ name: String, _ s: SimulationSummary) -> [String] {
        [name, "\(s.rollbacks) (\(pct(s.rollbackRate)))", "\(s.promotions) (\(pct(s.promotionRate)))", String(s.undecided),
         s.medianChallengerSamples.map { String(Int($0)) } ?? "-", s.medianTotalSamples.map { String(Int($0)) } ?? "-",
         s.medianSeconds.map { "\(RolloutEvaluator.trimmed($0 / 60)) min" } ?? "-"]
    }

    private func pct(_ x: Double) -> String { RolloutEvaluator.pct(x * 100) + "%" }

    /// One JSON object for scripts.
    public var json: String {
        func summary(_ s: SimulationSummary) -> String {
            func num(_ x: Double?) -> String { x.map { RolloutEvaluator.trimmed($0) } ?? "null" }
            return "{\"runs\":\(s.runs),\"rollbacks\":\(s.rollbacks),\"promotions\":\(s.promotions),"
                + "\"undecided\":\(s.undecided),\"rollback_rate\":\(num(s.rollbackRate)),"
                + "\"promotion_rate\":\(num(s.promotionRate)),\"median_challenger_samples\":\(num(s.medianChallengerSamples)),"
                + "\"median_total_samples\":\(num(s.medianTotalSamples)),\"median_seconds\":\(num(s.medianSeconds))}"
        }
        let s = scenario
        return "{\"runs\":\(options.runs),\"seed\":\(options.seed),\"requests_per_step\":\(options.requestsPerStep),"
            + "\"champion_error_rate\":\(s.championErrorRate),\"challenger_error_rate\":\(s.challengerErrorRate),"
            + "\"latency_factor\":\(s.challengerLatencyFactor),"
            + "\"champion_accuracy\":\(s.championAccuracy.map { String($0) } ?? "null"),"
            + "\"challenger_accuracy\":\(s.challengerAccuracy.map { String($0) } ?? "null"),"
            + "\"challenger_worse\":\(challengerWorse),\"engine\":\(summary(engine)),\"fixed_threshold\":\(summary(fixed))}"
    }
}
