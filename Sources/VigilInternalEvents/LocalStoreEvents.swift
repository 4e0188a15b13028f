import Logging
import VigilCore

// The embedded log store sink's events: events committed to the store, events removed by retention.

/// A flush of the embedded log store: `count` events committed (and their spool blocks completed).
public struct LocalStoreEventsStored: InternalEvent {
    public var count: Int

    public init(count: Int) { self.count = count }

    public struct Metrics: InternalEventMetrics {
        let stored: Counter
        public init(registry: MetricRegistry) {
            stored = registry.counter("vigil_local_store_events_total", help: "Events written to the embedded log store.").labels()
        }
        public var storedEvents: Double { stored.value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.trace("events committed to the embedded log store", metadata: ["store.events": "\(count)"])
        if count > 0 { metrics.stored.increment(by: count) }
    }
}

/// A retention pass of the embedded log store that removed `deleted` events (by age or size).
public struct LocalStoreRetentionApplied: InternalEvent {
    public var deleted: Int

    public init(deleted: Int) { self.deleted = deleted }

    public struct Metrics: InternalEventMetrics {
        let deleted: Counter
        public init(registry: MetricRegistry) {
            deleted = registry.counter("vigil_local_store_retention_deleted_total",
                                       help: "Events removed from the embedded log store by retention (age or size).").labels()
        }
        public var deletedEvents: Double { deleted.value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.info("embedded log store retention removed events", metadata: ["store.deleted": "\(deleted)"])
        if deleted > 0 { metrics.deleted.increment(by: deleted) }
    }
}
