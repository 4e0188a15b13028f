import VigilCore

/// The shipper's metric handles, looked up once so the hot path only increments.
struct ElasticsearchMetrics: Sendable {
    let delivered: Counter
    let duplicate: Counter
    let retried: Counter
    let deadLettered: Counter
    let requests: CounterFamily
    let requestDuration: Histogram
    let sentRaw: Counter
    let sentCompressed: Counter
    let deadLetters: CounterFamily

    init(registry: MetricRegistry) {
        let documents = registry.counter("vigil_elasticsearch_documents_total",
                                         help: "Documents by outcome: delivered, duplicate (409: already indexed), retried (each resend), dead_lettered.",
                                         labelNames: ["outcome"])
        delivered = documents.labels("delivered")
        duplicate = documents.labels("duplicate")
        retried = documents.labels("retried")
        deadLettered = documents.labels("dead_lettered")
        requests = registry.counter("vigil_elasticsearch_requests_total",
                                    help: "_bulk requests by HTTP status (\"error\" when no response came).",
                                    labelNames: ["status"], cardinalityLimit: 64)
        requestDuration = registry.histogram("vigil_elasticsearch_request_duration_seconds",
                                             help: "Duration of _bulk requests, including failed ones.",
                                             buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]).labels()
        let sent = registry.counter("vigil_elasticsearch_sent_bytes_total",
                                    help: "Request body bytes: raw (NDJSON before compression) and compressed (on the wire with gzip).",
                                    labelNames: ["encoding"])
        sentRaw = sent.labels("raw")
        sentCompressed = sent.labels("compressed")
        deadLetters = registry.counter("vigil_dead_letters_total", help: "Events put in the dead-letter table, by reason.",
                                       labelNames: ["reason"], cardinalityLimit: 100)
    }
}
