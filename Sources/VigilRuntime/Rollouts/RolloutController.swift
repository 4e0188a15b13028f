import Logging
import ServiceLifecycle
import Synchronization
import VigilCore

/// Drives the rollouts of one agent (or of a fleet's controller): evaluates every rollout on a timer, applies
/// release managers' commands, persists each change with its audit entry before anything else happens, then
/// updates assignment, metrics and notifiers.
///
/// An actor, so evaluations and commands are applied one at a time: a manual action racing an automatic one
/// gives one outcome. Assignment does not wait for the actor: it reads a table that is replaced right after a
/// change is committed, so a rollback takes effect on the next request.
public actor RolloutController {
    /// One rollout as the API and `vigil rollout status` show it.
    public struct Status: Sendable, Codable, Hashable {
        public var model: String
        public var champion: String
        public var challenger: String
        public var state: RolloutStateMachine.Phase
        public var step: Int?
        public var steps: [Double]
        /// The challenger's share in percent.
        public var weight: Double
        public var weights: [VariantWeight]
        public var automatic: Bool
        public var version: Int
        public var updatedAtMillis: Int64
        public var lastEvaluation: RolloutEvaluation?
        /// `controller` when `vigil controller` decides this rollout (this process only counts and serves).
        public var evaluator: String?
        /// The evidence queries of the last evaluation and what they returned (controller evaluation only).
        public var queries: [RolloutQueryExplanation]?
    }

    public struct VariantWeight: Sendable, Codable, Hashable {
        public var variant: String
        public var percent: Double
    }

    /// The answer of `GET /v1/assign`.
    public struct AssignmentAnswer: Sendable, Codable, Hashable {
        public var model: String
        public var unit: String
        public var variant: String
        public var bucket: Int
        public var state: RolloutStateMachine.Phase
        public var step: Int?
    }

    /// What a command did.
    public struct CommandResult: Sendable, Codable, Hashable {
        /// `changed`, `unchanged` (it already held: harmless), `refused`, `conflict` (another writer changed the
        /// state first; retry), `unavailable` (the state store could not be written: nothing changed; retry),
        /// `unknown` (no such rollout).
        public var outcome: String
        public var message: String
        public var status: Status?
        public var transition: RolloutTransition?
    }

    private var machines: [String: RolloutStateMachine]
    private let order: [String]
    private let store: any RolloutStore
    private let evidence: any RolloutEvidenceSource
    private let notifiers: [any RolloutNotifier]
    private let metrics: RolloutMetrics
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private nonisolated let assignment: Mutex<[String: (machine: RolloutStateMachine, salt: Assignment)]>
    /// Models this process does not evaluate (`evaluator: controller` on an agent): their state comes from the store.
    private let evaluatedElsewhere: Set<String>

    public init(definitions: [RolloutDefinition], store: any RolloutStore, evidence: any RolloutEvidenceSource,
                notifiers: [any RolloutNotifier] = [], registry: MetricRegistry, logger: Logger = Logger(label: "vigil.rollouts"),
                evaluatedElsewhere: Set<String> = [], now: @escaping @Sendable () -> Int64) {
        self.evaluatedElsewhere = evaluatedElsewhere
        var machines: [String: RolloutStateMachine] = [:]
        for d in definitions { machines[d.model] = RolloutStateMachine(definition: d) }
        self.machines = machines
        self.order = definitions.map(\.model)
        self.store = store
        self.evidence = evidence
        self.notifiers = notifiers
        self.metrics = RolloutMetrics(registry: registry)
        self.logger = logger
        self.now = now
        self.assignment = Mutex(machines.mapValues { ($0, $0.definition.assignment) })
        for m in machines.values { metrics.publish(m) }
    }

    /// Loads the saved state of every rollout (call once at start).
    public func restore() async throws {
        for model in order {
            guard let definition = machines[model]?.definition else { continue }
            let snapshot = try await store.load(model: model)
            let machine = RolloutStateMachine(definition: definition, restoring: snapshot)
            if snapshot != nil, machine.version == 0, snapshot?.version != 0 {
                logger.notice("rollout definition changed: saved state ignored",
                              metadata: ["rollout.model": "\(model)", "rollout.challenger": "\(definition.challenger)"])
            }
            install(machine)
        }
    }

    /// ``restore()``, retried every `interval` while it fails (a shared store that is down at start, with no state
    /// cached yet); until then the rollouts keep their definitions' initial state. False when shutting down first.
    public func restoreRetrying(every interval: Duration) async -> Bool {
        while true {
            do {
                try await restore()
                return true
            } catch {
                logger.error("rollout state restore failed: retrying", metadata: ["error": "\(error)"])
                do { try await Task.sleep(for: interval) } catch { return false }
                if Task.isShuttingDownGracefully { return false }
            }
        }
    }

    /// Takes up changes that other writers (agents or controllers sharing the store) committed: a stored version
    /// newer than the one in memory replaces it. On a store error the state in memory stays (fail static).
    @discardableResult
    public func refresh() async -> Bool {
        for model in order {
            guard let current = machines[model] else { continue }
            guard await takeUp(model, newerThan: current.version) else { return false }
        }
        return true
    }

    /// Loads `model`'s stored state and installs it when it is newer than `version` (and than what is in memory by
    /// then: an evaluation or a command may have committed while the store was read). False on a store error.
    private func takeUp(_ model: String, newerThan version: Int) async -> Bool {
        do {
            guard let saved = try await store.load(model: model), saved.version > version,
                  let latest = machines[model], saved.version > latest.version else { return true }
            install(RolloutStateMachine(definition: latest.definition, restoring: saved))
            return true
        } catch {
            logger.warning("rollout state refresh failed: keeping the last known state", metadata: [
                "rollout.model": "\(model)", "error": "\(error)"])
            return false
        }
    }

    /// Like ``refresh()``, but first reads only the stored versions (when the store can) and loads just the
    /// rollouts whose version moved: cheap enough to run twice a second, so a fleet serves a decision within a
    /// second of its commit.
    @discardableResult
    public func refreshChanged() async -> Bool {
        let stored: [String: Int]?
        do { stored = try await store.versions() } catch {
            logger.warning("rollout version poll failed: keeping the last known state", metadata: ["error": "\(error)"])
            return false
        }
        guard let stored else { return await refresh() }
        for model in order {
            guard let current = machines[model], let version = stored[model], version > current.version else { continue }
            guard await takeUp(model, newerThan: current.version) else { return false }
        }
        return true
    }

    public func list() -> [Status] { order.compactMap { machines[$0].map(status) } }

    public func status(model: String) -> Status? { machines[model].map(status) }

    private func status(_ m: RolloutStateMachine) -> Status {
        var s = Self.status(m)
        let model = m.definition.model
        s.evaluator = evaluatedElsewhere.contains(model) ? "controller" : (evidence.explanation(for: model) == nil ? nil : "controller")
        s.queries = evidence.explanation(for: model)
        return s
    }

    /// The standing Argo Rollouts and Flagger test.
    public func verdict(model: String) -> RolloutVerdict? { machines[model].map(RolloutVerdict.init) }

    public func audit(model: String?, limit: Int) async throws -> [AuditEntry] {
        try await store.audit(model: model, limit: limit)
    }

    /// Evaluates every running or paused rollout once.
    @discardableResult
    public func evaluateAll() async -> [RolloutAction] {
        var actions: [RolloutAction] = []
        let due = order.compactMap { model -> RolloutDefinition? in
            guard !evaluatedElsewhere.contains(model), let m = machines[model], m.phase == .running || m.phase == .paused else { return nil }
            return m.definition
        }
        // Every rollout's evidence at once (a controller's are Prometheus queries), then one evaluation at a time.
        let source = evidence
        for d in due { source.continueFrom(machines[d.model]?.snapshot.baseline, model: d.model) }
        let gathered = await withTaskGroup(of: (String, RolloutEvidence).self) { group -> [String: RolloutEvidence] in
            for d in due { group.addTask { (d.model, await source.evidence(for: d)) } }
            var out: [String: RolloutEvidence] = [:]
            for await (model, e) in group { out[model] = e }
            return out
        }
        for model in due.map(\.model) {
            guard let observed = gathered[model] else { continue }
            // Re-read: a command may have changed the state while the evidence was being read.
            guard var machine = machines[model] else { continue }
            let action = machine.evaluate(observed, now: now())
            actions.append(action)
            switch action {
            case .transition(let t):
                // Not committed (lost a race, or the store is down): nothing changed; the next round re-evaluates.
                _ = await commit(machine, t)
            case .observe(let e), .recommend(let e):
                metrics.count(decision: e.decision.rawValue, model: model)
                metrics.publish(e)
                machines[model] = machine
                do { try await store.save(machine.snapshot) } catch {
                    logger.error("rollout state save failed", metadata: ["rollout.model": "\(model)", "error": "\(error)"])
                }
                for n in notifiers {
                    await n.evaluated(e, definition: machine.definition)
                    if case .recommend = action { await n.recommend(e, definition: machine.definition) }
                }
            case .idle, .unchanged, .refused:
                break
            }
        }
        return actions
    }

    /// Applies a release manager's command.
    public func apply(_ command: RolloutStateMachine.Command, model: String, actor: String, reason: String) async -> CommandResult {
        guard let definition = machines[model]?.definition else {
            return CommandResult(outcome: "unknown", message: "no rollout is configured for model \"\(model)\"")
        }
        // A start compares from the traffic seen from now on.
        // (A rollout decided elsewhere takes its baseline from the deciding controller's first evaluation.)
        let current = command == .start && !evaluatedElsewhere.contains(model) ? await evidence.evidence(for: definition) : nil
        guard var machine = machines[model] else {
            return CommandResult(outcome: "unknown", message: "no rollout is configured for model \"\(model)\"")
        }
        switch machine.apply(command, by: actor, reason: reason, now: now(), evidence: current) {
        case .transition(let t):
            switch await commit(machine, t) {
            case .committed:
                return CommandResult(outcome: "changed", message: "\(model): \(t.from.rawValue) → \(t.to.rawValue)",
                                     status: Self.status(machine), transition: t)
            case .lostRace:
                return CommandResult(outcome: "conflict", message: "\(model) was changed by another writer; try again",
                                     status: machines[model].map(Self.status))
            case .failed(let error):
                return CommandResult(outcome: "unavailable",
                                     message: "\(model): the rollout state store could not be written, nothing changed; try again (\(error))",
                                     status: machines[model].map(Self.status))
            }
        case .unchanged(let message):
            return CommandResult(outcome: "unchanged", message: message, status: Self.status(machine))
        case .refused(let message):
            return CommandResult(outcome: "refused", message: message, status: Self.status(machine))
        default:
            return CommandResult(outcome: "unchanged", message: "nothing to do", status: Self.status(machine))
        }
    }

    /// The variant `unit` is served for `model`; `nil` when no rollout is configured for it.
    public nonisolated func assign(model: String, unit: String) -> AssignmentAnswer? {
        assignment.withLock { table -> AssignmentAnswer? in
            guard let entry = table[model] else { return nil }
            let bucket = entry.salt.bucket(of: unit)
            let challenger = Assignment.isChallenger(bucket: bucket, percent: entry.machine.weight)
            let d = entry.machine.definition
            return AssignmentAnswer(model: model, unit: unit, variant: challenger ? d.challenger : d.champion, bucket: bucket,
                                    state: entry.machine.phase, step: entry.machine.step)
        }
    }

    // MARK: Private

    enum CommitOutcome { case committed, lostRace, failed(String) }

    /// Persists first; only a committed change becomes visible (assignment, metrics, notifications).
    private func commit(_ machine: RolloutStateMachine, _ t: RolloutTransition) async -> CommitOutcome {
        let model = machine.definition.model
        do {
            guard try await store.commit(machine.snapshot, transition: t) else {
                logger.warning("rollout change lost a race: reloading", metadata: ["rollout.model": "\(model)",
                                                                                   "rollout.change": "\(t.change.rawValue)"])
                if let saved = try await store.load(model: model) {
                    install(RolloutStateMachine(definition: machine.definition, restoring: saved))
                }
                return .lostRace
            }
        } catch {
            logger.error("rollout change not persisted: not applied", metadata: [
                "rollout.model": "\(model)", "rollout.change": "\(t.change.rawValue)", "error": "\(error)"])
            return .failed("\(error)")
        }
        install(machine)
        metrics.count(decision: t.automatic ? (t.evaluation?.decision.rawValue ?? t.change.rawValue) : t.change.rawValue, model: model)
        if let e = t.evaluation, t.automatic { metrics.publish(e) }
        logger.notice("rollout changed", metadata: [
            "rollout.model": "\(model)", "rollout.change": "\(t.change.rawValue)", "rollout.from": "\(t.from.rawValue)",
            "rollout.to": "\(t.to.rawValue)", "rollout.weight": "\(t.toWeight)", "rollout.actor": "\(t.actor)",
            "rollout.reason": "\(t.reason)", "rollout.version": "\(t.version)"])
        for n in notifiers { await n.notify(t, definition: machine.definition) }
        return .committed
    }

    private func install(_ machine: RolloutStateMachine) {
        let model = machine.definition.model
        machines[model] = machine
        assignment.withLock { $0[model] = (machine, machine.definition.assignment) }
        metrics.publish(machine)
    }

    static func status(_ m: RolloutStateMachine) -> Status {
        Status(model: m.definition.model, champion: m.definition.champion, challenger: m.definition.challenger,
               state: m.phase, step: m.step, steps: m.definition.steps, weight: m.weight,
               weights: m.weights.map { VariantWeight(variant: $0.variant, percent: $0.percent) },
               automatic: m.definition.automatic, version: m.version, updatedAtMillis: m.updatedAtMillis,
               lastEvaluation: m.lastEvaluation)
    }
}

/// Told about every committed change, every recommendation and every evaluation (webhooks, Alertmanager).
public protocol RolloutNotifier: Sendable {
    func notify(_ transition: RolloutTransition, definition: RolloutDefinition) async
    func recommend(_ evaluation: RolloutEvaluation, definition: RolloutDefinition) async
    /// Every evaluation that changed no state (`observe` and `recommend`).
    func evaluated(_ evaluation: RolloutEvaluation, definition: RolloutDefinition) async
}

extension RolloutNotifier {
    public func recommend(_ evaluation: RolloutEvaluation, definition: RolloutDefinition) async {}
    public func evaluated(_ evaluation: RolloutEvaluation, definition: RolloutDefinition) async {}
}

/// The rollout metric families.
struct RolloutMetrics: Sendable {
    let state: GaugeFamily
    let weight: GaugeFamily
    let decisions: CounterFamily
    let guardrail: GaugeFamily

    init(registry: MetricRegistry) {
        state = registry.gauge("vigil_rollout_state", help: "1 for the rollout's current state, 0 for the others.",
                               labelNames: ["model", "state"])
        weight = registry.gauge("vigil_rollout_weight", help: "Share of traffic assigned to each variant, in percent.",
                                labelNames: ["model", "variant"])
        decisions = registry.counter("vigil_rollout_decisions_total",
                                     help: "Rollout evaluations by decision, and release managers' actions by name.",
                                     labelNames: ["model", "decision"])
        guardrail = registry.gauge("vigil_rollout_guardrail_status",
                                   help: "Latest guardrail verdict: 1 pass, 0 pending or no data, -1 fail.",
                                   labelNames: ["model", "guardrail"])
    }

    func publish(_ m: RolloutStateMachine) {
        let model = m.definition.model
        for phase in RolloutStateMachine.Phase.allCases {
            state.labels(model, phase.rawValue).set(phase == m.phase ? 1 : 0)
        }
        for w in m.weights { weight.labels(model, w.variant).set(w.percent) }
        for g in m.definition.guardrails where m.lastEvaluation == nil {
            guardrail.labels(model, g.name).set(0)
        }
    }

    func publish(_ e: RolloutEvaluation) {
        for g in e.guardrails { guardrail.labels(e.model, g.metric).set(g.verdict.gaugeValue) }
    }

    func count(decision: String, model: String) {
        decisions.labels(model, decision).increment()
    }
}
