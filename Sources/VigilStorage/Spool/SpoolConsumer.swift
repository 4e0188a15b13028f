#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import VigilCore
import VigilInternalEvents

/// The one way out of the spool: every sink (the embedded log store, Elasticsearch) reads and completes
/// spooled blocks through a consumer, which owns
/// - reading: zero-copy views of blocks (``SpoolBlockView``: the block's bytes in a pooled buffer and where
///   each undelivered event sits in them);
/// - completion: a block leaves the spool only when the sink says each of its events is delivered or
///   dead-lettered (``complete(_:)``);
/// - unreadable blocks: a block that cannot be read back (a damaged or missing segment, a newer format) is
///   dead-lettered as `corrupt_spool_block` with the number of events it held and removed, in one
///   transaction, logged and counted, and reading goes on past it, so no sink can wedge on it;
/// - the spool's metrics: `vigil_spool_corrupt_blocks_total`, `vigil_spool_corrupt_events_total` (through the
///   internal event ``SpoolBlockCorrupt``, which also writes the log line) and the
///   gauges `vigil_spool_bytes`, `vigil_spool_events`, `vigil_spool_oldest_age_seconds` with
///   `vigil_spool_dropped_total`, refreshed at every scrape (this type is their only writer).
///
/// One consumer per spool (the agent runs one sink). Blocks on SQLite: call it off the cooperative pool.
///
/// ```swift
/// let consumer = SpoolConsumer(spool: spool, sink: "local", registry: registry, logger: logger)
/// let read = try consumer.read(after: cursor, limit: 16, maxBytes: 16 << 20)
/// for view in read.views { /* hand view.entries to the sink */ }
/// try consumer.complete(read.views.map(\.blockID))   // once the sink has committed them
/// ```
public final class SpoolConsumer: Sendable {
    /// What one ``read(after:limit:maxBytes:maxEvents:)`` got.
    public struct Read: Sendable {
        /// The blocks read, in id order, with their undelivered events.
        public var views: [SpoolBlockView]
        /// Unreadable blocks dead-lettered and removed during the read (progress without events).
        public var discardedBlocks: Int
    }

    public let spool: Spool
    /// The sink's name, the `source` of the dead letters it writes: `local`, `elasticsearch`.
    public let sink: String
    private let corrupt: Emitter<SpoolBlockCorrupt>
    private let metrics: Metrics
    private let nowMillis: @Sendable () -> Int64

    /// At most this many unreadable blocks are discarded by one read before it gives up for now.
    static let maxDiscardsPerRead = 64

    /// The spool's gauges (the corrupt-block counters are ``SpoolBlockCorrupt``'s).
    struct Metrics: Sendable {
        let bytes: Gauge
        let events: Gauge
        let oldestAge: Gauge
        let dropped: Counter

        init(_ registry: MetricRegistry, capacityBytes: Int64) {
            bytes = registry.gauge("vigil_spool_bytes", help: "Bytes of undelivered blocks in the spool.").labels()
            events = registry.gauge("vigil_spool_events", help: "Undelivered events in the spool.").labels()
            oldestAge = registry.gauge("vigil_spool_oldest_age_seconds", help: "Age of the oldest undelivered block in the spool.").labels()
            dropped = registry.counter("vigil_spool_dropped_total", help: "Events dropped by when_full: drop_oldest.").labels()
            // The configured limit (storage.spool.max_bytes), so alerts compare the backlog with this agent's own.
            registry.gauge("vigil_spool_capacity_bytes", help: "The spool's size limit (storage.spool.max_bytes).")
                .labels().set(Double(capacityBytes))
        }
    }

    public init(spool: Spool, sink: String, registry: MetricRegistry, logger: Logger,
                nowMillis: @escaping @Sendable () -> Int64 = SpoolConsumer.wallClockMillis) {
        self.spool = spool
        self.sink = sink
        corrupt = Emitter(registry: registry, logger: logger)
        self.nowMillis = nowMillis
        let metrics = Metrics(registry, capacityBytes: spool.configuration.maxBytes)
        self.metrics = metrics
        registry.addCollector { [spool] in Self.refresh(metrics, spool: spool, nowMillis: nowMillis()) }
    }

    /// Milliseconds since 1970 by the system clock.
    @Sendable public static func wallClockMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// The oldest blocks after block id `after` (all when nil), without copying their events, stopping once
    /// the blocks read hold `maxBytes` bytes or `maxEvents` undelivered events (at least one block is returned
    /// when there is one). Unreadable blocks met on the way are dead-lettered, removed and counted, and the
    /// read goes on past them.
    public func read(after: Int64?, limit: Int, maxBytes: Int, maxEvents: Int = .max) throws -> Read {
        var discarded = 0
        while true {
            do {
                let views = try spool.oldestBlockViews(limit: limit, after: after, maxBytes: maxBytes, maxEvents: maxEvents)
                return Read(views: views, discardedBlocks: discarded)
            } catch let error as SpoolCorruptBlockError {
                try discard(error)
                discarded += 1
                if discarded >= Self.maxDiscardsPerRead { return Read(views: [], discardedBlocks: discarded) }
            }
        }
    }

    /// Dead-letters and removes an unreadable block (one transaction), then logs and counts it.
    private func discard(_ error: SpoolCorruptBlockError) throws {
        let lost = try spool.discardCorruptBlock(error, sink: sink)
        corrupt.emit(SpoolBlockCorrupt(blockID: error.blockID, eventsLost: lost, sink: sink, reason: error.reason))
    }

    /// Removes blocks whose every event the sink has delivered or dead-lettered, in one transaction; returns
    /// how many were still there (a block dropped by `drop_oldest` meanwhile is not).
    @discardableResult
    public func complete(_ blockIDs: [Int64]) throws -> Int {
        guard !blockIDs.isEmpty else { return 0 }
        return try spool.complete(blockIDs: blockIDs)
    }

    /// Events lost in unreadable blocks so far (what `vigil_spool_corrupt_events_total` shows).
    public var eventsLostInCorruptBlocks: Double { corrupt.metrics.eventsLost }

    /// The spool's totals now.
    public func stats() throws -> SpoolStats { try spool.stats() }

    /// Sets the spool gauges from the spool's totals (also done at every scrape).
    public func refreshGauges() {
        Self.refresh(metrics, spool: spool, nowMillis: nowMillis())
    }

    private static func refresh(_ metrics: Metrics, spool: Spool, nowMillis: Int64) {
        guard let stats = try? spool.stats() else { return }
        metrics.bytes.set(Double(stats.bytes))
        metrics.events.set(Double(stats.events))
        metrics.oldestAge.set(stats.oldestAppendedAtMillis.map { Double(max(0, nowMillis - $0)) / 1000 } ?? 0)
        metrics.dropped.set(total: Double(stats.droppedTotal))
    }
}
