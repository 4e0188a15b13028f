import Logging
import ServiceLifecycle
import VigilCore
import VigilElasticsearch
import VigilServer
import VigilStorage

/// Where spooled events go: the embedded log store (``LocalStoreSink``, the default) or Elasticsearch
/// (``ElasticsearchSink``, with `sinks.elasticsearch`). Exactly one runs; each reads and completes the spool
/// through its own `SpoolConsumer`, the one way out of the spool, so unreadable blocks, completion and the
/// spool's metrics behave the same whichever it is. `vigil agent` and `vigil ship` both build it here.
struct ConfiguredSink: Sendable {
    /// `local` or `elasticsearch` (also the `source` of the dead letters its consumer writes).
    let name: String
    /// The long-running part, listed first in the service group so that it stops last and flushes.
    let service: any Service
    /// `GET /v1/logs/search`, for the embedded store.
    let logSearch: (any LogSearching)?
    /// Asks the sink to flush and stop (for `vigil ship`, whose sink runs outside a graceful shutdown).
    let requestStop: @Sendable () -> Void
    /// Events the sink acknowledged, and events it (or its consumer) dead-lettered, from its counters.
    let delivered: @Sendable () -> Int
    let deadLettered: @Sendable () -> Int

    static func make(_ config: AgentConfiguration, storage: StorageRuntime, registry: MetricRegistry, readiness: Readiness,
                     logger: Logger, now: @escaping @Sendable () -> Int64) throws -> ConfiguredSink {
        if let es = config.sinks.elasticsearch {
            return try ElasticsearchSink.make(es, storage: storage, registry: registry, readiness: readiness, logger: logger)
        }
        return try LocalStoreSink.make(config, storage: storage, registry: registry, readiness: readiness, logger: logger, now: now)
    }

}
