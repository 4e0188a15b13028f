import Logging
import VigilCore

// The Elasticsearch sink's events: requests sent and answered (or not), documents delivered, retried and
// dead-lettered.

/// A `_bulk` request body about to be sent.
public struct BulkRequestSent: InternalEvent {
    /// NDJSON bytes before compression.
    public var rawBytes: Int
    /// Bytes on the wire when gzip is on, else nil.
    public var compressedBytes: Int?
    public var items: Int

    public init(rawBytes: Int, compressedBytes: Int?, items: Int) {
        self.rawBytes = rawBytes; self.compressedBytes = compressedBytes; self.items = items
    }

    public struct Metrics: InternalEventMetrics {
        let raw: Counter
        let compressed: Counter
        public init(registry: MetricRegistry) {
            let sent = registry.counter("vigil_elasticsearch_sent_bytes_total",
                                        help: "Request body bytes: raw (NDJSON before compression) and compressed (on the wire with gzip).",
                                        labelNames: ["encoding"])
            raw = sent.labels("raw")
            compressed = sent.labels("compressed")
        }
        public var rawBytes: Double { raw.value }
        public var compressedBytes: Double { compressed.value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.trace("bulk request sent", metadata: ["es.bulk.items": "\(items)", "es.bulk.bytes": "\(compressedBytes ?? rawBytes)"])
        metrics.raw.increment(by: rawBytes)
        if let compressedBytes { metrics.compressed.increment(by: compressedBytes) }
    }
}

/// Metrics shared by the two ends of a request: answered or not.
public struct BulkRequestMetrics: InternalEventMetrics {
    let requests: CounterFamily
    let duration: Histogram
    public init(registry: MetricRegistry) {
        requests = registry.counter("vigil_elasticsearch_requests_total", help: "_bulk requests by HTTP status (\"error\" when no response came).",
                                    labelNames: ["status"], cardinalityLimit: 64)
        duration = registry.histogram("vigil_elasticsearch_request_duration_seconds", help: "Duration of _bulk requests, including failed ones.",
                                      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]).labels()
    }
    /// Requests answered with `status` (or "error") so far.
    public func requests(status: String) -> Double { requests.labels(status).value }
}

/// A `_bulk` request answered with an HTTP status (a status of 300 or more is a failure, logged as a warning).
public struct BulkResponseReceived: InternalEvent {
    public var status: Int
    public var items: Int
    public var duration: Duration

    public init(status: Int, items: Int, duration: Duration) { self.status = status; self.items = items; self.duration = duration }

    public typealias Metrics = BulkRequestMetrics

    public func emit(to metrics: Metrics, logger: Logger) {
        if status >= 300 {
            logger.warning("bulk request failed", metadata: ["http.status": "\(status)", "es.bulk.items": "\(items)"])
        } else {
            logger.trace("bulk request answered", metadata: ["http.status": "\(status)", "es.bulk.items": "\(items)"])
        }
        metrics.duration.observe(duration)
        metrics.requests.labels(String(status)).increment()
    }
}

/// A `_bulk` request that got no response (connection refused, timeout, TLS failure, or cancelled at shutdown).
public struct BulkRequestUnanswered: InternalEvent {
    public var error: String
    /// The URL with its credentials removed.
    public var url: String
    public var duration: Duration
    /// Cancelled by a shutdown: counted, not logged.
    public var cancelled: Bool

    public init(error: String, url: String, duration: Duration, cancelled: Bool) {
        self.error = error; self.url = url; self.duration = duration; self.cancelled = cancelled
    }

    public typealias Metrics = BulkRequestMetrics

    public func emit(to metrics: Metrics, logger: Logger) {
        if !cancelled {
            logger.warning("bulk request got no response", metadata: ["error": "\(error)", "es.url": "\(url)"])
        }
        metrics.duration.observe(duration)
        metrics.requests.labels("error").increment()
    }
}

/// Documents of a response that Elasticsearch indexed (2xx) or already had (409).
public struct DocumentsDelivered: InternalEvent {
    public var delivered: Int
    public var duplicates: Int

    public init(delivered: Int, duplicates: Int) { self.delivered = delivered; self.duplicates = duplicates }

    public struct Metrics: InternalEventMetrics {
        let documents: DocumentMetrics
        public init(registry: MetricRegistry) { documents = DocumentMetrics(registry: registry) }
        /// Delivered plus duplicates: every document known indexed.
        public var acknowledged: Double { documents.delivered.value + documents.duplicate.value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.trace("documents delivered", metadata: ["es.documents.delivered": "\(delivered)", "es.documents.duplicate": "\(duplicates)"])
        if delivered > 0 { metrics.documents.delivered.increment(by: delivered) }
        if duplicates > 0 { metrics.documents.duplicate.increment(by: duplicates) }
    }
}

/// Items of a request to be sent again after a backoff (`429`/`5xx` items, or a whole failed request).
public struct BulkItemsRetried: InternalEvent {
    public var items: Int
    public var reason: String
    public var backoff: Duration

    public init(items: Int, reason: String, backoff: Duration) { self.items = items; self.reason = reason; self.backoff = backoff }

    public struct Metrics: InternalEventMetrics {
        let documents: DocumentMetrics
        public init(registry: MetricRegistry) { documents = DocumentMetrics(registry: registry) }
        public var retried: Double { documents.retried.value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        let millis = backoff.components.seconds * 1000 + backoff.components.attoseconds / 1_000_000_000_000_000
        logger.debug("retrying bulk items", metadata: ["es.bulk.items": "\(items)", "reason": "\(reason)", "backoff.ms": "\(millis)"])
        metrics.documents.retried.increment(by: items)
    }
}

/// Documents Elasticsearch refused for good, stored in the dead-letter table with their reasons.
public struct DocumentsDeadLettered: InternalEvent {
    /// One reason code per document (`mapper_parsing_exception`, `http_413`, …).
    public var reasons: [String]
    /// The first document's full reason, for the log.
    public var detail: String

    public init(reasons: [String], detail: String) { self.reasons = reasons; self.detail = detail }

    public struct Metrics: InternalEventMetrics {
        let documents: DocumentMetrics
        let byReason: CounterFamily
        public init(registry: MetricRegistry) {
            documents = DocumentMetrics(registry: registry)
            byReason = registry.counter("vigil_dead_letters_total", help: "Events put in the dead-letter table, by reason.",
                                        labelNames: ["reason"], cardinalityLimit: 100)
        }
        public var deadLettered: Double { documents.deadLettered.value }
        public func deadLetters(reason: String) -> Double { byReason.labels(reason).value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        guard !reasons.isEmpty else { return }
        logger.warning("documents dead-lettered", metadata: ["es.bulk.items": "\(reasons.count)", "reason": "\(detail)"])
        for reason in reasons { metrics.byReason.labels(reason).increment() }
        metrics.documents.deadLettered.increment(by: reasons.count)
    }
}

/// `vigil_elasticsearch_documents_total` by outcome (shared by the document events).
struct DocumentMetrics: Sendable {
    let delivered: Counter
    let duplicate: Counter
    let retried: Counter
    let deadLettered: Counter

    init(registry: MetricRegistry) {
        let documents = registry.counter("vigil_elasticsearch_documents_total",
                                         help: "Documents by outcome: delivered, duplicate (409: already indexed), retried (each resend), dead_lettered.",
                                         labelNames: ["outcome"])
        delivered = documents.labels("delivered")
        duplicate = documents.labels("duplicate")
        retried = documents.labels("retried")
        deadLettered = documents.labels("dead_lettered")
    }
}

/// The per-host metrics of an Elasticsearch sink with several hosts (also served, for its one host, with `url`).
public struct ElasticsearchHostMetrics: InternalEventMetrics {
    let up: GaugeFamily
    let failovers: CounterFamily
    public init(registry: MetricRegistry) {
        up = registry.gauge("vigil_elasticsearch_host_up",
                            help: "1 while this Elasticsearch host is in rotation, 0 while it is taken out (refused, timed out or answered 502/503/504) and waiting for its health check.",
                            labelNames: ["host"], cardinalityLimit: 64)
        failovers = registry.counter("vigil_elasticsearch_host_failovers_total",
                                     help: "Times this Elasticsearch host was taken out of rotation; its requests went to the other hosts.",
                                     labelNames: ["host"], cardinalityLimit: 64)
    }
    /// Shows `host` up before any event (at start every host is in rotation).
    public func register(host: String) {
        up.labels(host).set(1)
        _ = failovers.labels(host)
    }
    public func isUp(host: String) -> Bool { up.labels(host).value == 1 }
    public func failovers(host: String) -> Double { failovers.labels(host).value }
}

/// An Elasticsearch host taken out of rotation (`failures` 1), or still failing its health check (`failures` > 1).
/// A sink's only host is never taken out (`failover` false): it is shown down, and its requests wait in the
/// batch's backoff.
public struct ElasticsearchHostDown: InternalEvent {
    /// `scheme://host:port`, never credentials.
    public var host: String
    public var failures: Int
    public var reason: String
    public var retryIn: Duration
    public var failover: Bool

    public init(host: String, failures: Int, reason: String, retryIn: Duration, failover: Bool = true) {
        self.host = host; self.failures = failures; self.reason = reason; self.retryIn = retryIn; self.failover = failover
    }

    public typealias Metrics = ElasticsearchHostMetrics

    public func emit(to metrics: Metrics, logger: Logger) {
        let metadata: Logger.Metadata = ["es.host": "\(host)", "es.host.failures": "\(failures)", "reason": "\(reason)",
                                         "es.host.retry_in_ms": "\(retryIn.components.seconds * 1000 + retryIn.components.attoseconds / 1_000_000_000_000_000)"]
        if failures == 1, failover {
            logger.warning("Elasticsearch host taken out of rotation", metadata: metadata)
            metrics.failovers.labels(host).increment()
        } else {
            logger.debug("Elasticsearch host still down", metadata: metadata)
        }
        metrics.up.labels(host).set(0)
    }
}

/// An Elasticsearch host taken back into rotation after a healthy check.
public struct ElasticsearchHostUp: InternalEvent {
    public var host: String

    public init(host: String) { self.host = host }

    public typealias Metrics = ElasticsearchHostMetrics

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.info("Elasticsearch host back in rotation", metadata: ["es.host": "\(host)"])
        metrics.up.labels(host).set(1)
    }
}
