import VigilCore

/// The sender's own families (see docs/metrics.md).
struct RemoteWriteMetrics: Sendable {
    let samples: CounterFamily
    let requests: CounterFamily
    let dropped: CounterFamily
    let queueBytes: Gauge
    let queueRequests: Gauge
    let lastSuccess: Gauge
    let duration: Histogram

    static let statusClasses = ["2xx", "429", "4xx", "5xx", "error", "other"]

    init(registry: MetricRegistry) {
        samples = registry.counter("vigil_remote_write_samples_total",
                                   help: "Samples of the agent's own metrics by remote write outcome: queued, delivered, dropped.",
                                   labelNames: ["outcome"])
        requests = registry.counter("vigil_remote_write_requests_total",
                                    help: "Remote write requests by answer: 2xx, 429, 4xx, 5xx, other, or error when no response came.",
                                    labelNames: ["status"])
        dropped = registry.counter("vigil_remote_write_dropped_total",
                                   help: "Remote write requests dropped undelivered, by reason: rejected (4xx), queue_full, unreadable.",
                                   labelNames: ["reason"])
        queueBytes = registry.gauge("vigil_remote_write_queue_bytes", help: "Compressed bytes of requests waiting in the remote write queue.").labels()
        queueRequests = registry.gauge("vigil_remote_write_queue_requests", help: "Requests waiting in the remote write queue.").labels()
        lastSuccess = registry.gauge("vigil_remote_write_last_success_timestamp_seconds",
                                     help: "Unix time of the last request the remote write receiver accepted.").labels()
        duration = registry.histogram("vigil_remote_write_request_duration_seconds",
                                      help: "Duration of remote write requests, including failed ones.",
                                      buckets: MetricRegistry.defaultBuckets).labels()
        for outcome in ["queued", "delivered", "dropped"] { _ = samples.labels(outcome) }
        for status in Self.statusClasses { _ = requests.labels(status) }
        for reason in RemoteWriteStateMachine.DropReason.allCases { _ = dropped.labels(reason.rawValue) }
    }

    static func statusClass(_ outcome: RemoteWriteStateMachine.Outcome) -> String {
        switch outcome {
        case .noResponse, .unreadable: return "error"
        case .status(let code):
            switch code {
            case 200...299: return "2xx"
            case 429: return "429"
            case 400...499: return "4xx"
            case 500...599: return "5xx"
            default: return "other"
            }
        }
    }
}
