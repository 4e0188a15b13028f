/// Where a line came from and what to call it if it has no id of its own.
public struct LineContext: Sendable {
    /// The source's name, the `source` label of the pipeline's metrics: `file`, `http`, `stdin`, ...
    public var source: String
    /// The deterministic id to use unless the configured id field is present (see ``DeterministicID``).
    public var id: String
    /// Wall-clock read time in milliseconds, used when the line has no recognisable timestamp.
    public var readTimeMillis: Int64
    /// The source cut the line at `max_line_bytes`.
    public var truncated: Bool
    /// The kind of a line without a type field (HTTP ingest: `/v1/predictions` implies `prediction`).
    public var defaultKind: EventKind
    /// Where an accepted event's (unredacted) body is kept, when the source batches its events in one (see
    /// ``EventBodyArena``): bytes already in the arena (the tailer reads into it) are referred to, others
    /// copied in; nil gives each event its own array.
    public var bodyArena: EventBodyArena?

    public init(source: String, id: String, readTimeMillis: Int64, truncated: Bool = false, defaultKind: EventKind = .log,
                bodyArena: EventBodyArena? = nil) {
        self.source = source
        self.id = id
        self.readTimeMillis = readTimeMillis
        self.truncated = truncated
        self.defaultKind = defaultKind
        self.bodyArena = bodyArena
    }
}

/// The outcome of ``EventPipeline/process(_:context:)``.
public enum PipelineResult: Sendable {
    case accepted(Event)
    /// The line is not an event; `message` names the byte offset. The caller dead-letters the raw bytes.
    case rejected(RejectReason, String)
}

/// Why ``EventPipeline/process(_:context:appendingTo:)`` rejected a line; `message` names the byte offset.
public struct PipelineRejection: Sendable, Equatable {
    public var reason: RejectReason
    public var message: String
}

/// Parse → classify → timestamp → redact → derive metrics, for one line at a time. Pure: no I/O, no clock.
///
/// Each source keeps its own copy (the struct holds scratch buffers, so `process` is `mutating`); copies
/// share the metric handles.
///
/// Invariants:
/// - Every line increments `vigil_events_received_total{source}` once; a rejected line also increments
///   `vigil_events_rejected_total{source,reason}` once; a line the source cut at `max_line_bytes` increments
///   `vigil_lines_truncated_total{source}` and becomes an event whose message is the text read, marked
///   `"vigil.truncated": true`. A line handed over whole but longer than `max_line_bytes` (HTTP ingest) is
///   rejected as `too_large`.
/// - An accepted event's `body` is the input bytes unless redaction changed something.
/// - Metrics derived from logs see the redacted values.
///
/// ```swift
/// var pipeline = try EventPipeline(configuration: PipelineConfiguration(), registry: registry)
/// let result = pipeline.process(Array(#"{"level":"info","message":"hi"}"#.utf8),
///                               context: LineContext(source: "stdin", id: "stdin:1", readTimeMillis: now))
/// ```
public struct EventPipeline: Sendable {
    public let configuration: PipelineConfiguration
    let registry: MetricRegistry

    private var scanner: JSONScanner
    /// Whether accepted events carry a ``DocumentShape`` (set when they go to Elasticsearch): the scan
    /// records the top-level members it walks anyway, so the shipper need not scan again.
    public var computesDocumentShapes: Bool {
        get { scanner.collectMembers }
        set {
            guard newValue != scanner.collectMembers else { return }
            // The key table flags the names a shape depends on, so only those members are recorded.
            let keys = JSONKeyTable(slots: slotNames, fields: redactor.scannerFields, members: newValue ? DocumentShape.memberNames : [])
            scanner = JSONScanner(keys: keys, maxDepth: configuration.maxDepth, collectStrings: redactor.examinesStrings,
                                  collectMembers: newValue)
        }
    }
    private let slotNames: [String]
    private var redactor: Redactor
    // Slot indices in the scanner for each role.
    private let typeSlot: Int
    private let timestampSlots: [Int]
    private let serviceSlot: Int
    private let levelSlot: Int
    private let messageSlot: Int
    private let idSlot: Int
    private var derived: [DerivedMetric]

    private let receivedFamily: CounterFamily
    private let rejectedFamily: CounterFamily
    private let truncatedFamily: CounterFamily
    private var sourceName: String = ""
    private var received: Counter?
    private var truncated: Counter?
    private var rejected: [RejectReason: Counter] = [:]
    /// Where ``process(_:context:)`` has its event appended (keeps its capacity: no allocation per line).
    private var single: [Event] = []

    /// Validates the configuration and registers the pipeline's metric families.
    public init(configuration: PipelineConfiguration, registry: MetricRegistry) throws(PipelineConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.registry = registry
        redactor = try Redactor(configuration: configuration.redact, registry: registry)

        var slotNames: [String] = []
        var slotIndex: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let i = slotIndex[name] { return i }
            slotIndex[name] = slotNames.count
            slotNames.append(name)
            return slotNames.count - 1
        }
        let f = configuration.fields
        typeSlot = slot(f.type)
        timestampSlots = f.timestamp.map(slot)
        serviceSlot = slot(f.service)
        levelSlot = slot(f.level)
        messageSlot = slot(f.message)
        idSlot = f.id.map(slot) ?? -1
        var derived: [DerivedMetric] = []
        for m in configuration.metricsFromLogs {
            let labelSlots = m.labels.map { slot($0.field) }
            let valueSlot = m.histogramOf.map(slot) ?? -1
            var conditions: [DerivedMetric.Condition] = []
            for (field, value) in m.when.sorted(by: { $0.key < $1.key }) {
                if field == f.type {
                    conditions.append(.kind(EventKind(name: value)))
                } else {
                    conditions.append(.field(slot(field), Array(value.utf8)))
                }
            }
            derived.append(DerivedMetric(mapping: m, registry: registry, labelSlots: labelSlots,
                                         valueSlot: valueSlot, conditions: conditions))
        }
        self.derived = derived
        self.slotNames = slotNames
        let keys = JSONKeyTable(slots: slotNames, fields: redactor.scannerFields)
        scanner = JSONScanner(keys: keys, maxDepth: configuration.maxDepth, collectStrings: redactor.examinesStrings)

        receivedFamily = registry.counter(
            "vigil_events_received_total", help: "Lines offered to the event pipeline, by source.", labelNames: ["source"])
        rejectedFamily = registry.counter(
            "vigil_events_rejected_total", help: "Lines rejected by the event pipeline, by source and reason.",
            labelNames: ["source", "reason"])
        truncatedFamily = registry.counter(
            "vigil_lines_truncated_total", help: "Lines cut at max_line_bytes by their source, delivered as text marked vigil.truncated.",
            labelNames: ["source"])
    }

    /// Processes one line (without its newline).
    public mutating func process(_ line: [UInt8], context: LineContext) -> PipelineResult {
        line.withUnsafeBytes { process($0, context: context) }
    }

    /// Processes one line (without its newline).
    public mutating func process(_ line: UnsafeRawBufferPointer, context: LineContext) -> PipelineResult {
        // `single` is always empty here: the one event appended below is removed again.
        var events = single
        single = []
        defer { single = events }
        if let rejection = process(line, context: context, appendingTo: &events) {
            return .rejected(rejection.reason, rejection.message)
        }
        return .accepted(events.removeLast())
    }

    /// Processes one line (without its newline): an accepted event is appended to `events`, built in place
    /// (a source batching many lines avoids copying each event out of a ``PipelineResult``, about 2% of the
    /// agent's CPU time when shipping); a rejected line returns why.
    public mutating func process(_ line: UnsafeRawBufferPointer, context: LineContext,
                                 appendingTo events: inout [Event]) -> PipelineRejection? {
        if context.source != sourceName || received == nil {
            sourceName = context.source
            received = receivedFamily.labels([context.source])
            truncated = truncatedFamily.labels([context.source])
            rejected.removeAll(keepingCapacity: true)
        }
        received!.increment(by: 1)
        if context.truncated {
            // The source cut the line at max_line_bytes: what was read is kept (as text, since a cut JSON
            // line is no longer an object) and marked, rather than lost; it is redacted like any other value.
            truncated!.increment(by: 1)
            let wrapped = Self.wrapTruncated(line, messageField: configuration.fields.message)
            return wrapped.withUnsafeBytes { parse($0, context: context, into: &events) }
        }
        if line.count > configuration.maxLineBytes {
            return reject(.tooLarge, "line of \(line.count) bytes is longer than max_line_bytes (\(configuration.maxLineBytes))")
        }
        return parse(line, context: context, into: &events)
    }

    /// `{"<message field>":"<the cut bytes as text>","vigil.truncated":true}`; invalid UTF-8 (a sequence cut
    /// in half, binary data) becomes U+FFFD.
    static func wrapTruncated(_ line: UnsafeRawBufferPointer, messageField: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(line.count + messageField.utf8.count + 48)
        out.append(UInt8(ascii: "{"))
        JSONString.appendQuoted(messageField.utf8, to: &out)
        out.append(UInt8(ascii: ":"))
        JSONString.appendQuoted(String(decoding: line, as: UTF8.self).utf8, to: &out)
        out.append(contentsOf: Array(#","vigil.truncated":true}"#.utf8))
        return out
    }

    /// Scan → redact → classify for a line that is within the size limit (or already wrapped).
    private mutating func parse(_ line: UnsafeRawBufferPointer, context: LineContext, into events: inout [Event]) -> PipelineRejection? {
        if let error = scanner.scan(line) {
            return reject(error.reason, error.message)
        }
        let input = UnsafeBufferPointer(start: line.baseAddress!.assumingMemoryBound(to: UInt8.self), count: line.count)
        let body: [UInt8]
        if let redacted = redactor.redact(input, strings: scanner.strings, fieldHits: scanner.fieldHits) {
            body = redacted
            // Re-scan the rewritten line so classification, labels and ids see redacted values.
            if let error = body.withUnsafeBytes({ scanner.scan($0) }) {
                // Cannot happen (rewrites are escaped, drops keep commas balanced); never ship unredacted bytes.
                return reject(error.reason, "redaction produced an invalid line: \(error.message)")
            }
            body.withUnsafeBufferPointer { finish(body: body, bytes: $0, context: context, into: &events) }
            return nil
        }
        finish(body: nil, bytes: input, context: context, into: &events)
        return nil
    }

    private mutating func reject(_ reason: RejectReason, _ message: String) -> PipelineRejection {
        if let c = rejected[reason] {
            c.increment(by: 1)
        } else {
            let c = rejectedFamily.labels([sourceName, reason.rawValue])
            rejected[reason] = c
            c.increment(by: 1)
        }
        return PipelineRejection(reason: reason, message: message)
    }

    private mutating func finish(body: [UInt8]?, bytes: UnsafeBufferPointer<UInt8>, context: LineContext, into events: inout [Event]) {
        let slots = scanner.slots
        let kind = classify(slots[typeSlot], bytes, default: context.defaultKind)
        var timestamp = context.readTimeMillis
        for s in timestampSlots {
            if let t = Self.timestamp(slots[s], bytes) {
                timestamp = t
                break
            }
        }
        var id = context.id
        if idSlot >= 0 {
            let span = slots[idSlot]
            if span.kind == .string && span.end > span.start || span.kind == .number {
                id = Self.text(span, bytes)
            }
        }
        for k in derived.indices {
            derived[k].observe(slots: slots, bytes: bytes, kind: kind)
        }
        let storage: Event.BodyStorage
        if let body {
            storage = .owned(body)
        } else if let arena = context.bodyArena, let offset = arena.offset(of: bytes) ?? arena.copy(bytes) {
            storage = .arena(arena, offset: offset, count: bytes.count)
        } else {
            storage = .owned(Array(bytes))
        }
        events.append(Event(
            id: id, kind: kind, timestampMillis: timestamp, source: context.source,
            storage: storage,
            fields: Event.Fields(service: slots[serviceSlot], level: slots[levelSlot], message: slots[messageSlot]),
            shape: scanner.collectMembers && scanner.close >= 0
                ? DocumentShape.make(body: bytes, members: scanner.members, firstMember: scanner.firstKey, close: scanner.close,
                                     hasControlBytes: scanner.sawLineBreak)
                : nil))
    }

    @inline(__always)
    private func classify(_ span: JSONValueSpan, _ bytes: UnsafeBufferPointer<UInt8>, default kind: EventKind) -> EventKind {
        guard span.kind == .string else { return kind }
        let len = span.end - span.start
        // Compare raw bytes: the recognised values contain nothing that needs escaping.
        if len == 10 && Self.equals(bytes, span.start, "prediction") { return .prediction }
        if len == 5 && Self.equals(bytes, span.start, "label") { return .label }
        if len == 3 && Self.equals(bytes, span.start, "log") { return .log }
        return kind
    }

    @inline(__always)
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount where bytes[at + k] != w[k] { return false }
        return true
    }

    static func timestamp(_ span: JSONValueSpan, _ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        switch span.kind {
        case .string:
            let raw = UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])
            if span.hasEscapes {
                return JSONString.unescape(raw).withUnsafeBufferPointer { EventTimestamp.parse($0) }
            }
            return EventTimestamp.parse(raw)
        case .number:
            return JSONString.parseDouble(UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]))
                .flatMap(EventTimestamp.parseEpoch)
        default:
            return nil
        }
    }

    /// A value as text: string content decoded, other scalars as written; objects/arrays as their JSON.
    static func text(_ span: JSONValueSpan, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        JSONString.decode(UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]),
                          hasEscapes: span.kind == .string && span.hasEscapes)
    }

    static func optionalText(_ span: JSONValueSpan, _ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch span.kind {
        case .absent, .null, .object, .array: return nil
        default: return text(span, bytes)
        }
    }
}
