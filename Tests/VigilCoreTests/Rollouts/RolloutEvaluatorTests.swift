import Testing
@testable import VigilCore

@Suite struct RolloutEvaluatorTests {
    typealias F = RolloutFixtures

    static func evaluate(_ d: RolloutDefinition, _ total: RolloutEvidence, step: RolloutEvidence? = nil, index: Int = 0,
                         elapsed: Int64 = 60_000) -> RolloutEvaluation {
        RolloutEvaluator.evaluate(d, total: total, step: step ?? total, stepIndex: index, stepElapsedMillis: elapsed, nowMillis: 0)
    }

    @Test func theRollbackReasonReadsAsASentence() {
        let e = Self.evaluate(F.definition(), F.evidence(champion: (40_000, 392), challenger: (2_105, 50)))
        #expect(e.decision == .rollback)
        let g = try! #require(e.guardrails.first)
        #expect(g.metric == "error_rate" && g.verdict == .fail)
        #expect(e.reason == g.summary)
        #expect(e.reason.hasPrefix("challenger error rate 2.38% vs 0.98%, difference +1.4 points, 95% always-valid interval ["))
        #expect(e.reason.hasSuffix("worse than the 0-point margin allows"))
        #expect(g.lower! > 0 && g.upper! > g.lower! && g.pValue! < 0.05)
    }

    /// A champion without a single error against a challenger that always fails: the plug-in variances are both
    /// zero, which once read as "no evidence", so the guardrail stayed pending and the step advanced.
    @Test func aChallengerThatAlwaysFailsAgainstAFlawlessChampionRollsBack() {
        let d = F.definition(steps: [50, 80, 100])
        let e = Self.evaluate(d, F.evidence(champion: (1_000, 0), challenger: (1_000, 1_000)))
        #expect(e.decision == .rollback)
        #expect(e.guardrails[0].verdict == .fail)
        #expect(e.guardrails[0].lower! > 0.9)
        let someErrors = Self.evaluate(d, F.evidence(champion: (1_000, 0), challenger: (1_000, 40)))
        #expect(someErrors.decision == .rollback)
    }

    @Test func twoFlawlessVariantsPassAMarginInsteadOfStayingPending() {
        let d = F.definition(steps: [50, 80, 100], guardrails: [.init(metric: .errorRate, margin: 0.01)])
        let e = Self.evaluate(d, F.evidence(champion: (5_000, 0), challenger: (5_000, 0)))
        #expect(e.guardrails[0].verdict == .pass)
        #expect(e.guardrails[0].upper!.isFinite && e.guardrails[0].upper! < 0.01)
        #expect(e.decision == .advance)
    }

    @Test func theAdjustedVarianceOnlyEverRaisesThePlugInOne() {
        for (x, n) in [(0, 10), (10, 10), (1, 1_000), (500, 1_000), (3, 7)] {
            let arm = ArmStatistics.proportion(successes: x, trials: n)
            let adjusted = RolloutEvaluator.adjustedProportion(arm)
            #expect(adjusted.mean == arm.mean && adjusted.count == arm.count)
            #expect(adjusted.variance >= arm.variance && adjusted.variance > 0)
        }
        let half = RolloutEvaluator.adjustedProportion(.proportion(successes: 500, trials: 1_000))
        #expect(half.variance == 0.25)
    }

    @Test func aMarginToleratesASmallDegradation() {
        let evidence = F.evidence(champion: (200_000, 2_000), challenger: (200_000, 2_400))
        let strict = Self.evaluate(F.definition(steps: [50, 80, 100]), evidence)
        #expect(strict.decision == .rollback)
        let tolerant = Self.evaluate(F.definition(steps: [50, 80, 100], guardrails: [.init(metric: .errorRate, margin: 0.005)]), evidence)
        #expect(tolerant.decision == .advance)
        #expect(tolerant.guardrails[0].verdict == .pass)
        #expect(tolerant.guardrails[0].summary.hasSuffix("within the 0.5-point margin"))
    }

    static func latency(_ fast: Int, _ slow: Int, bounds: [Double] = [0.1, 0.25, 0.5, 1]) -> LatencyHistogram {
        var h = LatencyHistogram(upperBounds: bounds)
        for _ in 0..<fast { h.observe(0.08) }
        for _ in 0..<slow { h.observe(0.4) }
        return h
    }

    @Test func latencyIsComparedAboveTheChampionsQuantile() {
        let d = F.definition(guardrails: [.init(metric: .latency(quantile: 0.99))])
        // Champion: 99.5 % under 100 ms; challenger: 5 % at 400 ms.
        let e = RolloutEvidence(
            champion: VariantEvidence(requests: 38_000, latency: Self.latency(37_810, 190)),
            challenger: VariantEvidence(requests: 2_000, latency: Self.latency(1_900, 100)))
        let r = Self.evaluate(d, e, elapsed: 0)
        #expect(r.decision == .rollback)
        let g = r.guardrails[0]
        #expect(g.metric == "latency_p99" && g.latencyBound == 0.1)
        #expect(g.summary.hasPrefix("challenger share of requests slower than 100 ms (the champion's p99) 5% vs 0.5%"))
        // The same distribution in both: no rollback.
        let same = RolloutEvidence(
            champion: VariantEvidence(requests: 38_000, latency: Self.latency(37_810, 190)),
            challenger: VariantEvidence(requests: 2_000, latency: Self.latency(1_990, 10)))
        #expect(Self.evaluate(d, same, elapsed: 0).decision == .continue)
        // No histogram: no data, never a rollback.
        let none = Self.evaluate(d, F.evidence(champion: (38_000, 0), challenger: (2_000, 0)), elapsed: 0)
        #expect(none.guardrails[0].verdict == .noData && none.decision == .continue)
    }

    static func accuracy(_ correct: Int, of n: Int) -> Moments { .proportion(successes: correct, trials: n) }

    @Test func promotionWaitsForThePrimaryMetric() {
        let d = F.definition(primary: RolloutPrimary(metric: .quality(.accuracy)))
        func evidence(_ championCorrect: Int, _ challengerCorrect: Int) -> RolloutEvidence {
            RolloutEvidence(champion: VariantEvidence(requests: 5_000, correct: Self.accuracy(championCorrect, of: 5_000)),
                            challenger: VariantEvidence(requests: 5_000, correct: Self.accuracy(challengerCorrect, of: 5_000)))
        }
        let equal = Self.evaluate(d, evidence(4_500, 4_500), index: 3)
        #expect(equal.decision == .continue && equal.reason.hasPrefix("waiting for accuracy to show an improvement"))
        let better = Self.evaluate(d, evidence(4_000, 4_600), index: 3)
        #expect(better.decision == .promote)
        #expect(better.primary?.verdict == .pass)
        let lift = try! #require(better.primary?.relativeLift)
        #expect(abs(lift - 0.15) < 1e-9)
        // Before the last step the primary metric does not hold the ramp.
        var tenPercent = evidence(4_500, 4_500)
        tenPercent.champion.requests = 45_000
        #expect(Self.evaluate(d, tenPercent, index: 1).decision == .advance)
    }

    @Test func aWorseAccuracyFailsItsGuardrail() {
        let d = F.definition(guardrails: [.init(metric: .quality(.accuracy), margin: 0.01)])
        let e = RolloutEvidence(champion: VariantEvidence(requests: 38_000, correct: Self.accuracy(9_000, of: 10_000)),
                                challenger: VariantEvidence(requests: 2_000, correct: Self.accuracy(1_700, of: 2_000)))
        let r = Self.evaluate(d, e)
        #expect(r.decision == .rollback)
        #expect(r.reason.hasPrefix("challenger accuracy 85% vs 90%, difference -5 points"))
    }

    @Test func tooFewLabelsIsNoDataForThatGuardrailOnly() {
        let d = F.definition(guardrails: [.init(metric: .errorRate), .init(metric: .quality(.accuracy))])
        let e = RolloutEvidence(champion: VariantEvidence(requests: 10_000, errors: 100, correct: Self.accuracy(50, of: 60)),
                                challenger: VariantEvidence(requests: 500, errors: 5, correct: Self.accuracy(2, of: 5)))
        let r = Self.evaluate(d, e)
        #expect(r.guardrails.map(\.verdict) == [.pending, .noData])
        #expect(r.guardrails[1].summary == "accuracy: champion 60 and challenger 5 observations, 100 each needed")
        #expect(r.decision == .advance)
    }

    @Test func driftAboveItsMarginFails() {
        let d = F.definition(guardrails: [.init(metric: .drift(feature: "amount"), margin: 0.1)])
        var e = F.evidence(champion: (10_000, 0), challenger: (500, 0))
        e.champion.drift = ["amount": 0.02]
        e.challenger.drift = ["amount": 0.31]
        let r = Self.evaluate(d, e)
        #expect(r.decision == .rollback)
        #expect(r.reason == "challenger drift of amount 0.31 vs 0.02, difference +0.29, above the 0.1 margin")
        e.challenger.drift = ["amount": 0.05]
        #expect(Self.evaluate(d, e).decision == .advance)
    }

    @Test func aMismatchBeatsAFailingGuardrail() {
        // Broken assignment makes every comparison suspect: hold, don't roll back.
        let r = Self.evaluate(F.definition(), F.evidence(champion: (5_000, 50), challenger: (2_000, 200)))
        #expect(r.decision == .hold)
    }

    @Test func theLastStepAtFullWeightPromotesWithoutComparingRatios() {
        let r = Self.evaluate(F.definition(steps: [50, 100]), F.evidence(champion: (5_000, 50), challenger: (5_000, 50)))
        #expect(r.decision == .promote)
    }

    static var invalid: [(String, () throws(RolloutDefinitionError) -> RolloutDefinition)] { [
        ("rollouts[m].challenger: must differ from the champion (\"v1\")",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "v1", challenger: "v1") }),
        ("rollouts[m].steps[1]: steps must increase (50.0 then 25.0)",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b", steps: [50, 25]) }),
        ("rollouts[m].steps[0]: 0.0 is not a percentage in (0, 100]",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b", steps: [0, 25]) }),
        ("rollouts[m].alpha: must be in (0, 0.5), got 0.5",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b", alpha: 0.5) }),
        ("rollouts[m].guardrails[1]: \"error_rate\" appears twice",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b",
                                                guardrails: [.init(metric: .errorRate), .init(metric: .errorRate)]) }),
        ("rollouts[m].guardrails[0].quantile: must be in (0, 1), got 1.5",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b",
                                                guardrails: [.init(metric: .latency(quantile: 1.5))]) }),
        ("rollouts[m].primary.metric: drift cannot be a primary metric",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b",
                                                primary: .init(metric: .drift(feature: "x"))) }),
        ("rollouts[m].min_samples: must be at least 2, got 1",
         { () throws(RolloutDefinitionError) in try RolloutDefinition(model: "m", champion: "a", challenger: "b", minSamples: 1) }),
    ] }

    @Test func invalidDefinitionsNameTheField() {
        for (message, make) in Self.invalid {
            do {
                _ = try make()
                Issue.record("accepted: \(message)")
            } catch {
                #expect(error.description == message)
            }
        }
    }

    @Test func metricNames() {
        #expect(RolloutMetric.latency(quantile: 0.95).name == "latency_p95")
        #expect(RolloutMetric.latency(quantile: 0.999).name == "latency_p99_9")
        #expect(RolloutMetric.quality(.meanAbsoluteError).name == "mae")
        #expect(RolloutMetric.drift(feature: "amount").name == "drift:amount")
    }
}
