import Logging
import VigilCore
import VigilInternalEvents
import VigilElasticsearch
import VigilServer
import VigilStorage

/// The runtime side of the Elasticsearch sink: the shipper itself (batching, `_bulk`, retries, dead letters)
/// is `VigilElasticsearch.ElasticsearchShipper`; this builds it over the agent's spool and registry and says
/// how `vigil ship` reads its figures.
enum ElasticsearchSink {
    static func make(_ settings: ElasticsearchConfiguration, storage: StorageRuntime, registry: MetricRegistry, readiness: Readiness,
                     logger: Logger) throws -> ConfiguredSink {
        // Ready only from the first request Elasticsearch answers 2xx (the start-up probe or a _bulk).
        readiness.register("sink.elasticsearch", reason: ElasticsearchContact.initialReason)
        let contact = ElasticsearchContact { status in
            switch status {
            case .ready: readiness.markReady("sink.elasticsearch")
            case let .notReady(reason): readiness.markNotReady("sink.elasticsearch", reason: reason)
            }
        }
        let shipper = try ElasticsearchShipper(configuration: settings, spool: storage.spool, deadLetters: storage.deadLetters,
                                               metrics: registry, logger: logger, contact: contact)
        logger.info("shipping to elasticsearch", metadata: ["url": "\(Agent.redactedURL(settings.url))"])
        return ConfiguredSink(
            name: "elasticsearch", service: shipper, logSearch: nil, requestStop: { shipper.requestShutdown() },
            delivered: { Int(shipper.acknowledgedDocuments) },
            deadLettered: { Int(shipper.deadLetteredDocuments + shipper.consumer.eventsLostInCorruptBlocks) })
    }
}
