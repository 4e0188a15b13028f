/// Synthetic traffic for a rollout, and the question `vigil simulate` answers: how often does a policy roll back
/// a challenger that is as good as the champion (A/A), and how fast does it catch one that is worse (A/B)?
public struct SimulationScenario: Sendable, Hashable, Codable {
    /// Requests per evaluation interval, both variants together.
    public var requestsPerInterval: Int
    /// Seconds between evaluations.
    public var intervalSeconds: Double
    /// Evaluations per traffic step (a step's duration is `intervalsPerStep × intervalSeconds`).
    public var intervalsPerStep: Int
    public var championErrorRate: Double
    public var challengerErrorRate: Double
    /// Log-normal latency: median in seconds and the log's standard deviation; the challenger's median is
    /// multiplied by `challengerLatencyFactor`.
    public var latencyMedianSeconds: Double
    public var latencySigma: Double
    public var challengerLatencyFactor: Double
    /// Probability that a prediction is right, per variant (`nil`: no labels).
    public var championAccuracy: Double?
    public var challengerAccuracy: Double?
    /// Labels arrive this many intervals after their prediction.
    public var labelDelayIntervals: Int
    /// Give up after this many intervals (no decision).
    public var maxIntervals: Int

    public init(requestsPerInterval: Int = 1_000, intervalSeconds: Double = 60, intervalsPerStep: Int = 5,
                championErrorRate: Double = 0.01, challengerErrorRate: Double = 0.01, latencyMedianSeconds: Double = 0.05,
                latencySigma: Double = 0.5, challengerLatencyFactor: Double = 1, championAccuracy: Double? = nil,
                challengerAccuracy: Double? = nil, labelDelayIntervals: Int = 0, maxIntervals: Int = 200) {
        self.requestsPerInterval = requestsPerInterval
        self.intervalSeconds = intervalSeconds
        self.intervalsPerStep = intervalsPerStep
        self.championErrorRate = championErrorRate
        self.challengerErrorRate = challengerErrorRate
        self.latencyMedianSeconds = latencyMedianSeconds
        self.latencySigma = latencySigma
        self.challengerLatencyFactor = challengerLatencyFactor
        self.championAccuracy = championAccuracy
        self.challengerAccuracy = challengerAccuracy
        self.labelDelayIntervals = labelDelayIntervals
        self.maxIntervals = maxIntervals
    }
}

/// Flagger's and Argo Rollouts' analysis as people configure it: at every interval each metric of the last
/// interval is compared with a fixed bound, and after `failureLimit` failed checks the canary is rolled back;
/// a step advances after its duration with no rollback.
public struct FixedThresholdPolicy: Sendable, Hashable, Codable {
    /// Highest acceptable error rate over one interval (Flagger's request-success-rate ≥ 99 %: 0.01).
    public var maxErrorRate: Double
    /// Highest acceptable p99 latency over one interval, seconds (`nil`: not checked).
    public var maxLatencyP99Seconds: Double?
    /// Lowest acceptable accuracy over the labels that arrived in one interval (`nil`: not checked).
    public var minAccuracy: Double?
    /// Failed checks before a rollback (Flagger's `threshold`, Argo's `failureLimit`).
    public var failureLimit: Int

    public init(maxErrorRate: Double = 0.01, maxLatencyP99Seconds: Double? = nil, minAccuracy: Double? = nil,
                failureLimit: Int = 5) {
        self.maxErrorRate = maxErrorRate
        self.maxLatencyP99Seconds = maxLatencyP99Seconds
        self.minAccuracy = minAccuracy
        self.failureLimit = failureLimit
    }
}

/// How one simulated rollout ended.
public struct SimulationOutcome: Sendable, Hashable, Codable {
    /// `promote`, `rollback`, or `nil` when no decision came within the scenario's limit.
    public var decision: RolloutDecision?
    /// Challenger requests seen until the decision.
    public var challengerSamples: Int
    /// Requests of both variants until the decision.
    public var totalSamples: Int
    public var seconds: Double
}

/// Runs the real ``RolloutStateMachine`` (and, for comparison, a ``FixedThresholdPolicy``) on synthetic traffic
/// drawn from `generator`: the same seed gives the same outcomes.
public enum RolloutSimulator {
    /// One rollout under Vigil's engine.
    public static func runEngine<G: RandomNumberGenerator>(_ definition: RolloutDefinition, _ scenario: SimulationScenario,
                                                            using generator: inout G) -> SimulationOutcome {
        var machine = RolloutStateMachine(definition: definition)
        _ = machine.apply(.start, by: "simulate", reason: "simulation", now: 0)
        var traffic = Traffic(scenario: scenario)
        _ = machine.evaluate(traffic.evidence, now: 0)
        for interval in 1...scenario.maxIntervals {
            traffic.serve(challengerPercent: machine.weight, using: &generator)
            let now = Int64((Double(interval) * scenario.intervalSeconds * 1000).rounded())
            if case .transition(let t) = machine.evaluate(traffic.evidence, now: now),
               t.change == .promote || t.change == .rollback {
                return traffic.outcome(t.change == .promote ? .promote : .rollback, interval: interval)
            }
        }
        return traffic.outcome(nil, interval: scenario.maxIntervals)
    }

    /// One rollout under a fixed-threshold policy with the same steps and step duration.
    public static func runFixedThreshold<G: RandomNumberGenerator>(_ policy: FixedThresholdPolicy, steps: [Double],
                                                                    _ scenario: SimulationScenario,
                                                                    using generator: inout G) -> SimulationOutcome {
        var traffic = Traffic(scenario: scenario)
        var step = 0, intervalsInStep = 0, failures = 0
        for interval in 1...scenario.maxIntervals {
            let before = traffic.evidence.challenger
            traffic.serve(challengerPercent: steps[step], using: &generator)
            let window = traffic.evidence.challenger.since(before)
            if window.requests > 0 {
                var failed = Double(window.errors) / Double(window.requests) > policy.maxErrorRate
                if let maxP99 = policy.maxLatencyP99Seconds {
                    let p99 = window.latency.quantileBound(0.99) ?? .infinity
                    failed = failed || p99 > maxP99
                }
                if let minAccuracy = policy.minAccuracy, window.correct.count > 0 {
                    failed = failed || window.correct.mean < minAccuracy
                }
                if failed { failures += 1 }
            }
            if failures >= policy.failureLimit { return traffic.outcome(.rollback, interval: interval) }
            intervalsInStep += 1
            if intervalsInStep >= scenario.intervalsPerStep {
                let next = step + 1
                if next >= steps.count || steps[next] >= 100 { return traffic.outcome(.promote, interval: interval) }
                step = next
                intervalsInStep = 0
            }
        }
        return traffic.outcome(nil, interval: scenario.maxIntervals)
    }

    /// The cumulative counters a monitoring agent would hold for the simulated service.
    struct Traffic {
        let scenario: SimulationScenario
        var evidence: RolloutEvidence
        /// Labels not yet arrived, per interval: (variant is challenger, correct).
        var pendingLabels: [[(Bool, Bool)]] = []

        init(scenario: SimulationScenario) {
            self.scenario = scenario
            let empty = VariantEvidence(latency: LatencyHistogram(upperBounds: LatencyHistogram.defaultBounds))
            evidence = RolloutEvidence(champion: empty, challenger: empty)
        }

        mutating func serve<G: RandomNumberGenerator>(challengerPercent: Double, using g: inout G) {
            let share = challengerPercent / 100
            var labels: [(Bool, Bool)] = []
            for _ in 0..<scenario.requestsPerInterval {
                let toChallenger = Double.random(in: 0..<1, using: &g) < share
                let errorRate = toChallenger ? scenario.challengerErrorRate : scenario.championErrorRate
                let failed = Double.random(in: 0..<1, using: &g) < errorRate
                let median = scenario.latencyMedianSeconds * (toChallenger ? scenario.challengerLatencyFactor : 1)
                let latency = median * cExp(scenario.latencySigma * RolloutSimulator.standardNormal(using: &g))
                if toChallenger {
                    evidence.challenger.requests += 1
                    if failed { evidence.challenger.errors += 1 }
                    evidence.challenger.latency.observe(latency)
                } else {
                    evidence.champion.requests += 1
                    if failed { evidence.champion.errors += 1 }
                    evidence.champion.latency.observe(latency)
                }
                if let accuracy = toChallenger ? scenario.challengerAccuracy : scenario.championAccuracy {
                    labels.append((toChallenger, Double.random(in: 0..<1, using: &g) < accuracy))
                }
            }
            pendingLabels.append(labels)
            while pendingLabels.count > scenario.labelDelayIntervals {
                for (toChallenger, correct) in pendingLabels.removeFirst() {
                    if toChallenger { evidence.challenger.correct.add(correct ? 1 : 0) } else { evidence.champion.correct.add(correct ? 1 : 0) }
                }
            }
        }

        func outcome(_ decision: RolloutDecision?, interval: Int) -> SimulationOutcome {
            SimulationOutcome(decision: decision, challengerSamples: evidence.challenger.requests,
                              totalSamples: evidence.champion.requests + evidence.challenger.requests,
                              seconds: Double(interval) * scenario.intervalSeconds)
        }
    }

    /// A standard normal draw (Box–Muller).
    static func standardNormal<G: RandomNumberGenerator>(using g: inout G) -> Double {
        let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &g)
        let u2 = Double.random(in: 0..<1, using: &g)
        return (-2 * cLog(u1)).squareRoot() * cCos(2 * Double.pi * u2)
    }
}

/// Summary of many simulated rollouts.
public struct SimulationSummary: Sendable, Hashable, Codable {
    public var runs: Int
    public var rollbacks: Int
    public var promotions: Int
    public var undecided: Int
    /// Medians over the runs that reached the decision counted (`nil` when none did).
    public var medianChallengerSamples: Double?
    public var medianTotalSamples: Double?
    public var medianSeconds: Double?

    public var rollbackRate: Double { runs == 0 ? 0 : Double(rollbacks) / Double(runs) }
    public var promotionRate: Double { runs == 0 ? 0 : Double(promotions) / Double(runs) }

    /// Summarises `outcomes`; the medians are taken over those that ended in `decision`.
    public init(_ outcomes: [SimulationOutcome], medianOf decision: RolloutDecision) {
        runs = outcomes.count
        rollbacks = outcomes.count { $0.decision == .rollback }
        promotions = outcomes.count { $0.decision == .promote }
        undecided = outcomes.count { $0.decision == nil }
        let decided = outcomes.filter { $0.decision == decision }
        medianChallengerSamples = Self.median(decided.map { Double($0.challengerSamples) })
        medianTotalSamples = Self.median(decided.map { Double($0.totalSamples) })
        medianSeconds = Self.median(decided.map(\.seconds))
    }

    static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014) for simulations that must be reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
