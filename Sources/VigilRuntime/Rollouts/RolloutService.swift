import FoundationEssentials
import Logging
import ServiceLifecycle
import VigilCore
import VigilStorage
import VigilHTTPClient
import VigilPostgres

/// Runs the agent's rollouts: restores their state, evaluates them every `interval`, pushes due alerts, and
/// saves the local evidence counters so a restart continues them.
public final class RolloutService: Service, Sendable {
    public let controller: RolloutController
    public let evidence: LocalRolloutEvidence
    private let alertmanager: AlertmanagerNotifier?
    private let snapshots: StateSnapshotStore
    private let io: BlockingPool
    private let interval: Duration
    private let logger: Logger
    /// With a shared store: take up other writers' decisions every round.
    private let refreshes: Bool

    static let evidenceKey = "rollout-evidence"

    init(controller: RolloutController, evidence: LocalRolloutEvidence, alertmanager: AlertmanagerNotifier?,
         snapshots: StateSnapshotStore, io: BlockingPool, interval: Duration, logger: Logger, refreshes: Bool = false) {
        self.controller = controller
        self.evidence = evidence
        self.alertmanager = alertmanager
        self.snapshots = snapshots
        self.io = io
        self.interval = interval
        self.logger = logger
        self.refreshes = refreshes
    }

    /// Builds the rollout runtime of an agent: SQLite store (or, with `shared`, the fleet's PostgreSQL store with
    /// the last known state cached in SQLite), local evidence (restored), notifiers.
    static func make(_ config: AgentConfiguration, database: VigilDatabase, registry: MetricRegistry, logger: Logger,
                     shared: SharedDatabase? = nil,
                     now: @escaping @Sendable () -> Int64) throws -> (service: RolloutService, webhooks: WebhookNotifier?) {
        let io = BlockingPool(label: "vigil.rollouts")
        let snapshots = StateSnapshotStore(database: database)
        var ledger = RolloutEvidenceLedger()
        if let bytes = try snapshots.get(evidenceKey) {
            do { ledger = try JSONDecoder().decode(RolloutEvidenceLedger.self, from: Data(bytes)) } catch {
                logger.warning("saved rollout evidence unreadable: counting from zero", metadata: ["error": "\(error)"])
            }
        }
        let profiles = try ModelMonitorService.loadProfiles(config.models.filter { m in config.rollouts.contains { $0.model == m.name } },
                                                            relativeTo: config.baseDirectory)
        for d in config.rollouts {
            for g in d.guardrails {
                guard case .drift(let feature) = g.metric else { continue }
                guard let profile = profiles[d.model] else {
                    throw RolloutSetupError(description: "rollouts[\(d.model)].guardrails: drift of \"\(feature)\" needs models[\(d.model)].profile")
                }
                guard profile.feature(feature) != nil else {
                    throw RolloutSetupError(description: "rollouts[\(d.model)].guardrails: the profile of \(d.model) has no feature \"\(feature)\"")
                }
            }
        }
        let evidence = LocalRolloutEvidence(ledger, definitions: config.rollouts, profiles: profiles, fields: config.pipeline.fields,
                                            registry: registry)
        let (notifiers, webhooks, alertmanager) = try makeNotifiers(config, registry: registry, logger: logger, now: now)
        let store: any RolloutStore
        if let shared {
            let errors = registry.counter("vigil_shared_state_errors_total",
                                          help: "Operations on the shared PostgreSQL state that failed (the agent kept its last known state).",
                                          labelNames: ["operation"])
            store = FailStaticRolloutStore(shared: PostgresRolloutStore(database: shared), cache: snapshots, io: io,
                                           errors: errors, logger: logger)
        } else {
            store = BlockingRolloutStore(SQLiteRolloutStore(database: database), io: io)
        }
        let controller = RolloutController(definitions: config.rollouts,
                                           store: store,
                                           evidence: evidence, notifiers: notifiers, registry: registry, logger: logger,
                                           evaluatedElsewhere: config.controllerEvaluated, now: now)
        let service = RolloutService(controller: controller, evidence: evidence, alertmanager: alertmanager,
                                     snapshots: snapshots, io: io, interval: .seconds(5), logger: logger,
                                     refreshes: shared != nil)
        return (service, webhooks)
    }

    /// The webhook sender and the Alertmanager client of `actions:` (the agent's and the controller's).
    static func makeNotifiers(_ config: AgentConfiguration, registry: MetricRegistry, logger: Logger,
                              now: @escaping @Sendable () -> Int64) throws
        -> (notifiers: [any RolloutNotifier], webhooks: WebhookNotifier?, alertmanager: AlertmanagerNotifier?) {
        var notifiers: [any RolloutNotifier] = []
        var webhooks: WebhookNotifier?
        if !config.actions.webhooks.isEmpty {
            let secrets = try config.actions.webhooks.map { w -> [UInt8]? in
                guard let path = w.secretFile else { return nil }
                return try SecretFile.read(path, relativeTo: config.baseDirectory, what: "actions.webhooks.secret_file")
            }
            let w = WebhookNotifier(webhooks: config.actions.webhooks, secrets: secrets, registry: registry, logger: logger)
            notifiers.append(w)
            webhooks = w
        }
        let alertmanager = config.actions.alertmanager.map {
            AlertmanagerNotifier(settings: $0, registry: registry, logger: logger, now: now)
        }
        if let alertmanager { notifiers.append(alertmanager) }
        return (notifiers, webhooks, alertmanager)
    }

    public func run() async throws {
        // A shared store that is down at start (and no state cached yet) is retried; until then the rollouts
        // keep their definitions' initial state and are not evaluated.
        guard await controller.restoreRetrying(every: interval) else { return }
        await withTaskGroup(of: Void.self) { group in
            if refreshes {
                // Decisions committed by other writers (a controller, another agent) reach assignment within
                // `pollInterval`: a cheap poll of the stored versions, then a load of what moved.
                group.addTask { [controller = self.controller, pollInterval = Self.defaultPollInterval] in
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        await controller.refreshChanged()
                        do { try await Task.sleep(for: pollInterval) } catch { return }
                    }
                }
            }
            while !Task.isShuttingDownGracefully {
                await tick()
                do { try await Task.sleep(for: interval) } catch { break }
            }
            group.cancelAll()
        }
        await saveEvidence()
    }

    /// How often an agent with a shared store polls for decisions made elsewhere.
    static let defaultPollInterval: Duration = .milliseconds(500)

    /// One round: evaluate, push alerts, save the evidence counters.
    public func tick() async {
        if refreshes { await controller.refresh() }
        await controller.evaluateAll()
        await alertmanager?.flush()
        await saveEvidence()
    }

    private func saveEvidence() async {
        let ledger = evidence.snapshot
        let snapshots = self.snapshots
        do {
            try await io.run { try snapshots.put(Self.evidenceKey, value: [UInt8](try JSONEncoder().encode(ledger))) }
        } catch {
            logger.error("rollout evidence save failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Runs a synchronous store's SQLite calls on the blocking-work executor, off the cooperative pool.
struct BlockingRolloutStore: RolloutStore {
    let store: SQLiteRolloutStore
    let io: BlockingPool
    init(_ store: SQLiteRolloutStore, io: BlockingPool) { self.store = store; self.io = io }

    func load(model: String) async throws -> RolloutSnapshot? { try await io.run { try store.load(model: model) } }
    func commit(_ snapshot: RolloutSnapshot, transition: RolloutTransition) async throws -> Bool {
        try await io.run { try store.commit(snapshot, transition: transition) }
    }
    func save(_ snapshot: RolloutSnapshot) async throws { try await io.run { try store.save(snapshot) } }
    func audit(model: String?, limit: Int) async throws -> [AuditEntry] {
        try await io.run { try store.audit(model: model, limit: limit) }
    }
}

/// A rollout that cannot be set up with the files it names (profiles, secrets).
struct RolloutSetupError: Error, CustomStringConvertible { var description: String }

/// Reads a secret from a file (trailing newlines dropped); errors name the setting, never the content.
enum SecretFile {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func read(_ path: String, relativeTo base: String?, what: String) throws -> [UInt8] {
        let full = path.hasPrefix("/") || base == nil ? path : base! + "/" + path
        guard let data = FileManager.default.contents(atPath: full) else {
            throw Failure(description: "\(what): cannot read \(full)")
        }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw Failure(description: "\(what): \(full) is empty") }
        return bytes
    }
}
