/// A rollout's standing in the terms other controllers test: Argo Rollouts' web metric provider
/// (`successCondition: result.verdict == "pass"`, `failureCondition: result.verdict == "fail"`, neither:
/// inconclusive) and Flagger's `confirm-promotion` and `rollback` webhooks.
public struct RolloutVerdict: Sendable, Hashable, Codable {
    public enum Value: String, Sendable, Hashable, Codable {
        /// Enough data and no guardrail failing.
        case pass
        /// A guardrail failed, or the rollout was rolled back.
        case fail
        /// Not enough data, incomplete evidence, or a sample-ratio mismatch: neither pass nor fail.
        case inconclusive
    }

    public var model: String
    public var verdict: Value
    /// Whether promoting now is backed by the evidence: passing, and the primary metric (if any) shows its improvement.
    public var promotable: Bool
    public var state: RolloutStateMachine.Phase
    public var decision: RolloutDecision?
    public var challengerWeight: Double
    public var reason: String
    /// Each guardrail's verdict by metric name (`pass`, `fail`, `pending`, `no_data`).
    public var guardrails: [String: MetricVerdict]

    public init(_ machine: RolloutStateMachine) {
        model = machine.definition.model
        state = machine.phase
        challengerWeight = machine.weight
        let e = machine.lastEvaluation
        decision = e?.decision
        guardrails = Dictionary((e?.guardrails ?? []).map { ($0.metric, $0.verdict) }, uniquingKeysWith: { a, _ in a })
        let failing = e?.guardrails.first { $0.verdict == .fail }
        switch machine.phase {
        case .rolledBack:
            verdict = .fail
            reason = "rolled back" + (e.map { ": \($0.reason)" } ?? "")
        case .promoted:
            verdict = .pass
            reason = "promoted"
        case .pending:
            verdict = .inconclusive
            reason = "the rollout has not started"
        case .running, .paused:
            if let failing {
                verdict = .fail
                reason = failing.summary
            } else if let e, e.decision != .inconclusive, e.decision != .hold {
                verdict = .pass
                reason = e.reason
            } else {
                verdict = .inconclusive
                reason = e?.reason ?? "not evaluated yet"
            }
        }
        let primaryShown = e?.primary.map { $0.verdict == .pass } ?? true
        promotable = machine.phase == .promoted || (verdict == .pass && machine.phase != .rolledBack && primaryShown)
    }
}
