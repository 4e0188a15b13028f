/// Turns a rollout's evidence into one decision with its reasons: a pure function of the definition, the evidence
/// since the rollout started and since the current step started, and the step's age.
///
/// The rules, in order (the first that applies decides):
/// 1. the evidence source reported a problem → `inconclusive`;
/// 2. either variant has fewer than `min_samples` requests since the start → `inconclusive`;
/// 3. the current step's split fails the sample-ratio test (chi-square p < `srm_alpha`) → `hold`;
/// 4. a guardrail fails — the one-sided always-valid bound shows the challenger worse than the champion by more
///    than the guardrail's margin → `rollback`;
/// 5. the step has lasted `min_step_duration` with `min_samples` requests per variant in it:
///    a next step below 100 % → `advance`; otherwise → `promote`, once the primary metric (if any) shows an
///    improvement above its minimum effect;
/// 6. otherwise → `continue`.
///
/// Every comparison uses the mixture sequential probability ratio test, so the error rates hold however often
/// the rollout is evaluated (see `docs/rollouts.md`).
///
/// ```swift
/// let definition = try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4", minSamples: 200)
/// let early = RolloutEvidence(champion: VariantEvidence(requests: 150), challenger: VariantEvidence(requests: 12))
/// let evaluation = RolloutEvaluator.evaluate(definition, total: early, step: early, stepIndex: 0,
///                                            stepElapsedMillis: 30_000, nowMillis: 30_000)
/// // evaluation.decision == .inconclusive: fewer than 200 requests per variant so far
/// ```
public enum RolloutEvaluator {
    public static func evaluate(_ definition: RolloutDefinition, total: RolloutEvidence, step: RolloutEvidence,
                                stepIndex: Int, stepElapsedMillis: Int64, nowMillis: Int64) -> RolloutEvaluation {
        let weight = definition.steps[min(stepIndex, definition.steps.count - 1)]
        var evaluation = RolloutEvaluation(
            model: definition.model, decision: .continue, reason: "", atMillis: nowMillis, step: stepIndex, weight: weight,
            championRequests: total.champion.requests, challengerRequests: total.challenger.requests,
            championStepRequests: step.champion.requests, challengerStepRequests: step.challenger.requests,
            stepElapsedMillis: stepElapsedMillis, sampleRatio: nil, guardrails: [], primary: nil,
            alpha: definition.alpha, srmAlpha: definition.srmAlpha, minSamples: definition.minSamples,
            minStepDurationMillis: definition.minStepDurationMillis)
        evaluation.guardrails = definition.guardrails.map { compare($0.metric, threshold: $0.margin, isGuardrail: true, total, definition) }
        evaluation.primary = definition.primary.map { compare($0.metric, threshold: $0.minimumEffect, isGuardrail: false, total, definition) }

        func decide(_ decision: RolloutDecision, _ reason: String) -> RolloutEvaluation {
            evaluation.decision = decision
            evaluation.reason = reason
            return evaluation
        }

        if let problem = total.problem { return decide(.inconclusive, "evidence incomplete: \(problem)") }
        let minSamples = definition.minSamples
        if total.champion.requests < minSamples || total.challenger.requests < minSamples {
            return decide(.inconclusive, "not enough data: champion \(total.champion.requests) and challenger "
                          + "\(total.challenger.requests) requests, \(minSamples) each needed")
        }
        if weight < 100 {
            let counts = [step.champion.requests, step.challenger.requests]
            if counts[0] + counts[1] >= minSamples {
                let srm = SampleRatioMismatch.test(counts: counts, weights: [100 - weight, weight])
                let check = SampleRatioCheck(championRequests: counts[0], challengerRequests: counts[1],
                                             expectedChallengerShare: weight / 100, statistic: srm.statistic,
                                             pValue: srm.pValue, mismatch: srm.pValue < definition.srmAlpha)
                evaluation.sampleRatio = check
                if check.mismatch {
                    let share = Double(counts[1]) / Double(counts[0] + counts[1]) * 100
                    return decide(.hold, "sample-ratio mismatch: challenger got \(pct(share))% of this step's "
                                  + "\(counts[0] + counts[1]) requests, expected \(pct(weight))% "
                                  + "(chi-square p = \(EvaluationReportRenderer.format(srm.pValue, digits: 6)) < "
                                  + "\(EvaluationReportRenderer.format(definition.srmAlpha, digits: 4)))")
                }
            }
        }
        if let failing = evaluation.guardrails.first(where: { $0.verdict == .fail }) {
            return decide(.rollback, failing.summary)
        }
        let stepSamples = min(step.champion.requests, step.challenger.requests)
        let durationMet = stepElapsedMillis >= definition.minStepDurationMillis
        guard stepSamples >= minSamples || weight >= 100, durationMet else {
            var missing: [String] = []
            if stepSamples < minSamples, weight < 100 {
                missing.append("\(stepSamples) of \(minSamples) requests per variant")
            }
            if !durationMet {
                missing.append("\(stepElapsedMillis / 1000) s of \(definition.minStepDurationMillis / 1000) s")
            }
            return decide(.continue, "step \(stepIndex + 1) at \(pct(weight))%: " + missing.joined(separator: ", "))
        }
        let next = stepIndex + 1 < definition.steps.count ? definition.steps[stepIndex + 1] : nil
        if let next, next < 100 {
            return decide(.advance, "step \(stepIndex + 1) at \(pct(weight))%: no guardrail failed; "
                          + "advancing to \(pct(next))%")
        }
        if let primary = evaluation.primary {
            guard primary.verdict == .pass else {
                return decide(.continue, "waiting for \(primary.metric) to show an improvement: \(primary.summary)")
            }
            return decide(.promote, "every step passed and \(primary.summary)")
        }
        return decide(.promote, "every step completed with no guardrail failing")
    }

    /// Compares one metric between the variants.
    static func compare(_ metric: RolloutMetric, threshold: Double, isGuardrail: Bool, _ evidence: RolloutEvidence,
                        _ definition: RolloutDefinition) -> MetricComparison {
        let name = metric.name
        let champion: ArmStatistics, challenger: ArmStatistics
        var bound: Double?
        switch metric {
        case .errorRate:
            champion = .proportion(successes: evidence.champion.errors, trials: evidence.champion.requests)
            challenger = .proportion(successes: evidence.challenger.errors, trials: evidence.challenger.requests)
        case .latency(let quantile):
            guard let b = evidence.champion.latency.quantileBound(quantile),
                  let overChampion = evidence.champion.latency.exceeding(b),
                  let overChallenger = evidence.challenger.latency.exceeding(b) else {
                return MetricComparison(metric: name, championCount: evidence.champion.latency.total,
                                        challengerCount: evidence.challenger.latency.total, threshold: threshold,
                                        verdict: .noData,
                                        summary: "\(name): no latency histogram with a bucket at the champion's "
                                            + "p\(RolloutMetric.percentileText(quantile)) yet")
            }
            bound = b
            champion = .proportion(successes: overChampion, trials: evidence.champion.latency.total)
            challenger = .proportion(successes: overChallenger, trials: evidence.challenger.latency.total)
        case .quality(.accuracy):
            champion = evidence.champion.correct.statistics
            challenger = evidence.challenger.correct.statistics
        case .quality(.meanAbsoluteError):
            champion = evidence.champion.absoluteError.statistics
            challenger = evidence.challenger.absoluteError.statistics
        case .estimatedAccuracy:
            champion = evidence.champion.expectedCorrect.statistics
            challenger = evidence.challenger.expectedCorrect.statistics
        case .drift(let feature):
            return compareDrift(name: name, feature: feature, margin: threshold, evidence)
        }
        let label = displayName(metric, bound: bound)
        guard champion.count >= definition.minSamples, challenger.count >= definition.minSamples else {
            return MetricComparison(metric: name, championCount: champion.count, challengerCount: challenger.count,
                                    championValue: champion.count > 0 ? champion.mean : nil,
                                    challengerValue: challenger.count > 0 ? challenger.mean : nil, threshold: threshold,
                                    latencyBound: bound, verdict: .noData,
                                    summary: "\(label): champion \(champion.count) and challenger \(challenger.count) "
                                        + "observations, \(definition.minSamples) each needed")
        }
        let alpha = definition.alpha
        // A proportion of exactly 0 or 1 has a plug-in variance of 0, so a champion without errors against a
        // challenger that always fails would give V = 0 and "no evidence" — the clearest failure read as pending.
        // The variance (not the difference) of a proportion therefore uses Agresti and Caffo's adjusted estimate.
        let (testedChampion, testedChallenger) = metric.isProportion
            ? (Self.adjustedProportion(champion), Self.adjustedProportion(challenger)) : (champion, challenger)
        let twoSided = SequentialTest.compare(control: testedChampion, treatment: testedChallenger, alpha: alpha,
                                              alternative: .twoSided)
        // The direction that decides: towards "worse" for a guardrail, towards "better" for the primary metric.
        let worseIsGreater = !metric.higherIsBetter
        let towardsGreater = isGuardrail ? worseIsGreater : !worseIsGreater
        let oneSided = SequentialTest.compare(control: testedChampion, treatment: testedChallenger, alpha: alpha,
                                              alternative: towardsGreater ? .greater : .less)
        // Differences oriented so that positive is worse (guardrail) or better (primary).
        let sign: Double = towardsGreater ? 1 : -1
        let verdict: MetricVerdict
        if isGuardrail {
            let shownWorseBy = sign > 0 ? oneSided.lower : -oneSided.upper
            let atMostWorseBy = sign > 0 ? twoSided.upper : -twoSided.lower
            verdict = shownWorseBy > threshold ? .fail : (atMostWorseBy <= threshold ? .pass : .pending)
        } else {
            let shownBetterBy = sign > 0 ? oneSided.lower : -oneSided.upper
            verdict = shownBetterBy > threshold ? .pass : .pending
        }
        let proportion = metric.isProportion
        let lift = RelativeLift.estimate(control: champion, treatment: challenger, alpha: alpha)
        var text = "challenger \(label) \(value(challenger.mean, proportion)) vs \(value(champion.mean, proportion)), "
            + "difference \(signed(twoSided.difference, proportion))\(proportion ? " points" : ""), "
            + "\(pct((1 - alpha) * 100))% always-valid interval "
            + "[\(signed(twoSided.lower, proportion)), \(signed(twoSided.upper, proportion))]"
        let unit = proportion ? "-point" : ""
        let thresholdText = proportion ? trimmed(threshold * 100) : trimmed(threshold)
        switch (isGuardrail, verdict) {
        case (true, .fail): text += ", worse than the \(thresholdText)\(unit) margin allows"
        case (true, .pass): text += ", within the \(thresholdText)\(unit) margin"
        case (true, _): text += ", not yet conclusive against the \(thresholdText)\(unit) margin"
        case (false, .pass): text += ", an improvement above the \(thresholdText)\(unit) minimum effect"
        case (false, _): text += ", no improvement above the \(thresholdText)\(unit) minimum effect shown yet"
        }
        return MetricComparison(metric: name, championCount: champion.count, challengerCount: challenger.count,
                                championValue: champion.mean, challengerValue: challenger.mean,
                                difference: twoSided.difference, lower: twoSided.lower, upper: twoSided.upper,
                                pValue: oneSided.pValue, relativeLift: lift, threshold: threshold, latencyBound: bound,
                                verdict: verdict, summary: text)
    }

    /// The arm with the variance of its proportion taken at p̃ = (x + 1)/(n + 2) when that is larger than the
    /// plug-in p(1 − p): never zero, and indistinguishable from the plug-in value once both outcomes were seen
    /// often (A. Agresti, B. Caffo, "Simple and effective confidence intervals for proportions and differences of
    /// proportions result from adding two successes and two failures", The American Statistician 54(4), 2000).
    static func adjustedProportion(_ arm: ArmStatistics) -> ArmStatistics {
        guard arm.count > 0 else { return arm }
        let n = Double(arm.count)
        let adjusted = (arm.mean * n + 1) / (n + 2)
        return ArmStatistics(count: arm.count, mean: arm.mean, variance: max(arm.variance, adjusted * (1 - adjusted)))
    }

    static func compareDrift(name: String, feature: String, margin: Double, _ evidence: RolloutEvidence) -> MetricComparison {
        guard let champion = evidence.champion.drift[feature], let challenger = evidence.challenger.drift[feature] else {
            return MetricComparison(metric: name, championCount: 0, challengerCount: 0, threshold: margin, verdict: .noData,
                                    summary: "drift of \(feature): no score for both variants yet")
        }
        let difference = challenger - champion
        let verdict: MetricVerdict = difference > margin ? .fail : .pass
        let text = "challenger drift of \(feature) \(trimmed(challenger)) vs \(trimmed(champion)), "
            + "difference \(difference >= 0 ? "+" : "")\(trimmed(difference)), "
            + (verdict == .fail ? "above" : "within") + " the \(trimmed(margin)) margin"
        return MetricComparison(metric: name, championCount: 0, challengerCount: 0, championValue: champion,
                                challengerValue: challenger, difference: difference, threshold: margin,
                                verdict: verdict, summary: text)
    }

    static func displayName(_ metric: RolloutMetric, bound: Double?) -> String {
        switch metric {
        case .errorRate: "error rate"
        case .latency(let q):
            "share of requests slower than \(trimmed((bound ?? 0) * 1000)) ms (the champion's p\(RolloutMetric.percentileText(q)))"
        case .quality(.accuracy): "accuracy"
        case .quality(.meanAbsoluteError): "mean absolute error"
        case .estimatedAccuracy: "estimated accuracy"
        case .drift(let feature): "drift of \(feature)"
        }
    }

    static func value(_ x: Double, _ proportion: Bool) -> String {
        proportion ? pct(x * 100) + "%" : trimmed(x)
    }

    static func signed(_ x: Double, _ proportion: Bool) -> String {
        guard x.isFinite else { return x > 0 ? "+inf" : "-inf" }
        let body = proportion ? pct(abs(x) * 100) : trimmed(abs(x))
        return (x < 0 ? "-" : "+") + body
    }

    /// At most two decimals, trailing zeros dropped.
    public static func pct(_ x: Double) -> String {
        var text = EvaluationReportRenderer.format(x, digits: 2)
        guard text.contains("."), !text.contains("e") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Up to four significant decimals, trailing zeros dropped.
    public static func trimmed(_ x: Double) -> String {
        var text = EvaluationReportRenderer.format(x, digits: 4)
        guard text.contains("."), !text.contains("e") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
