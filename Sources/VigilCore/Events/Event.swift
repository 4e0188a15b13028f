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
/// line with only the affected values rewritten.
public struct Event: Sendable {
    /// Deterministic document id (`_id`), so a re-read after a crash cannot index the line twice.
    public var id: String
    public var kind: EventKind
    /// Event time (parsed from the line) or the read time when the line has none.
    public var timestampMillis: Int64
    /// The source that produced the line: `file`, `http`, `stdin`, ...
    public var source: String
    /// The JSON object, after redaction.
    public var body: [UInt8]
    public var service: String?
    public var level: String?
    public var message: String?

    public init(id: String, kind: EventKind, timestampMillis: Int64, source: String, body: [UInt8],
                service: String? = nil, level: String? = nil, message: String? = nil) {
        self.id = id
        self.kind = kind
        self.timestampMillis = timestampMillis
        self.source = source
        self.body = body
        self.service = service
        self.level = level
        self.message = message
    }
}
