/// One `metrics_from_logs` entry: turns top-level fields of matching events into a counter or histogram.
///
/// ```yaml
/// metrics_from_logs:
///   - name: http_server_request_duration_seconds
///     type: histogram
///     histogram_of: latency_ms
///     scale: 0.001                       # milliseconds -> seconds (base unit)
///     buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
///     labels: [service, "http_route=route", "http_request_method=method", "http_response_status_code=status"]
///     when: { type: log }
/// ```
/// A label is written `label_name=field` or just `field` (then the label name is the field name with
/// every character outside `[A-Za-z0-9_]` replaced by `_`). A missing field gives the empty value.
/// `when` compares top-level fields with text values; the key that is the configured type field compares
/// the event's kind (`log`, `prediction`, `label`) instead, so a missing `type` matches `log`.
public struct LogMetricMapping: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case counter, histogram
    }

    /// A label and the field its value comes from.
    public struct Label: Sendable, Hashable {
        public var name: String
        public var field: String

        public init(name: String, field: String) {
            self.name = name
            self.field = field
        }

        /// Parses `label_name=field` or `field`.
        public init(parsing text: String) {
            if let eq = text.firstIndex(of: "=") {
                name = String(text[..<eq])
                field = String(text[text.index(after: eq)...])
            } else {
                field = text
                let ok = { (b: UInt8) in PIIDetectors.isAlnum(b) || b == UInt8(ascii: "_") }
                name = String(decoding: text.utf8.map { ok($0) ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
            }
        }
    }

    /// OpenTelemetry's recommended boundaries for `http.server.request.duration`, in seconds.
    public static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

    public var name: String
    public var help: String
    public var kind: Kind
    /// The numeric field observed by a histogram (numbers or numeric strings); events without it are not observed.
    public var histogramOf: String?
    /// Multiplies the observed value (e.g. `0.001` for milliseconds to seconds).
    public var scale: Double
    public var buckets: [Double]
    public var labels: [Label]
    public var when: [String: String]
    /// Per-family series limit; `nil` uses the registry's default.
    public var cardinalityLimit: Int?

    public init(name: String, help: String? = nil, kind: Kind? = nil, histogramOf: String? = nil, scale: Double = 1,
                buckets: [Double]? = nil, labels: [Label] = [], when: [String: String] = [:], cardinalityLimit: Int? = nil) {
        self.name = name
        self.kind = kind ?? (histogramOf == nil ? .counter : .histogram)
        self.help = help ?? "Derived from log field \(histogramOf ?? "events") by metrics_from_logs."
        self.histogramOf = histogramOf
        self.scale = scale
        self.buckets = buckets ?? Self.durationBuckets
        self.labels = labels
        self.when = when
        self.cardinalityLimit = cardinalityLimit
    }

    /// The example mapping for an HTTP inference service, with OpenTelemetry semantic-convention names.
    public static let httpServerDuration = LogMetricMapping(
        name: "http_server_request_duration_seconds",
        help: "Duration of HTTP server requests, from the latency_ms field of request logs.",
        histogramOf: "latency_ms", scale: 0.001,
        labels: [Label(name: "service_name", field: "service"), Label(name: "http_route", field: "route"),
                 Label(name: "http_request_method", field: "method"),
                 Label(name: "http_response_status_code", field: "status")])

    /// Checks the mapping; `path` is its position in the configuration, e.g. `metrics_from_logs[0]`.
    public func validate(path: String) throws(PipelineConfigurationError) {
        guard MetricRegistry.isValidMetricName(name) else {
            throw PipelineConfigurationError(path: "\(path).name", message: "'\(name)' is not a valid metric name")
        }
        switch kind {
        case .counter:
            guard name.hasSuffix("_total") else {
                throw PipelineConfigurationError(path: "\(path).name", message: "a counter's name must end in _total")
            }
        case .histogram:
            guard let field = histogramOf, !field.isEmpty else {
                throw PipelineConfigurationError(path: "\(path).histogram_of", message: "a histogram needs the field it observes")
            }
            guard !buckets.isEmpty, buckets.allSatisfy(\.isFinite), zip(buckets, buckets.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw PipelineConfigurationError(path: "\(path).buckets", message: "buckets must be finite and strictly increasing")
            }
        }
        guard scale.isFinite && scale != 0 else {
            throw PipelineConfigurationError(path: "\(path).scale", message: "must be a finite, non-zero number")
        }
        var seen = Set<String>()
        for (i, label) in labels.enumerated() {
            guard MetricRegistry.isValidLabelName(label.name), label.name != "le", seen.insert(label.name).inserted else {
                throw PipelineConfigurationError(path: "\(path).labels[\(i)]", message: "'\(label.name)' is not a valid, unique label name")
            }
            guard !label.field.isEmpty else {
                throw PipelineConfigurationError(path: "\(path).labels[\(i)]", message: "empty field name")
            }
        }
        if let limit = cardinalityLimit, limit < 1 {
            throw PipelineConfigurationError(path: "\(path).cardinality_limit", message: "must be at least 1")
        }
    }
}
