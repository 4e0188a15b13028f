import Logging
import VigilCore
import VigilInternalEvents

/// The shipper's internal events (`VigilInternalEvents/ElasticsearchEvents.swift`), registered once so the hot
/// path only emits: each logs its fixed message and moves its counters together.
struct ElasticsearchEvents: Sendable {
    let sent: Emitter<BulkRequestSent>
    let answered: Emitter<BulkResponseReceived>
    let unanswered: Emitter<BulkRequestUnanswered>
    let delivered: Emitter<DocumentsDelivered>
    let retried: Emitter<BulkItemsRetried>
    let deadLettered: Emitter<DocumentsDeadLettered>

    init(registry: MetricRegistry, logger: Logger) {
        sent = Emitter(registry: registry, logger: logger)
        answered = Emitter(registry: registry, logger: logger)
        unanswered = Emitter(registry: registry, logger: logger)
        delivered = Emitter(registry: registry, logger: logger)
        retried = Emitter(registry: registry, logger: logger)
        deadLettered = Emitter(registry: registry, logger: logger)
    }
}
