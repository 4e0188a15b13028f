/// Reads prediction and label events (DESIGN.md "Events") from a line's bytes in one pass of ``JSONScanner``
/// (no tree, no Foundation) and checks their schema, so that the model monitor gets typed values or one
/// rejection naming the field at fault.
///
/// The schema:
/// - prediction: `model` (required, a non-empty string); `model_version`, `variant`, `status` (string or
///   number); `request_id` (non-empty string or number); `prediction` (class or number: string, number or
///   boolean); `score` (a number in [0, 1]); `probabilities` (object, class → number in [0, 1]; without
///   `prediction`, the class with the highest probability, the first in document order on a tie);
///   `features` (object, name → number, string or boolean; `null` is a missing value and skipped);
///   `segment` (object, name → string, number or boolean); `latency_ms` (a number ≥ 0).
/// - label: `model`, `request_id` and `label` (string, number or boolean) are required.
///
/// Numbers used as text are canonical (`1.0` → `"1"`) and booleans are `"1"`/`"0"`, as classifiers label, so a
/// prediction `1.0` joins a label `true`. Absent and `null` optional fields are the same. Unknown fields are
/// ignored. The event's time is passed in: the pipeline resolved it from the configured timestamp fields.
///
/// ```swift
/// var parser = MonitorEventParser()
/// let result = parser.parsePrediction(Array(#"{"model":"fraud","request_id":"r1","score":0.9}"#.utf8),
///                                     timestampMillis: 0)
/// // result == .success(PredictionEvent(model: "fraud", requestID: "r1", score: 0.9, timestampMillis: 0))
/// let bad = parser.parseLabel(Array(#"{"model":"fraud","request_id":"r1"}"#.utf8), timestampMillis: 0)
/// // bad == .failure(MonitorEventRejection(reason: .missingField, field: "label", message: "missing field \"label\""))
/// ```
public struct MonitorEventParser: Sendable {
    private var scanner: JSONScanner
    /// Longer events are rejected as `too_large` (the pipeline's `max_line_bytes`).
    public let maxBytes: Int
    /// Members of a nested object (`features`, ...), reused from event to event.
    private var members: [JSONObjectScanner.Member] = []

    /// Top-level names, in slot order (``Slot``).
    static let slotNames = ["model", "model_version", "variant", "request_id", "prediction", "score", "probabilities",
                            "features", "segment", "latency_ms", "status", "label"]
    private enum Slot: Int {
        case model, modelVersion, variant, requestID, prediction, score, probabilities, features, segment, latency, status, label
    }

    /// - Parameters:
    ///   - maxDepth: nesting deeper than this is rejected as `too_deep` (the pipeline's `max_depth`).
    ///   - maxBytes: longer events are rejected as `too_large` (the pipeline's `max_line_bytes`).
    ///   - modelField, variantField: the names of the `model` and `variant` fields (`fields.model`, `fields.variant`).
    public init(maxDepth: Int = 64, maxBytes: Int = 1 << 20, modelField: String = "model", variantField: String = "variant") {
        self.maxBytes = maxBytes
        var names = Self.slotNames
        names[Slot.model.rawValue] = modelField
        names[Slot.variant.rawValue] = variantField
        scanner = JSONScanner(keys: JSONKeyTable(slots: names), maxDepth: maxDepth, collectStrings: false)
    }

    /// Parses a prediction event; `timestampMillis` becomes its time.
    public mutating func parsePrediction(_ bytes: [UInt8], timestampMillis: Int64) -> Result<PredictionEvent, MonitorEventRejection> {
        bytes.withUnsafeBytes { parsePrediction($0, timestampMillis: timestampMillis) }
    }

    /// Parses a prediction event; `timestampMillis` becomes its time.
    public mutating func parsePrediction(_ bytes: UnsafeRawBufferPointer, timestampMillis: Int64) -> Result<PredictionEvent, MonitorEventRejection> {
        if let rejection = scan(bytes) { return .failure(rejection) }
        let b = UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        do throws(MonitorEventRejection) {
            return .success(try prediction(b, timestampMillis: timestampMillis))
        } catch {
            return .failure(error)
        }
    }

    /// A request log attributed to a model variant: its `model` and `variant` (both required), `status` and
    /// `latency_ms`, read with the prediction schema's rules.
    public struct RequestObservation: Sendable, Hashable {
        public var model: String
        public var variant: String
        public var status: String?
        public var latencyMillis: Double?

        public init(model: String, variant: String, status: String? = nil, latencyMillis: Double? = nil) {
            self.model = model
            self.variant = variant
            self.status = status
            self.latencyMillis = latencyMillis
        }
    }

    /// Reads a request log's attribution; `.success(nil)` when the line names no model and variant (a log of
    /// something else), a rejection when it names them but a field is malformed.
    public mutating func parseRequest(_ bytes: UnsafeRawBufferPointer) -> Result<RequestObservation?, MonitorEventRejection> {
        if let rejection = scan(bytes) { return .failure(rejection) }
        let b = UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        let slots = scanner.slots
        guard slots[Slot.model.rawValue].kind != .absent, slots[Slot.variant.rawValue].kind != .absent else { return .success(nil) }
        do throws(MonitorEventRejection) {
            let model = try Self.modelName(slots[Slot.model.rawValue], b)
            guard let variant = try Self.text(slots[Slot.variant.rawValue], b, "variant", what: "a string or number", booleans: false) else {
                return .success(nil)
            }
            var observation = RequestObservation(model: model, variant: variant)
            observation.status = try Self.text(slots[Slot.status.rawValue], b, "status", what: "a string or number", booleans: false)
            if let ms = try Self.number(slots[Slot.latency.rawValue], b, "latency_ms", what: "a number of milliseconds ≥ 0") {
                guard ms >= 0 else { throw Self.invalid("latency_ms", "must be a number of milliseconds ≥ 0, got \(ColumnValues.canonicalText(ms))") }
                observation.latencyMillis = ms
            }
            return .success(observation)
        } catch {
            return .failure(error)
        }
    }

    /// Parses a label event; `timestampMillis` becomes its time.
    public mutating func parseLabel(_ bytes: [UInt8], timestampMillis: Int64) -> Result<LabelEvent, MonitorEventRejection> {
        bytes.withUnsafeBytes { parseLabel($0, timestampMillis: timestampMillis) }
    }

    /// Parses a label event; `timestampMillis` becomes its time.
    public mutating func parseLabel(_ bytes: UnsafeRawBufferPointer, timestampMillis: Int64) -> Result<LabelEvent, MonitorEventRejection> {
        if let rejection = scan(bytes) { return .failure(rejection) }
        let b = UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        let slots = scanner.slots
        do throws(MonitorEventRejection) {
            let model = try Self.modelName(slots[Slot.model.rawValue], b)
            guard let requestID = try Self.identifier(slots[Slot.requestID.rawValue], b, "request_id") else {
                throw Self.missing("request_id")
            }
            guard let label = try Self.text(slots[Slot.label.rawValue], b, "label", what: "a string, number or boolean") else {
                throw Self.missing("label")
            }
            return .success(LabelEvent(model: model, requestID: requestID, label: label, timestampMillis: timestampMillis))
        } catch {
            return .failure(error)
        }
    }

    /// The one pass over the bytes; nil when they are one JSON object within the limits.
    private mutating func scan(_ bytes: UnsafeRawBufferPointer) -> MonitorEventRejection? {
        guard bytes.count <= maxBytes else {
            // The pipeline's message for the same reason.
            return MonitorEventRejection(reason: .line(.tooLarge), field: nil,
                                         message: "line of \(bytes.count) bytes is longer than max_line_bytes (\(maxBytes))")
        }
        return scanner.scan(bytes).map(Self.lineRejection)
    }

    // MARK: - Prediction

    private mutating func prediction(_ b: UnsafeBufferPointer<UInt8>, timestampMillis: Int64) throws(MonitorEventRejection) -> PredictionEvent {
        let slots = scanner.slots
        var event = PredictionEvent(model: try Self.modelName(slots[Slot.model.rawValue], b), timestampMillis: timestampMillis)
        event.modelVersion = try Self.text(slots[Slot.modelVersion.rawValue], b, "model_version", what: "a string or number", booleans: false)
        event.variant = try Self.text(slots[Slot.variant.rawValue], b, "variant", what: "a string or number", booleans: false)
        event.requestID = try Self.identifier(slots[Slot.requestID.rawValue], b, "request_id")
        event.prediction = try Self.text(slots[Slot.prediction.rawValue], b, "prediction", what: "a class (string or boolean) or a number")
        event.score = try Self.probability(slots[Slot.score.rawValue], b, "score")
        event.status = try Self.text(slots[Slot.status.rawValue], b, "status", what: "a string or number", booleans: false)
        let latency = slots[Slot.latency.rawValue]
        if let ms = try Self.number(latency, b, "latency_ms", what: "a number of milliseconds ≥ 0") {
            guard ms >= 0 else { throw Self.invalid("latency_ms", "must be a number of milliseconds ≥ 0, got \(ColumnValues.canonicalText(ms))") }
            event.latencyMillis = ms
        }

        let probabilities = slots[Slot.probabilities.rawValue]
        if try Self.isObject(probabilities, "probabilities", what: "an object of class → probability") {
            var p: [String: Double] = [:]
            var best: (name: String, p: Double)?
            try forEachMember(probabilities, b) { (name, value) throws(MonitorEventRejection) in
                guard let x = try Self.probability(value, b, "probabilities." + name) else { return }
                p[name] = x
                if best == nil || x > best!.p { best = (name, x) }
            }
            event.probabilities = p
            if event.prediction == nil { event.prediction = best?.name }
        }

        let features = slots[Slot.features.rawValue]
        if try Self.isObject(features, "features", what: "an object of name → number or string") {
            try forEachMember(features, b) { (name, value) throws(MonitorEventRejection) in
                switch value.kind {
                case .number:
                    event.numericFeatures[name] = try Self.finite(value, b, "features." + name)
                case .string, .true, .false:
                    event.categoricalFeatures[name] = try Self.text(value, b, "features." + name, what: "")
                case .null, .absent:
                    break
                case .object, .array:
                    throw Self.invalid("features." + name, "must be a number, string or boolean, got \(Self.describe(value.kind))")
                }
            }
        }

        let segment = slots[Slot.segment.rawValue]
        if try Self.isObject(segment, "segment", what: "an object of name → string") {
            try forEachMember(segment, b) { (name, value) throws(MonitorEventRejection) in
                if let v = try Self.text(value, b, "segment." + name, what: "a string, number or boolean") { event.segment[name] = v }
            }
        }
        return event
    }

    /// Calls `body` with each member of the object at `span` (validated by the scan): its decoded name and its value.
    private mutating func forEachMember(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>,
                                        _ body: (String, JSONValueSpan) throws(MonitorEventRejection) -> Void) throws(MonitorEventRejection) {
        let object = UnsafeBufferPointer(rebasing: b[span.start..<span.end])
        guard JSONObjectScanner.scan(object, into: &members) != nil else { return }
        for m in members {
            let name = Self.decodeString(b, span.start + m.key.lowerBound + 1, span.start + m.key.upperBound - 1)
            try body(name, Self.valueSpan(m, offset: span.start, b))
        }
    }

    // MARK: - Field rules

    static func lineRejection(_ error: JSONScanError) -> MonitorEventRejection {
        MonitorEventRejection(reason: MonitorRejectReason(error.reason), field: nil, message: error.message)
    }

    static func missing(_ field: String) -> MonitorEventRejection {
        MonitorEventRejection(reason: .missingField, field: field, message: "missing field \"\(field)\"")
    }

    static func invalid(_ field: String, _ problem: String) -> MonitorEventRejection {
        MonitorEventRejection(reason: .invalidField, field: field, message: "field \"\(field)\" \(problem)")
    }

    /// `model`: required, a non-empty string.
    static func modelName(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>) throws(MonitorEventRejection) -> String {
        switch span.kind {
        case .absent, .null:
            throw missing("model")
        case .string where span.end > span.start:
            return decodeString(b, span.start, span.end, hasEscapes: span.hasEscapes)
        case .string:
            throw invalid("model", "must not be empty")
        default:
            throw invalid("model", "must be a string, got \(describe(span.kind))")
        }
    }

    /// A request id: a non-empty string or a number (as canonical text); nil when absent or null.
    static func identifier(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>, _ field: String) throws(MonitorEventRejection) -> String? {
        if span.kind == .string && span.end == span.start { throw invalid(field, "must not be empty") }
        return try text(span, b, field, what: "a string or number", booleans: false)
    }

    /// A string, a number (canonical text) or, with `booleans`, a boolean (`"1"`/`"0"`); nil when absent or null.
    static func text(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>, _ field: String, what: String,
                     booleans: Bool = true) throws(MonitorEventRejection) -> String? {
        switch span.kind {
        case .absent, .null: return nil
        case .string: return decodeString(b, span.start, span.end, hasEscapes: span.hasEscapes)
        case .number: return ColumnValues.canonicalText(try finite(span, b, field))
        case .true where booleans: return "1"
        case .false where booleans: return "0"
        default: throw invalid(field, "must be \(what), got \(describe(span.kind))")
        }
    }

    /// A number; nil when absent or null.
    static func number(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>, _ field: String, what: String) throws(MonitorEventRejection) -> Double? {
        switch span.kind {
        case .absent, .null: return nil
        case .number: return try finite(span, b, field)
        default: throw invalid(field, "must be \(what), got \(describe(span.kind))")
        }
    }

    /// A number in [0, 1]; nil when absent or null.
    static func probability(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>, _ field: String) throws(MonitorEventRejection) -> Double? {
        guard let x = try number(span, b, field, what: "a number between 0 and 1") else { return nil }
        guard x >= 0 && x <= 1 else { throw invalid(field, "must be a number between 0 and 1, got \(ColumnValues.canonicalText(x))") }
        return x
    }

    /// The value of a number span; numbers too large for a double (`1e400`) are rejected.
    static func finite(_ span: JSONValueSpan, _ b: UnsafeBufferPointer<UInt8>, _ field: String) throws(MonitorEventRejection) -> Double {
        guard let x = JSONString.parseDouble(UnsafeBufferPointer(rebasing: b[span.start..<span.end])), x.isFinite else {
            throw invalid(field, "is a number out of range: \(String(decoding: UnsafeBufferPointer(rebasing: b[span.start..<span.end]), as: UTF8.self))")
        }
        return x
    }

    /// Whether an optional object field is present (false when absent or null; anything else is rejected).
    static func isObject(_ span: JSONValueSpan, _ field: String, what: String) throws(MonitorEventRejection) -> Bool {
        switch span.kind {
        case .absent, .null: return false
        case .object: return true
        default: throw invalid(field, "must be \(what), got \(describe(span.kind))")
        }
    }

    static func describe(_ kind: JSONValueKind) -> String {
        switch kind {
        case .absent: "nothing"
        case .string: "a string"
        case .number: "a number"
        case .object: "an object"
        case .array: "an array"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }

    /// String content between `start` and `end` (already validated).
    static func decodeString(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hasEscapes: Bool? = nil) -> String {
        let raw = UnsafeBufferPointer(rebasing: b[start..<end])
        return JSONString.decode(raw, hasEscapes: hasEscapes ?? raw.contains(UInt8(ascii: "\\")))
    }

    /// The span of a nested member's value, in the coordinates of the whole line (`offset` is where the
    /// object starts).
    static func valueSpan(_ m: JSONObjectScanner.Member, offset: Int, _ b: UnsafeBufferPointer<UInt8>) -> JSONValueSpan {
        let start = offset + m.value.lowerBound, end = offset + m.value.upperBound
        switch m.valueStart {
        case UInt8(ascii: "\""):
            let raw = UnsafeBufferPointer(rebasing: b[start + 1..<end - 1])
            return JSONValueSpan(kind: .string, start: start + 1, end: end - 1, hasEscapes: raw.contains(UInt8(ascii: "\\")))
        case UInt8(ascii: "{"): return JSONValueSpan(kind: .object, start: start, end: end, hasEscapes: false)
        case UInt8(ascii: "["): return JSONValueSpan(kind: .array, start: start, end: end, hasEscapes: false)
        case UInt8(ascii: "t"): return JSONValueSpan(kind: .true, start: start, end: end, hasEscapes: false)
        case UInt8(ascii: "f"): return JSONValueSpan(kind: .false, start: start, end: end, hasEscapes: false)
        case UInt8(ascii: "n"): return JSONValueSpan(kind: .null, start: start, end: end, hasEscapes: false)
        default: return JSONValueSpan(kind: .number, start: start, end: end, hasEscapes: false)
        }
    }
}
