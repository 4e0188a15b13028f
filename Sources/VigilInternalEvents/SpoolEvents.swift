import Logging
import VigilCore

// The spool's events: what its one writer committed or refused, and the blocks its consumer could not read.

/// A batch committed to the spool by its one writer (`SpoolWriter`), from any source.
public struct SpoolEventsAppended: InternalEvent {
    /// The file source's name, `stdin` or `http`.
    public var source: String
    public var count: Int

    public init(source: String, count: Int) { self.source = source; self.count = count }

    public struct Metrics: InternalEventMetrics {
        let appended: CounterFamily
        public init(registry: MetricRegistry) {
            appended = registry.counter("vigil_spool_appended_events_total", help: "Events committed to the spool, by source.",
                                        labelNames: ["source"])
        }
        /// Events committed from `source` so far.
        public func appendedEvents(source: String) -> Double { appended.labels(source).value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.trace("events committed to the spool", metadata: ["source": "\(source)", "spool.events": "\(count)"])
        if count > 0 { metrics.appended.labels(source).increment(by: count) }
    }
}

/// A batch refused because the spool is full under `when_full: block`; the source offers it again later.
public struct SpoolFull: InternalEvent {
    public var source: String
    public var count: Int

    public init(source: String, count: Int) { self.source = source; self.count = count }

    public struct Metrics: InternalEventMetrics {
        let full: CounterFamily
        public init(registry: MetricRegistry) {
            full = registry.counter("vigil_spool_full_total",
                                    help: "Batches refused because the spool was full (when_full: block), by source.", labelNames: ["source"])
        }
        public func refusedBatches(source: String) -> Double { full.labels(source).value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.debug("spool is full; batch refused", metadata: ["source": "\(source)", "spool.events": "\(count)"])
        metrics.full.labels(source).increment()
    }
}

/// A spool block that could not be read back, dead-lettered as `corrupt_spool_block` and removed by the
/// spool's consumer, whichever sink it serves.
public struct SpoolBlockCorrupt: InternalEvent {
    public var blockID: Int64
    /// Undelivered events the block held, lost with it.
    public var eventsLost: Int64
    /// The sink whose consumer met it: `local`, `elasticsearch`.
    public var sink: String
    public var reason: String

    public init(blockID: Int64, eventsLost: Int64, sink: String, reason: String) {
        self.blockID = blockID; self.eventsLost = eventsLost; self.sink = sink; self.reason = reason
    }

    public struct Metrics: InternalEventMetrics {
        let blocks: Counter
        let events: Counter
        public init(registry: MetricRegistry) {
            blocks = registry.counter("vigil_spool_corrupt_blocks_total",
                                      help: "Spool blocks that could not be read back, dead-lettered as corrupt_spool_block.").labels()
            events = registry.counter("vigil_spool_corrupt_events_total", help: "Events lost in spool blocks that could not be read back.").labels()
        }
        public var corruptBlocks: Double { blocks.value }
        public var eventsLost: Double { events.value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.error("spool block cannot be decoded; dead-lettered",
                     metadata: ["spool.block": "\(blockID)", "spool.events": "\(eventsLost)", "sink": "\(sink)", "error": "\(reason)"])
        metrics.blocks.increment()
        if eventsLost > 0 { metrics.events.increment(by: Int(eventsLost)) }
    }
}
