import Logging
import VigilCore
import VigilInternalEvents

/// The one way events enter the spool: file tailers, stdin and HTTP ingest all commit through it, so every
/// source gets the same guarantee (a batch's events, its rejected lines' dead letters and its file checkpoint
/// commit in one transaction, or nothing does) and the same figures.
///
/// Metrics (one set for every source, labelled by it), through its internal events ``SpoolEventsAppended``
/// (`vigil_spool_appended_events_total{source}`: events committed) and ``SpoolFull`` (`vigil_spool_full_total{source}`:
/// batches refused because the spool was full under `when_full: block`) and ``FileCheckpointCommitted``
/// (`vigil_file_checkpoints_total{source}`).
///
/// Blocks on SQLite: call it off the cooperative pool (the runtime's `BlockingPool`).
///
/// ```swift
/// let writer = SpoolWriter(spool: spool, registry: registry)
/// switch try writer.append(events, source: "file", checkpoint: checkpoint, deadLetters: rejected) {
/// case .committed: break   // acknowledge: advance the tail, answer 202
/// case .full: break        // back-pressure: wait and offer the same batch again
/// }
/// ```
public final class SpoolWriter: Sendable {
    public let spool: Spool
    private let appended: Emitter<SpoolEventsAppended>
    private let full: Emitter<SpoolFull>
    private let checkpointed: Emitter<FileCheckpointCommitted>

    public init(spool: Spool, registry: MetricRegistry, logger: Logger = Logger(label: "vigil.spool")) {
        self.spool = spool
        appended = Emitter(registry: registry, logger: logger)
        full = Emitter(registry: registry, logger: logger)
        checkpointed = Emitter(registry: registry, logger: logger)
    }

    /// Commits `records` as one block, with `deadLetters` (the batch's rejected lines) and `checkpoint` (how far
    /// the file was read), in one transaction. ``SpoolAppendResult/full`` means nothing was written.
    @_specialize(where R == Event)
    @_specialize(where R == SpoolRecord)
    public func append<R: SpoolEncodable>(_ records: [R], source: String, checkpoint: FileCheckpoint? = nil,
                                          deadLetters: [DeadLetterInput] = []) throws -> SpoolAppendResult {
        let result = try spool.append(records, checkpoint: checkpoint, deadLetters: deadLetters)
        switch result {
        case .committed:
            appended.emit(SpoolEventsAppended(source: source, count: records.count))
            if let checkpoint { checkpointed.emit(FileCheckpointCommitted(source: source, path: checkpoint.path, offset: checkpoint.offset)) }
        case .full:
            full.emit(SpoolFull(source: source, count: records.count))
        }
        return result
    }

    /// Events committed from `source` so far (what `vigil_spool_appended_events_total` shows).
    public func appendedEvents(source: String) -> Double { appended.metrics.appendedEvents(source: source) }
}
