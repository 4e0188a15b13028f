/// The life of one rollout: `pending → running(step) → promoted | rolled_back`, plus `paused`, driven by
/// evaluations (``evaluate(_:now:)``) and by release managers' commands (``apply(_:by:reason:now:)``).
///
/// A pure value in the style of swift-nio's state machines: every mutating method returns a ``RolloutAction``
/// that the runtime performs (persist the new ``snapshot`` with an audit entry in one transaction, update the
/// assignment weights and metrics, call webhooks, push alerts). It reads no clock: `now` is passed in.
///
/// Invariants:
/// - the challenger's weight is 0 unless running or paused (`pending`, `rolled_back`) and 100 % once promoted;
/// - automatic decisions act only while running with `automatic: true`; paused or manual rollouts get
///   recommendations, never changes;
/// - `inconclusive` and `hold` never change the state; only a failed guardrail rolls back;
/// - every change increments ``version`` (a fencing token for a shared store) and names who made it and why;
/// - repeating a command that already holds is harmless and says so (``RolloutAction/unchanged(_:)``);
/// - evidence is cumulative; the machine keeps the evidence at the rollout's start and at the step's start, and a
///   counter that went backwards (a restart of the source) restarts the comparison instead of inventing data.
///
/// ```swift
/// var machine = RolloutStateMachine(definition: rollout)
/// machine.apply(.start, by: "alice", reason: "ship v4", now: 0)     // .transition(pending → running, step 1)
/// machine.evaluate(evidence, now: 60_000)                            // .observe / .transition(advance …)
/// machine.weight                                                     // 5.0
/// ```
public struct RolloutStateMachine: Sendable {
    /// The phase the rollout is in.
    public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, running, paused, promoted
        case rolledBack = "rolled_back"
    }

    /// What release managers can do.
    public enum Command: String, Sendable, Hashable, Codable, CaseIterable {
        case start, promote, rollback, pause, resume
    }

    /// The state each phase carries.
    private enum State: Sendable, Hashable {
        case pending
        case running(Progress)
        case paused(Progress)
        case promoted
        case rolledBack
    }

    private struct Progress: Sendable, Hashable {
        var step: Int
        var stepStartedAtMillis: Int64
        /// Cumulative evidence when the rollout started and when the step started (taken at the first evaluation
        /// after a start, since a command carries no evidence).
        var baseline: RolloutEvidence?
        var stepBaseline: RolloutEvidence?
    }

    /// The name automatic decisions are audited under.
    public static let automaticActor = "vigil"

    public let definition: RolloutDefinition
    private var state: State
    /// Incremented on every change of state.
    public private(set) var version: Int
    public private(set) var updatedAtMillis: Int64
    /// The most recent evaluation, for status and metrics.
    public private(set) var lastEvaluation: RolloutEvaluation?

    public init(definition: RolloutDefinition) {
        self.definition = definition
        self.state = .pending
        self.version = 0
        self.updatedAtMillis = 0
    }

    public var phase: Phase {
        switch state {
        case .pending: .pending
        case .running: .running
        case .paused: .paused
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        }
    }

    /// Index of the current step while running or paused.
    public var step: Int? {
        switch state {
        case .running(let p), .paused(let p): p.step
        default: nil
        }
    }

    /// The challenger's share of traffic in percent: what assignment uses.
    public var weight: Double {
        switch state {
        case .pending, .rolledBack: 0
        case .promoted: 100
        case .running(let p), .paused(let p): definition.steps[p.step]
        }
    }

    /// Variant weights by name, for `vigil_rollout_weight`.
    public var weights: [(variant: String, percent: Double)] {
        [(definition.champion, 100 - weight), (definition.challenger, weight)]
    }

    /// The variant `unit` is served.
    public func assign(_ unit: String) -> (variant: String, bucket: Int) {
        let assignment = definition.assignment
        let bucket = assignment.bucket(of: unit)
        let challenger = Assignment.isChallenger(bucket: bucket, percent: weight)
        return (challenger ? definition.challenger : definition.champion, bucket)
    }

    // MARK: Evaluation

    /// Evaluates cumulative `evidence`; acts on the decision when running and automatic.
    public mutating func evaluate(_ evidence: RolloutEvidence, now: Int64) -> RolloutAction {
        let progress: Progress, paused: Bool
        switch state {
        case .running(let p): progress = p; paused = false
        case .paused(let p): progress = p; paused = true
        case .pending, .promoted, .rolledBack: return .idle
        }
        var p = progress
        if evidence.problem == nil {
            if p.baseline == nil || p.stepBaseline == nil {
                p.baseline = p.baseline ?? evidence
                p.stepBaseline = evidence
            } else if let baseline = p.baseline, evidence.wentBackwards(from: baseline)
                        || evidence.wentBackwards(from: p.stepBaseline ?? baseline) {
                p.baseline = evidence
                p.stepBaseline = evidence
                setProgress(p, paused: paused)
                let evaluation = placeholder(.inconclusive, "a counter went backwards or the evidence window moved (the evidence source restarted): "
                                             + "the comparison starts again from now", step: p, now: now)
                lastEvaluation = evaluation
                return .observe(evaluation)
            }
        }
        setProgress(p, paused: paused)
        let baseline = p.baseline ?? evidence
        let stepBaseline = p.stepBaseline ?? baseline
        var evaluation = RolloutEvaluator.evaluate(
            definition, total: evidence.since(baseline), step: evidence.since(stepBaseline), stepIndex: p.step,
            stepElapsedMillis: max(0, now - p.stepStartedAtMillis), nowMillis: now)
        if evidence.problem != nil {
            evaluation.decision = .inconclusive
        }
        lastEvaluation = evaluation
        guard evaluation.decision.changesState else { return .observe(evaluation) }
        guard !paused, definition.automatic else { return .recommend(evaluation) }
        let before = snapshotPosition
        switch evaluation.decision {
        case .advance:
            p.step += 1
            p.stepStartedAtMillis = now
            p.stepBaseline = evidence
            state = .running(p)
        case .promote: state = .promoted
        case .rollback: state = .rolledBack
        default: break
        }
        return .transition(record(from: before, change: RolloutChange(evaluation.decision), actor: Self.automaticActor,
                                  automatic: true, reason: evaluation.reason, evaluation: evaluation, now: now))
    }

    // MARK: Commands

    /// Applies a release manager's command. A command needs a reason; one that already holds changes nothing.
    /// - Parameter evidence: the cumulative evidence now; a `start` compares from here (without it, from the
    ///   first evaluation after the start).
    public mutating func apply(_ command: Command, by actor: String, reason: String, now: Int64,
                               evidence: RolloutEvidence? = nil) -> RolloutAction {
        guard !reason.allSatisfy(\.isWhitespace) else { return .refused("a reason is required for \(command.rawValue)") }
        let before = snapshotPosition
        let change: RolloutChange
        switch (command, state) {
        case (.start, .pending), (.start, .rolledBack):
            let baseline = evidence?.problem == nil ? evidence : nil
            state = .running(Progress(step: 0, stepStartedAtMillis: now, baseline: baseline, stepBaseline: baseline))
            change = .start
        case (.start, .running), (.start, .paused):
            return .unchanged("\(definition.model) is already \(phase.rawValue)")
        case (.start, .promoted):
            return .refused("\(definition.model) was promoted; configure a new challenger to start another rollout")

        case (.promote, .promoted):
            return .unchanged("\(definition.model) is already promoted")
        case (.promote, .rolledBack):
            return .refused("\(definition.model) was rolled back; start it again before promoting")
        case (.promote, _):
            state = .promoted
            change = .promote

        case (.rollback, .rolledBack):
            return .unchanged("\(definition.model) is already rolled back")
        case (.rollback, _):
            state = .rolledBack
            change = .rollback

        case (.pause, .running(let p)):
            state = .paused(p)
            change = .pause
        case (.pause, .paused):
            return .unchanged("\(definition.model) is already paused")
        case (.pause, _):
            return .refused("\(definition.model) is \(phase.rawValue); only a running rollout can be paused")

        case (.resume, .paused(let p)):
            state = .running(p)
            change = .resume
        case (.resume, .running):
            return .unchanged("\(definition.model) is already running")
        case (.resume, _):
            return .refused("\(definition.model) is \(phase.rawValue); only a paused rollout can be resumed")
        }
        return .transition(record(from: before, change: change, actor: actor, automatic: false, reason: reason,
                                  evaluation: lastEvaluation, now: now))
    }

    // MARK: Persistence

    /// Everything needed to resume after a restart.
    public var snapshot: RolloutSnapshot {
        var s = RolloutSnapshot(model: definition.model, champion: definition.champion, challenger: definition.challenger,
                                phase: phase, step: nil, stepStartedAtMillis: nil, baseline: nil, stepBaseline: nil,
                                version: version, updatedAtMillis: updatedAtMillis, lastEvaluation: lastEvaluation)
        switch state {
        case .running(let p), .paused(let p):
            s.step = p.step
            s.stepStartedAtMillis = p.stepStartedAtMillis
            s.baseline = p.baseline
            s.stepBaseline = p.stepBaseline
        default: break
        }
        return s
    }

    /// Resumes from `snapshot`. A snapshot of other variants (the definition changed) is ignored: the rollout
    /// starts pending. A step beyond the definition's steps is clamped to the last one.
    public init(definition: RolloutDefinition, restoring snapshot: RolloutSnapshot?) {
        self.init(definition: definition)
        guard let snapshot, snapshot.model == definition.model, snapshot.champion == definition.champion,
              snapshot.challenger == definition.challenger else { return }
        version = snapshot.version
        updatedAtMillis = snapshot.updatedAtMillis
        lastEvaluation = snapshot.lastEvaluation
        let progress = Progress(step: min(snapshot.step ?? 0, definition.steps.count - 1),
                                stepStartedAtMillis: snapshot.stepStartedAtMillis ?? snapshot.updatedAtMillis,
                                baseline: snapshot.baseline, stepBaseline: snapshot.stepBaseline)
        switch snapshot.phase {
        case .pending: state = .pending
        case .running: state = .running(progress)
        case .paused: state = .paused(progress)
        case .promoted: state = .promoted
        case .rolledBack: state = .rolledBack
        }
    }

    // MARK: Private

    private var snapshotPosition: (phase: Phase, step: Int?, weight: Double) { (phase, step, weight) }

    private mutating func setProgress(_ p: Progress, paused: Bool) {
        state = paused ? .paused(p) : .running(p)
    }

    private mutating func record(from before: (phase: Phase, step: Int?, weight: Double), change: RolloutChange,
                                 actor: String, automatic: Bool, reason: String, evaluation: RolloutEvaluation?,
                                 now: Int64) -> RolloutTransition {
        version += 1
        updatedAtMillis = now
        return RolloutTransition(model: definition.model, change: change, from: before.phase, to: phase,
                                 fromStep: before.step, toStep: step, fromWeight: before.weight, toWeight: weight,
                                 actor: actor, automatic: automatic, reason: reason, evaluation: evaluation,
                                 atMillis: now, version: version)
    }

    private func placeholder(_ decision: RolloutDecision, _ reason: String, step p: Progress, now: Int64) -> RolloutEvaluation {
        RolloutEvaluation(model: definition.model, decision: decision, reason: reason, atMillis: now, step: p.step,
                          weight: definition.steps[p.step], championRequests: 0, challengerRequests: 0,
                          championStepRequests: 0, challengerStepRequests: 0,
                          stepElapsedMillis: max(0, now - p.stepStartedAtMillis), sampleRatio: nil, guardrails: [],
                          primary: nil, alpha: definition.alpha, srmAlpha: definition.srmAlpha,
                          minSamples: definition.minSamples, minStepDurationMillis: definition.minStepDurationMillis)
    }
}

/// What the runtime must do after an evaluation or a command.
public enum RolloutAction: Sendable, Hashable {
    /// Nothing to evaluate (pending or finished).
    case idle
    /// Publish the evaluation (metrics, status); the state is unchanged.
    case observe(RolloutEvaluation)
    /// The evaluation calls for a change that is not applied (paused, or `automatic: false`): tell a person.
    case recommend(RolloutEvaluation)
    /// The state changed: persist the snapshot with an audit entry in one transaction, then notify.
    case transition(RolloutTransition)
    /// A command that already held: nothing changed (repeating an action is harmless).
    case unchanged(String)
    /// A command that does not apply in this state.
    case refused(String)
}

/// A change of state.
public enum RolloutChange: String, Sendable, Hashable, Codable {
    case start, advance, promote, rollback, pause, resume

    init(_ decision: RolloutDecision) {
        switch decision {
        case .promote: self = .promote
        case .rollback: self = .rollback
        default: self = .advance
        }
    }
}

/// One change of state, with who made it, why, and the evidence: the audit entry and the notification body.
public struct RolloutTransition: Sendable, Hashable, Codable {
    public var model: String
    public var change: RolloutChange
    public var from: RolloutStateMachine.Phase
    public var to: RolloutStateMachine.Phase
    public var fromStep: Int?
    public var toStep: Int?
    public var fromWeight: Double
    public var toWeight: Double
    /// A token's name, or `vigil` for an automatic decision.
    public var actor: String
    public var automatic: Bool
    public var reason: String
    public var evaluation: RolloutEvaluation?
    public var atMillis: Int64
    /// The state's version after the change.
    public var version: Int
}

/// The persisted form of a ``RolloutStateMachine``.
public struct RolloutSnapshot: Sendable, Hashable, Codable {
    public var model: String
    public var champion: String
    public var challenger: String
    public var phase: RolloutStateMachine.Phase
    public var step: Int?
    public var stepStartedAtMillis: Int64?
    public var baseline: RolloutEvidence?
    public var stepBaseline: RolloutEvidence?
    public var version: Int
    public var updatedAtMillis: Int64
    public var lastEvaluation: RolloutEvaluation?
}
