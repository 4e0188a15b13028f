import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VigilCore
import VigilPostgres
import VigilServer
import VigilStorage
import VigilElasticsearch
import VigilHTTPClient
import VigilOTLP
import VigilRemoteWrite

/// Command-line overrides for `vigil agent`.
public struct AgentOptions: Sendable {
    public var configPath: String?
    public var listen: String?
    public var dataDir: String?
    public var logLevel: String?
    public var stdin: Bool
    public init(configPath: String?, listen: String?, dataDir: String?, logLevel: String?, stdin: Bool) {
        self.configPath = configPath; self.listen = listen; self.dataDir = dataDir; self.logLevel = logLevel; self.stdin = stdin
    }
}

/// The agent: loads configuration, wires every part into one `ServiceGroup`, and runs until
/// SIGTERM/SIGINT, then shuts down in reverse order so sinks flush last.
public enum Agent {
    /// Runs the agent and returns the process exit status: 0 after a graceful shutdown, 1 for a bad
    /// configuration, 2 when a part fails to start or fails while running.
    public static func main(_ options: AgentOptions) async -> Int32 {
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        var config: AgentConfiguration
        do {
            config = try ConfigurationLoader.load(path: options.configPath)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            return 1
        }
        if let listen = options.listen {
            guard let (host, port) = ServerSettings.parseListen(listen) else {
                FileHandle.standardError.write(Data("--listen: expected HOST:PORT such as 127.0.0.1:9750, got \"\(listen)\"\n".utf8))
                return 1
            }
            config.server.host = host; config.server.port = port
            // The file was checked with its own listen address; the override must pass the same rule.
            if let problem = config.server.insecureTokenProblem(tokensConfigured: config.auth.isEnabled) {
                FileHandle.standardError.write(Data("--listen: \(problem)\n".utf8))
                return 1
            }
        }
        if let dataDir = options.dataDir { config.storage.dataDir = dataDir }
        if let level = options.logLevel {
            guard let parsed = LogLevelName(rawValue: level) else {
                FileHandle.standardError.write(Data("--log-level: must be one of \(LogLevelName.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(level)\"\n".utf8))
                return 1
            }
            config.log.level = parsed
        }
        if options.stdin { config.sources.append(.stdin(StdinSourceSettings())) }

        return await VigilRuntime.runLogged(config, label: "vigil", name: "agent") { try await run($0, logger: $1) }
    }

    static func run(_ config: AgentConfiguration, logger: Logger) async throws {
        let registry = MetricRegistry(clock: { Date().timeIntervalSince1970 },
                                      openMetricsCreatedSamples: config.server.metrics.createdSamples)
        ProcessMetrics.register(in: registry, version: VigilVersion.version, revision: VigilRuntime.revision)
        let readiness = Readiness()
        readiness.register("server")
        readiness.register("storage")
        let nowMillis: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

        // Storage first: nothing is acknowledged before it can be committed.
        let storage = try StorageRuntime(settings: config.storage, registry: registry, logger: logger)
        readiness.markReady("storage")

        var pipeline = try EventPipeline(configuration: config.pipeline, registry: registry)
        // Events bound for Elasticsearch carry their document shape, so the shipper does not parse them again.
        pipeline.computesDocumentShapes = config.sinks.elasticsearch != nil
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []

        // Sink: Elasticsearch when configured, else the embedded log store (the default). Listed first
        // so it shuts down last and flushes what the sources handed over.
        let sink = try ConfiguredSink.make(config, storage: storage, registry: registry, readiness: readiness, logger: logger, now: nowMillis)
        services.append(.init(service: sink.service))
        let logSearch = sink.logSearch

        // Fleet mode: rollout state, audit log and the label join in PostgreSQL (storage.shared).
        let shared = try config.storage.shared.map { c in
            let db = try SharedStateRuntime.open(c, baseDirectory: config.baseDirectory, logger: logger)
            logger.info("shared state in postgresql", metadata: ["db.url": "\(c.redactedURL)"])
            return db
        }
        if let shared { try await SharedStateRuntime.checkSchema(shared, logger: logger) }

        // Model monitoring: predictions and labels accepted by any source feed the monitor.
        let monitor: ModelMonitorService?
        if config.models.isEmpty {
            monitor = nil
        } else {
            let profiles = try ModelMonitorService.loadProfiles(config.models, relativeTo: config.baseDirectory)
            let service = ModelMonitorService(models: config.models, profiles: profiles, registry: registry,
                                              store: PendingPredictionStore(database: storage.database),
                                              shared: shared.map { .init(store: PostgresLabelJoinStore(database: $0),
                                                                         outbox: SharedJoinOutbox(database: storage.database),
                                                                         graceMillis: $0.configuration.labelJoinGraceMillis) },
                                              logger: logger,
                                              fields: config.pipeline.fields)
            try service.restore()
            services.append(.init(service: service))
            monitor = service
        }
        let rollouts = config.rollouts.isEmpty ? nil
            : try RolloutService.make(config, database: storage.database, registry: registry, logger: logger, shared: shared,
                                      now: nowMillis)
        if let rollouts {
            monitor?.rolloutEvidence = rollouts.service.evidence
            services.append(.init(service: rollouts.service))
            if let webhooks = rollouts.webhooks { services.append(.init(service: webhooks)) }
        }
        let logTap = rollouts.flatMap { $0.service.evidence.modelsCountingLogs.isEmpty ? nil : $0.service.evidence }
        let onAccepted: @Sendable ([Event]) -> Void = { events in
            if let logTap {
                for event in events where event.kind == .log { event.withBody { _ = logTap.recordRequestLog(UnsafeRawBufferPointer($0)) } }
            }
            monitor?.accept(events)
        }

        let httpEnabled = config.sources.contains { if case .http = $0 { return true } else { return false } }
        let ingestor: (any EventIngestor)? = httpEnabled
            ? RuntimeIngestor(pipeline: pipeline, writer: storage.writer, io: storage.io, now: nowMillis, onAccepted: onAccepted)
            : nil

        services.append(contentsOf: try SourceWiring.services(config, pipeline: pipeline, registry: registry, storage: storage,
                                                               logger: logger, onAccepted: onAccepted))

        // Remote write: the agent pushes its own metrics; its queue lives in the data folder.
        if let remoteWrite = config.remoteWrite {
            let writer = try RemoteWriter(configuration: remoteWrite, registry: registry,
                                          queueDirectory: config.storage.dataDir + "/remote_write", logger: logger)
            services.append(.init(service: writer))
            logger.info("remote write enabled", metadata: ["remote_write.url": "\(redactedURL(remoteWrite.url))",
                                                           "remote_write.interval": "\(remoteWrite.interval)"])
        }

        let listenHost = config.server.host
        let server = VigilHTTPServer(.init(
            registry: registry, readiness: readiness,
            authenticator: Authenticator(tokens: config.auth.tokens),
            ingestor: ingestor, logSearch: logSearch,
            maxBodyBytes: Int(config.server.maxBodyBytes),
            makeRequestID: { UUID().uuidString.lowercased() },
            monotonicSeconds: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
            rollouts: rollouts.map { RolloutAPI(controller: $0.service.controller) }))
        var tlsStore: TLSCertificateStore?
        if let tls = config.server.tls {
            let store = try TLSCertificateStore(configuration: tls)
            services.append(.init(service: TLSCertificateReloader(store: store, registry: registry, logger: logger)))
            tlsStore = store
        }
        if config.auth.isEnabled, !config.server.isLoopback, config.server.tls == nil {
            // Only reachable with server.allow_insecure_tokens: true (the configuration refuses it otherwise).
            logger.warning("auth tokens are accepted over plain HTTP beyond loopback; anyone on the network path can read them",
                           metadata: ["listen": "\(config.server.host):\(config.server.port)", "setting": "server.allow_insecure_tokens"])
        }
        let scheme = tlsStore == nil ? "http" : "https"
        let app = server.makeApplication(host: config.server.host, port: config.server.port, tls: tlsStore, logger: logger) { port in
            readiness.markReady("server")
            logger.info("server started", metadata: ["listen": "\(listenHost):\(port)", "metrics": "\(scheme)://\(listenHost):\(port)/metrics"])
        }
        // The servers are last: they stop first on shutdown, so no request is accepted that cannot be stored.
        services.append(.init(service: app))
        if let otlp = config.otlpSource {
            readiness.register("otlp")
            let receiver = OTLPLogsServer(.init(
                registry: registry, authenticator: Authenticator(tokens: config.auth.tokens),
                ingestor: RuntimeIngestor(pipeline: pipeline, writer: storage.writer, io: storage.io, now: nowMillis,
                                          source: "otlp", onAccepted: onAccepted),
                maxRequestBytes: Int(otlp.maxRequestBytes), fields: config.pipeline.fields,
                makeRequestID: { UUID().uuidString.lowercased() }))
            let otlpApp = receiver.makeApplication(host: otlp.host, port: otlp.port, tls: tlsStore, logger: logger) { port in
                readiness.markReady("otlp")
                logger.info("otlp receiver started", metadata: ["listen": "\(otlp.host):\(port)", "endpoint": "\(scheme)://\(otlp.host):\(port)/v1/logs"])
            }
            services.append(.init(service: otlpApp))
        }

        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        logger.info("agent starting", metadata: ["version": "\(VigilVersion.version)", "data_dir": "\(config.storage.dataDir)"])
        try await group.run()
    }
}

extension Agent {
    /// A URL without user information, for logs.
    static func redactedURL(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", range: scheme.upperBound..<url.endIndex) else { return url }
        let slash = url.range(of: "/", range: scheme.upperBound..<url.endIndex)
        if let slash, slash.lowerBound < at.lowerBound { return url }
        return String(url[..<scheme.upperBound]) + String(url[at.upperBound...])
    }
}

