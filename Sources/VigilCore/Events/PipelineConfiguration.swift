/// Configuration of ``EventPipeline``: field names, redaction, metrics from logs and limits.
///
/// Every property has a default, so `PipelineConfiguration()` works with no configuration file.
/// The initialiser validates and throws ``PipelineConfigurationError`` naming the key path.
///
/// ```swift
/// let config = try PipelineConfiguration(
///     redact: RedactionConfiguration(fields: ["user_id": .hash], hashKey: Array("0123456789abcdef".utf8)),
///     metricsFromLogs: [.httpServerDuration])
/// ```
public struct PipelineConfiguration: Sendable {
    /// Which top-level fields mean what (the `fields:` section).
    public struct Fields: Sendable, Hashable {
        /// Classification field: `prediction` and `label` are recognised; anything else (or absent) is a log.
        public var type: String
        /// Event-time fields, tried in order; the first one that parses wins.
        public var timestamp: [String]
        public var service: String
        public var level: String
        public var message: String
        /// A field whose (string or integer) value is used as the document id instead of the position-based one.
        public var id: String?
        /// The fields that attribute a prediction, label or request log to a model and its variant.
        public var model: String
        public var variant: String

        public init(type: String = "type", timestamp: [String] = ["@timestamp", "timestamp", "time"],
                    service: String = "service", level: String = "level", message: String = "message", id: String? = nil,
                    model: String = "model", variant: String = "variant") {
            self.type = type
            self.timestamp = timestamp
            self.service = service
            self.level = level
            self.message = message
            self.id = id
            self.model = model
            self.variant = variant
        }
    }

    public var fields: Fields
    public var redact: RedactionConfiguration
    public var metricsFromLogs: [LogMetricMapping]
    /// Longer lines are rejected with `too_large` (sources cut them to this length first).
    public var maxLineBytes: Int
    /// Deeper nesting is rejected with `too_deep`.
    public var maxDepth: Int

    public init(fields: Fields = Fields(), redact: RedactionConfiguration = RedactionConfiguration(),
                metricsFromLogs: [LogMetricMapping] = [], maxLineBytes: Int = 1 << 20, maxDepth: Int = 64)
        throws(PipelineConfigurationError) {
        self.fields = fields
        self.redact = redact
        self.metricsFromLogs = metricsFromLogs
        self.maxLineBytes = maxLineBytes
        self.maxDepth = maxDepth
        try validate()
    }

    /// Checks every value; called by the initialiser and again by ``EventPipeline`` (properties are mutable).
    public func validate() throws(PipelineConfigurationError) {
        guard maxLineBytes >= 64 && maxLineBytes <= 64 << 20 else {
            throw PipelineConfigurationError(path: "max_line_bytes", message: "must be between 64 bytes and 64 MiB")
        }
        guard maxDepth >= 1 && maxDepth <= 512 else {
            throw PipelineConfigurationError(path: "max_depth", message: "must be between 1 and 512")
        }
        let named: [(String, String)] = [("fields.type", fields.type), ("fields.service", fields.service),
                                         ("fields.level", fields.level), ("fields.message", fields.message)]
        for (path, value) in named where value.isEmpty {
            throw PipelineConfigurationError(path: path, message: "must not be empty")
        }
        for (i, name) in fields.timestamp.enumerated() where name.isEmpty {
            throw PipelineConfigurationError(path: "fields.timestamp[\(i)]", message: "must not be empty")
        }
        if let id = fields.id, id.isEmpty {
            throw PipelineConfigurationError(path: "fields.id", message: "must not be empty when set")
        }
        var names = Set<String>()
        for (i, m) in metricsFromLogs.enumerated() {
            try m.validate(path: "metrics_from_logs[\(i)]")
            guard names.insert(m.name).inserted else {
                throw PipelineConfigurationError(path: "metrics_from_logs[\(i)].name", message: "duplicate metric '\(m.name)'")
            }
        }
        // Compiles the regular expressions and checks the hash key.
        _ = try Redactor(configuration: redact, registry: MetricRegistry())
    }
}
