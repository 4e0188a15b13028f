/// One service-level objective from the `slos:` section of the configuration: the share of a service's
/// requests that must be good over a rolling window.
///
/// The SLI comes from a histogram that `metrics_from_logs` derives from request logs (by default
/// `http_server_request_duration_seconds` with the labels `service` and `http_response_status_code`):
/// - availability: a request is bad when its status code is 5xx;
/// - latency: a request is bad when it took longer than ``latencyThresholdSeconds``, which is one of the
///   histogram's bucket bounds (so the good requests are exactly the `le` bucket of that bound).
///
/// ```swift
/// let slo = ServiceLevelObjective(name: "checkout-availability", service: "checkout",
///                                 kind: .availability, objectivePercent: 99.9)
/// print(slo.objectiveRatio, slo.errorBudgetRatio)   // 0.999 0.001
/// ```
public struct ServiceLevelObjective: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case availability, latency
    }

    /// The default SLI metric: OpenTelemetry's `http.server.request.duration`, as `metrics_from_logs` derives it.
    public static let defaultMetric = "http_server_request_duration_seconds"
    /// The default rolling window: 30 days, for which the burn-rate factors 14.4, 6, 3 and 1 hold.
    public static let defaultWindowSeconds: Double = 30 * 86_400

    /// Unique name; the `slo` label of the recording rules and alerts.
    public var name: String
    /// The `service` label value of the SLI metric's series.
    public var service: String
    public var kind: Kind
    /// The objective in percent, e.g. 99.9.
    public var objectivePercent: Double
    /// Latency objectives only: the bound (seconds) at or below which a request is good; a bucket bound of `metric`.
    public var latencyThresholdSeconds: Double?
    /// The histogram the SLI is computed from.
    public var metric: String
    /// The rolling window of the objective, in seconds (default 30 days).
    public var windowSeconds: Double

    public init(name: String, service: String, kind: Kind, objectivePercent: Double, latencyThresholdSeconds: Double? = nil,
                metric: String = ServiceLevelObjective.defaultMetric,
                windowSeconds: Double = ServiceLevelObjective.defaultWindowSeconds) {
        self.name = name
        self.service = service
        self.kind = kind
        self.objectivePercent = objectivePercent
        self.latencyThresholdSeconds = latencyThresholdSeconds
        self.metric = metric
        self.windowSeconds = windowSeconds
    }

    /// The objective as a ratio (99.9 → 0.999), rounded to 9 decimals so that binary noise never shows.
    public var objectiveRatio: Double { (objectivePercent / 100 * 1e9).rounded() / 1e9 }

    /// The share of requests allowed to be bad (1 − objective), rounded the same way.
    public var errorBudgetRatio: Double { ((1 - objectivePercent / 100) * 1e9).rounded() / 1e9 }
}
