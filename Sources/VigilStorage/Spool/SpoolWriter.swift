import VigilCore

/// The one way events enter the spool: file tailers, stdin and HTTP ingest all commit through it, so every
/// source gets the same guarantee (a batch's events, its rejected lines' dead letters and its file checkpoint
/// commit in one transaction, or nothing does) and the same figures.
///
/// Metrics (one set for every source, labelled by it): `vigil_spool_appended_events_total{source}` (events
/// committed) and `vigil_spool_full_total{source}` (batches refused because the spool was full under
/// `when_full: block`).
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
    private let appended: CounterFamily
    private let full: CounterFamily

    public init(spool: Spool, registry: MetricRegistry) {
        self.spool = spool
        appended = registry.counter("vigil_spool_appended_events_total", help: "Events committed to the spool, by source.",
                                    labelNames: ["source"])
        full = registry.counter("vigil_spool_full_total",
                                help: "Batches refused because the spool was full (when_full: block), by source.", labelNames: ["source"])
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
            if !records.isEmpty { appended.labels(source).increment(by: records.count) }
        case .full:
            full.labels(source).increment()
        }
        return result
    }

    /// Events committed from `source` so far (what `vigil_spool_appended_events_total` shows).
    public func appendedEvents(source: String) -> Double { appended.labels(source).value }
}
