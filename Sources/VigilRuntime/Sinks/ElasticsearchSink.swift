import Logging
import VigilCore
import VigilElasticsearch
import VigilServer
import VigilStorage

/// The runtime side of the Elasticsearch sink: the shipper itself (batching, `_bulk`, retries, dead letters)
/// is `VigilElasticsearch.ElasticsearchShipper`; this builds it over the agent's spool and registry and says
/// how `vigil ship` reads its figures.
enum ElasticsearchSink {
    static func make(_ settings: ElasticsearchConfiguration, storage: StorageRuntime, registry: MetricRegistry, readiness: Readiness,
                     logger: Logger) throws -> ConfiguredSink {
        let shipper = try ElasticsearchShipper(configuration: settings, spool: storage.spool, deadLetters: storage.deadLetters,
                                               metrics: registry, logger: logger)
        readiness.markReady("sink.elasticsearch")
        logger.info("shipping to elasticsearch", metadata: ["url": "\(Agent.redactedURL(settings.url))"])
        let documents = registry.counter("vigil_elasticsearch_documents_total", help: "", labelNames: ["outcome"])
        return ConfiguredSink(
            name: "elasticsearch", service: shipper, logSearch: nil, requestStop: { shipper.requestShutdown() },
            delivered: { Int(documents.labels("delivered").value + documents.labels("duplicate").value) },
            deadLettered: { Int(documents.labels("dead_lettered").value) + ConfiguredSink.corruptEvents(registry) })
    }
}
