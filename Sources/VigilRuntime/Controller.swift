import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilPostgres
import VigilServer

/// `vigil controller`: decides a fleet's rollouts (those with `evaluator: controller`) from the sum of every
/// agent's counters in Prometheus, over the shared PostgreSQL rollout state. The agents keep counting and serving
/// assignment; they take up each decision within a second (they poll the stored versions).
public enum Controller {
    /// Exit status: 0 after a graceful shutdown, 1 for a bad configuration, 2 when a part fails.
    public static func main(configPath: String, listen: String?, logLevel: String?) async -> Int32 {
        func fail(_ message: String) -> Int32 {
            FileHandle.standardError.write(Data(("vigil controller: " + message + "\n").utf8))
            return 1
        }
        var config: AgentConfiguration
        do { config = try ConfigurationLoader.load(path: configPath) } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            return 1
        }
        if let listen {
            guard let (host, port) = ServerSettings.parseListen(listen) else {
                return fail("--listen: expected HOST:PORT such as 127.0.0.1:9760, got \"\(listen)\"")
            }
            config.server.host = host; config.server.port = port
        }
        if let level = logLevel {
            guard let parsed = LogLevelName(rawValue: level) else {
                return fail("--log-level: must be one of \(LogLevelName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            config.log.level = parsed
        }
        guard config.storage.shared != nil else {
            return fail("\(configPath) has no storage.shared: the controller decides rollouts in the fleet's shared PostgreSQL state")
        }
        guard config.controller != nil else {
            return fail("\(configPath) has no controller: section (controller: { prometheus: { url: http://prometheus:9090 } })")
        }
        guard config.rollouts.contains(where: { config.controllerEvaluated.contains($0.model) }) else {
            return fail("\(configPath) has no rollout with evaluator: controller: nothing to decide")
        }
        return await VigilRuntime.runLogged(config, label: "vigil.controller", name: "controller") { try await run($0, logger: $1) }
    }

    static func run(_ config: AgentConfiguration, logger: Logger) async throws {
        guard let sharedSettings = config.storage.shared, let settings = config.controller else { return }
        let registry = MetricRegistry(clock: { Date().timeIntervalSince1970 },
                                      openMetricsCreatedSamples: config.server.metrics.createdSamples)
        ProcessMetrics.register(in: registry, version: VigilVersion.version, revision: VigilRuntime.revision)
        let readiness = Readiness()
        readiness.register("server")
        readiness.register("rollouts")
        let nowMillis: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
        let shared = try SharedStateRuntime.open(sharedSettings, baseDirectory: config.baseDirectory, logger: logger)
        defer { shared.shutdown() }
        let evidence = try PrometheusRolloutEvidence(settings: settings, registry: registry, logger: logger,
                                                     baseDirectory: config.baseDirectory, now: nowMillis)
        defer { evidence.shutdown() }
        let definitions = config.rollouts.filter { config.controllerEvaluated.contains($0.model) }
        // The controller makes the decisions, so it is the one that tells webhooks and Alertmanager (agents that
        // only take a decision up notify nobody).
        let (notifiers, webhooks, alertmanager) = try RolloutService.makeNotifiers(config, registry: registry, logger: logger, now: nowMillis)
        let controller = RolloutController(definitions: definitions, store: PostgresRolloutStore(database: shared),
                                           evidence: evidence, notifiers: notifiers, registry: registry, logger: logger, now: nowMillis)
        let roundDuration = registry.histogram("vigil_controller_round_duration_seconds",
                                               help: "Time of one controller round: refresh from the shared store, then every rollout's queries and evaluation.",
                                               buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        let rounds = ControllerService(controller: controller, interval: .milliseconds(Int64(settings.intervalSeconds * 1000)),
                                       readiness: readiness, roundDuration: roundDuration.labels(), alertmanager: alertmanager,
                                       logger: logger)
        let server = VigilHTTPServer(.init(
            registry: registry, readiness: readiness, authenticator: Authenticator(tokens: config.auth.tokens),
            ingestor: nil, logSearch: nil, maxBodyBytes: Int(config.server.maxBodyBytes),
            makeRequestID: { UUID().uuidString.lowercased() },
            monotonicSeconds: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
            rollouts: RolloutAPI(controller: controller)))
        let listenHost = config.server.host
        let app = server.makeApplication(host: config.server.host, port: config.server.port, tls: nil, logger: logger) { port in
            readiness.markReady("server")
            logger.info("server started", metadata: ["listen": "\(listenHost):\(port)", "metrics": "http://\(listenHost):\(port)/metrics"])
        }
        let group = ServiceGroup(configuration: .init(
            services: (webhooks.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? [])
                + [.init(service: rounds), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        logger.info("controller starting", metadata: ["version": "\(VigilVersion.version)", "prometheus": "\(Agent.redactedURL(settings.url))",
                                                      "rollouts": "\(definitions.map(\.model).joined(separator: ","))"])
        try await group.run()
    }
}

/// The controller's rounds: restore (retried while the database is down), then every `interval` take up other
/// writers' changes and evaluate every rollout from the fleet's evidence.
final class ControllerService: Service, Sendable {
    let controller: RolloutController
    let interval: Duration
    let readiness: Readiness
    let roundDuration: Histogram
    let alertmanager: AlertmanagerNotifier?
    let logger: Logger

    init(controller: RolloutController, interval: Duration, readiness: Readiness, roundDuration: Histogram,
         alertmanager: AlertmanagerNotifier?, logger: Logger) {
        self.controller = controller; self.interval = interval; self.readiness = readiness
        self.roundDuration = roundDuration; self.alertmanager = alertmanager; self.logger = logger
    }

    func run() async throws {
        guard await controller.restoreRetrying(every: interval) else { return }
        readiness.markReady("rollouts")
        while !Task.isShuttingDownGracefully {
            let start = ContinuousClock.now
            await controller.refresh()
            await controller.evaluateAll()
            roundDuration.observe(ContinuousClock.now - start)
            await alertmanager?.flush()
            do { try await Task.sleep(for: interval) } catch { break }
        }
    }
}
