/// What an event is, decided by the configured `type` field (see ``PipelineConfiguration/Fields``).
public enum EventKind: UInt8, Sendable, Hashable, CaseIterable {
    case log = 0, prediction = 1, label = 2

    /// The name used in configuration and in metric labels.
    public var name: String {
        switch self {
        case .log: "log"
        case .prediction: "prediction"
        case .label: "label"
        }
    }

    /// Parses `log`, `prediction` or `label`.
    public init?(name: String) {
        switch name {
        case "log": self = .log
        case "prediction": self = .prediction
        case "label": self = .label
        default: return nil
        }
    }
}

/// One accepted input line: a JSON object, classified, timestamped and redacted.
///
/// `body` is the original line when redaction changed nothing (no re-serialisation), otherwise the
/// line with only the affected values rewritten. `service`, `level` and `message` are decoded from the
/// body only when asked for (the pipeline records where they are), so the hot path builds no strings.
public struct Event: Sendable {
    /// Deterministic document id (`_id`), so a re-read after a crash cannot index the line twice.
    public var id: String
    public var kind: EventKind
    /// Event time (parsed from the line) or the read time when the line has none.
    public var timestampMillis: Int64
    /// The source that produced the line: `file`, `http`, `stdin`, ...
    public var source: String
    /// The JSON object, after redaction.
    public var body: [UInt8] {
        didSet { fields = Fields(); shape = nil }   // spans pointed into the old bytes
    }
    /// Where the configured service, level and message fields' values are in `body`.
    struct Fields: Sendable {
        var service = JSONValueSpan.absent
        var level = JSONValueSpan.absent
        var message = JSONValueSpan.absent
    }
    var fields: Fields
    /// Where the ECS fields go, when the pipeline computes shapes (events bound for Elasticsearch); the
    /// shipper then does not scan the body again.
    public var shape: DocumentShape?

    public var service: String? { text(fields.service) }
    public var level: String? { text(fields.level) }
    public var message: String? { text(fields.message) }

    public init(id: String, kind: EventKind, timestampMillis: Int64, source: String, body: [UInt8]) {
        self.init(id: id, kind: kind, timestampMillis: timestampMillis, source: source, body: body, fields: Fields())
    }

    init(id: String, kind: EventKind, timestampMillis: Int64, source: String, body: [UInt8], fields: Fields, shape: DocumentShape? = nil) {
        self.id = id
        self.kind = kind
        self.timestampMillis = timestampMillis
        self.source = source
        self.body = body
        self.fields = fields
        self.shape = shape
    }

    private func text(_ span: JSONValueSpan) -> String? {
        body.withUnsafeBufferPointer { EventPipeline.optionalText(span, $0) }
    }
}
