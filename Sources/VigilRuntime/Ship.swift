import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilCore
import VigilHTTPClient
import VigilElasticsearch
import VigilServer
import VigilStorage

/// Options of `vigil ship`.
public struct ShipOptions: Sendable {
    public var configPath: String?
    /// Files (glob patterns) to read, `-` for standard input; empty: the configured `file` and `stdin` sources.
    public var inputs: [String]
    public var dataDir: String?
    /// How long to wait for everything to be read and acknowledged.
    public var timeoutSeconds: Double
    /// Exit 4 when lines were rejected although everything accepted was delivered.
    public var failOnRejected: Bool
    public var logLevel: String?
    /// Print the summary as JSON instead of text.
    public var json: Bool

    public init(configPath: String?, inputs: [String], dataDir: String?, timeoutSeconds: Double, failOnRejected: Bool,
                logLevel: String?, json: Bool) {
        self.configPath = configPath; self.inputs = inputs; self.dataDir = dataDir; self.timeoutSeconds = timeoutSeconds
        self.failOnRejected = failOnRejected; self.logLevel = logLevel; self.json = json
    }
}

/// `vigil ship`: reads files (or stdin) to their end and delivers every event to the configured sink through
/// the spool, for batch jobs and CI. It is the agent's own wiring (``StorageRuntime``, ``SourceWiring`` with
/// files read to their end, the Elasticsearch shipper or the local log sink) run until the sources are done and
/// the spool is empty, or until the timeout.
///
/// Like the agent, it keeps file checkpoints in the data directory: a file already shipped from the same data
/// directory is not read again, and events an earlier run left in the spool are delivered by the next.
public enum Ship {
    /// Runs `vigil ship` and returns the exit status (see ``ShipSummary/ExitStatus``); prints the summary on
    /// stdout and problems on stderr.
    public static func main(_ options: ShipOptions) async -> Int32 {
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        var config: AgentConfiguration
        do {
            config = try ConfigurationLoader.load(path: options.configPath)
            try configure(&config, options)
        } catch {
            FileHandle.standardError.write(Data(("vigil ship: \(error)\n").utf8))
            return ShipSummary.ExitStatus.usage
        }
        // Quiet by default: the summary is the output; warnings and errors still go to stderr as JSON lines.
        let level = Logger.Level(rawValue: options.logLevel ?? LogLevelName.warning.rawValue) ?? .warning
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "vigil.ship")
        do {
            let summary = try await run(config, timeout: .milliseconds(Int64(options.timeoutSeconds * 1000)), logger: logger)
            print(options.json ? summary.json : summary.text)
            fflush(nil)
            return summary.exitStatus(failOnRejected: options.failOnRejected)
        } catch {
            FileHandle.standardError.write(Data(("vigil ship: \(error)\n").utf8))
            return ShipSummary.ExitStatus.failed
        }
    }

    /// Prints `vigil ship: <message>` on stderr.
    public static func reportUsageError(_ message: String) {
        FileHandle.standardError.write(Data(("vigil ship: \(message)\n").utf8))
    }

    /// The inputs replace the configured sources; without inputs the configured file and stdin sources are
    /// read (HTTP ingest is not a source that ends). Files are read from the beginning (`start_at` is for tailing).
    static func configure(_ config: inout AgentConfiguration, _ options: ShipOptions) throws {
        guard options.logLevel.map({ LogLevelName(rawValue: $0) != nil }) ?? true else {
            throw ShipError("--log-level must be one of \(LogLevelName.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(options.logLevel!)\"")
        }
        guard options.timeoutSeconds > 0 else { throw ShipError("--timeout must be positive") }
        if let dataDir = options.dataDir { config.storage.dataDir = dataDir }
        var sources: [SourceSettings] = []
        if options.inputs.isEmpty {
            for source in config.sources {
                switch source {
                case .file(var file):
                    file.startAt = .beginning
                    sources.append(.file(file))
                case .stdin:
                    sources.append(source)
                case .http, .otlp:
                    continue
                }
            }
            guard !sources.isEmpty else {
                throw ShipError("nothing to ship: name files (or - for standard input), or configure sources of type file or stdin")
            }
        } else {
            var paths: [String] = []
            for input in options.inputs {
                if input == "-" {
                    if !sources.contains(.stdin(StdinSourceSettings())) { sources.append(.stdin(StdinSourceSettings())) }
                    continue
                }
                // A plain path must be readable now: a typo must not become "0 lines shipped, exit 0".
                if !input.contains(where: { "*?[".contains($0) }) {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else { throw ShipError("\(input): no such file") }
                    guard !isDirectory.boolValue else { throw ShipError("\(input): is a directory") }
                    guard FileManager.default.isReadableFile(atPath: input) else { throw ShipError("\(input): not readable") }
                }
                paths.append(input)
            }
            if !paths.isEmpty {
                var file = FileSourceSettings()
                file.paths = paths.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
                sources.insert(.file(file), at: 0)
            }
        }
        config.sources = sources
    }

    /// Runs the sources to their end and the sink until the spool is empty (or `timeout`, or a signal).
    static func run(_ config: AgentConfiguration, timeout: Duration, logger: Logger) async throws -> ShipSummary {
        let registry = MetricRegistry(clock: { Date().timeIntervalSince1970 })
        let storage = try StorageRuntime(settings: config.storage, registry: registry, logger: logger)
        var pipeline = try EventPipeline(configuration: config.pipeline, registry: registry)
        pipeline.computesDocumentShapes = config.sinks.elasticsearch != nil

        // The agent's sink, built the same way (the shipper's readiness is not served here).
        let sink = try ConfiguredSink.make(config, storage: storage, registry: registry, readiness: Readiness(), logger: logger,
                                           now: { Int64(Date().timeIntervalSince1970 * 1000) })
        let sources = try SourceWiring.services(config, pipeline: pipeline, registry: registry, storage: storage, logger: logger,
                                                stopAtEnd: true, onAccepted: { _ in }).map(\.service)

        let spool = storage.spool
        let pendingBefore = try await storage.io.run { try spool.stats().events }
        let run = ShipRun(sink: sink, sources: sources, storage: storage, timeout: timeout, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: run, successTerminationBehavior: .gracefullyShutdownGroup)], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        try await group.run()
        let result = run.result
        let pending = (try? await storage.io.run { try spool.stats().events }) ?? -1

        // The figures, from the same counters the agent exposes on /metrics.
        let received = registry.counter("vigil_events_received_total", help: "", labelNames: ["source"])
        let rejectedFamily = registry.counter("vigil_events_rejected_total", help: "", labelNames: ["source", "reason"])
        var read = 0, blank = 0
        var rejected: [String: Int] = [:]
        for name in Set(config.sources.compactMap(Self.sourceName)) {
            read += Int(received.labels(name).value)
            for reason in RejectReason.allCases {
                let count = Int(rejectedFamily.labels(name, reason.rawValue).value)
                guard count > 0 else { continue }
                if reason == .empty { blank += count } else { rejected[reason.rawValue, default: 0] += count }
            }
        }
        let delivered = sink.delivered(), deadLettered = sink.deadLettered()
        return ShipSummary(outcome: result.outcome, sink: sink.name, seconds: result.seconds, read: read, blank: blank,
                           rejected: rejected, delivered: delivered, deadLettered: deadLettered, pending: Int(pending),
                           pendingBefore: Int(pendingBefore))
    }

    static func sourceName(_ source: SourceSettings) -> String? {
        switch source {
        case .file(let file): file.name
        case .stdin: "stdin"
        case .http, .otlp: nil
        }
    }
}

/// A problem with `vigil ship`'s arguments.
struct ShipError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The run itself, as the one service of a `ServiceGroup` (which turns SIGTERM/SIGINT into a graceful shutdown
/// that the sources, the sink and this loop all see).
final class ShipRun: Service, Sendable {
    struct Result: Sendable {
        var outcome: ShipSummary.Outcome
        var seconds: Double
    }

    private enum Step: Sendable {
        case sourcesEnded
        case sinkEnded
        case tick
    }

    let sink: ConfiguredSink
    let sources: [any Service]
    let storage: StorageRuntime
    let timeout: Duration
    let logger: Logger
    private let outcome = Mutex(Result(outcome: .interrupted, seconds: 0))

    init(sink: ConfiguredSink, sources: [any Service], storage: StorageRuntime, timeout: Duration, logger: Logger) {
        self.sink = sink; self.sources = sources; self.storage = storage; self.timeout = timeout; self.logger = logger
    }

    var result: Result { outcome.withLock { $0 } }

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + timeout
        let sink = self.sink, sources = self.sources, logger = self.logger, spool = storage.spool
        let ended = await withTaskGroup(of: Step.self) { group -> ShipSummary.Outcome in
            group.addTask {
                do { try await sink.service.run() } catch { logger.error("sink failed", metadata: ["error": "\(error)"]) }
                return .sinkEnded
            }
            group.addTask {
                await withTaskGroup(of: Void.self) { running in
                    for source in sources {
                        running.addTask {
                            do { try await source.run() } catch is CancellationError {
                            } catch { logger.error("source failed", metadata: ["error": "\(error)"]) }
                        }
                    }
                }
                return .sourcesEnded
            }
            group.addTask { try? await Task.sleep(for: .milliseconds(50)); return .tick }
            var sourcesEnded = false
            var outcome = ShipSummary.Outcome.interrupted
            waiting: while let step = await group.next() {
                switch step {
                case .sourcesEnded: sourcesEnded = true
                case .sinkEnded:
                    outcome = Task.isShuttingDownGracefully ? .interrupted : .sinkFailed
                case .tick:
                    group.addTask { try? await Task.sleep(for: .milliseconds(50)); return .tick }
                }
                if case .sinkEnded = step { break waiting }
                // Everything read is committed to the spool once the sources end; a block leaves the spool only
                // when the sink acknowledged (or dead-lettered) each of its events.
                if sourcesEnded, let stats = try? await storage.io.run({ try spool.stats() }), stats.events == 0 {
                    outcome = .complete
                    break waiting
                }
                if Task.isShuttingDownGracefully { outcome = .interrupted; break waiting }
                if clock.now >= deadline { outcome = .timedOut; break waiting }
            }
            // Stop the sink (with nothing left to flush, or past the deadline) and whatever source still reads.
            self.sink.requestStop()
            group.cancelAll()
            while await group.next() != nil {}
            return outcome
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        outcome.withLock { $0 = Result(outcome: ended, seconds: seconds) }
    }
}
