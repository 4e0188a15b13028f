import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilSources
import VigilStorage
import VigilHTTPClient

/// Builds the file and stdin sources and the sink they hand batches to: events, the batch's rejected
/// lines (as dead letters) and the file checkpoint are committed through the spool's one writer (the same
/// as HTTP ingest's) in ONE transaction, so a
/// checkpoint never runs ahead of the events it covers, and a crash replays at most an uncommitted batch
/// (with the same deterministic ids, so nothing is indexed twice).
enum SourceWiring {
    static func makeSink(writer: SpoolWriter, source: String, io: BlockingPool, onAccepted: @escaping @Sendable ([Event]) -> Void) -> SourceSink {
        { events, rejects, checkpoint in
            let letters = rejects.map { DeadLetterInput(source: $0.source, position: $0.position, reason: $0.reason.rawValue, detail: $0.message, raw: $0.raw) }
            // Events go in as they are (they are `SpoolEncodable`): no record array per batch.
            let result = try await io.run { try writer.append(events, source: source, checkpoint: checkpoint, deadLetters: letters) }
            guard result == .committed else { return false }
            onAccepted(events)
            return true
        }
    }

    /// - Parameter stopAtEnd: file sources return once they have read their files to the end (`vigil ship`)
    ///   instead of tailing them.
    static func services(_ config: AgentConfiguration, pipeline: EventPipeline, registry: MetricRegistry, storage: StorageRuntime,
                         logger: Logger, stopAtEnd: Bool = false,
                         onAccepted: @escaping @Sendable ([Event]) -> Void) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var out: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var checkpoints: [FileCheckpoint]?
        for source in config.sources {
            switch source {
            case .http, .otlp:
                continue
            case .file(let file):
                if checkpoints == nil { checkpoints = try storage.spool.loadCheckpoints() }
                let tailer = FileTailer(
                    configuration: FileTailerConfiguration(
                        paths: file.paths, exclude: file.exclude, format: LogFormat(rawValue: file.format.rawValue) ?? .json,
                        startAt: file.startAt == .end ? .end : .beginning,
                        scanInterval: .milliseconds(Int64(file.scanIntervalSeconds * 1000)),
                        idleFlush: stopAtEnd ? .zero : .milliseconds(Int64(file.idleFlushSeconds * 1000)),
                        maxLineBytes: file.maxLineBytes, sourceName: file.name, stopAtEnd: stopAtEnd),
                    pipeline: pipeline, registry: registry, checkpoints: checkpoints ?? [], logger: logger,
                    sink: makeSink(writer: storage.writer, source: file.name, io: storage.io, onAccepted: onAccepted))
                out.append(.init(service: tailer))
            case .stdin:
                // stdin ends; the agent keeps serving after it (use `vigil ship` to stop at end of input).
                // Its own executor: its reads wait for input, which must not hold the spool's appends back.
                let stdin = StdinSource(pipeline: pipeline, runID: "\(getpid())-\(Int(Date().timeIntervalSince1970))", logger: logger,
                                        executor: BlockingPool(label: "vigil.sources.stdin"),
                                        sink: makeSink(writer: storage.writer, source: "stdin", io: storage.io, onAccepted: onAccepted))
                out.append(.init(service: stdin, successTerminationBehavior: .ignore))
            }
        }
        return out
    }
}

/// The sources run their blocking reads on the runtime's executor.
extension BlockingPool: BlockingExecutor {}
