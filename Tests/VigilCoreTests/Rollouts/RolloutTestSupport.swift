@testable import VigilCore

enum RolloutFixtures {
    static func definition(steps: [Double] = RolloutDefinition.defaultSteps, minSamples: Int = 100,
                           minStepMillis: Int64 = 10_000, guardrails: [RolloutGuardrail] = [.init(metric: .errorRate)],
                           primary: RolloutPrimary? = nil, automatic: Bool = true) -> RolloutDefinition {
        try! RolloutDefinition(model: "m", champion: "v1", challenger: "v2", steps: steps, minSamples: minSamples,
                               minStepDurationMillis: minStepMillis, guardrails: guardrails, primary: primary,
                               automatic: automatic)
    }

    /// Cumulative evidence with request and error counts per variant.
    static func evidence(champion: (requests: Int, errors: Int), challenger: (requests: Int, errors: Int),
                         problem: String? = nil) -> RolloutEvidence {
        RolloutEvidence(champion: VariantEvidence(requests: champion.requests, errors: champion.errors),
                        challenger: VariantEvidence(requests: challenger.requests, errors: challenger.errors),
                        problem: problem)
    }

    static let zero = evidence(champion: (0, 0), challenger: (0, 0))

    /// A machine in `phase`, reached by commands from pending.
    static func machine(in phase: RolloutStateMachine.Phase, _ definition: RolloutDefinition = definition()) -> RolloutStateMachine {
        var m = RolloutStateMachine(definition: definition)
        let path: [RolloutStateMachine.Command] = switch phase {
        case .pending: []
        case .running: [.start]
        case .paused: [.start, .pause]
        case .promoted: [.start, .promote]
        case .rolledBack: [.start, .rollback]
        }
        for command in path { _ = m.apply(command, by: "test", reason: "setup", now: 0) }
        precondition(m.phase == phase)
        return m
    }
}

extension RolloutAction {
    var transition: RolloutTransition? { if case .transition(let t) = self { t } else { nil } }
    var evaluation: RolloutEvaluation? {
        switch self {
        case .observe(let e), .recommend(let e): e
        case .transition(let t): t.evaluation
        default: nil
        }
    }
    var kind: String {
        switch self {
        case .idle: "idle"
        case .observe: "observe"
        case .recommend: "recommend"
        case .transition: "transition"
        case .unchanged: "unchanged"
        case .refused: "refused"
        }
    }
}
