/// Applies the configured redaction to one scanned line.
///
/// Invariants:
/// - Only string values (and the values of configured fields) are examined; keys, numbers and structure
///   are left alone.
/// - When nothing matches, ``redact(_:strings:fieldHits:)`` returns `nil` and the caller keeps the original
///   bytes; otherwise only the affected values are rewritten and the result is still valid JSON.
/// - Each hit increments `vigil_redactions_total{rule}` once.
///
/// The pipeline runs it on every line (``EventPipeline``); configured through ``RedactionConfiguration``:
///
/// ```swift
/// let redact = RedactionConfiguration(builtin: [.email], fields: ["password": .drop, "card": .mask])
/// var pipeline = try EventPipeline(configuration: PipelineConfiguration(redact: redact), registry: MetricRegistry())
/// let line = Array(#"{"message":"mail bob@example.com","password":"hunter2","card":"4111"}"#.utf8)
/// let result = pipeline.process(line, context: LineContext(source: "stdin", id: "1", readTimeMillis: 0))
/// if case .accepted(let event) = result {
///     print(String(decoding: event.body, as: UTF8.self))   // {"message":"mail [redacted:email]","card":"[masked]"}
/// }
/// ```
public struct Redactor: Sendable {
    /// One configured field rule, in the order of the scanner's field indices.
    public struct FieldRule: Sendable {
        public var name: String
        public var action: FieldRedaction
    }

    struct CompiledPattern: @unchecked Sendable {
        // `Regex` is not declared Sendable; a compiled regex is immutable and only read here.
        var name: String
        var regex: Regex<AnyRegexOutput>
        var replacement: String
        var counter: Counter
    }

    struct Edit {
        var start: Int
        var end: Int
        var replacement: [UInt8]
    }

    /// Field rules that are enabled; index = field index in the scanner's key table.
    public let fieldRules: [FieldRule]
    let fieldCounters: [Counter]
    let builtins: PIIDetectors.RuleSet
    let builtinCounters: [Counter]
    let patterns: [CompiledPattern]
    let hmac: HMACSHA256?

    private var matches: [PIIMatch] = []
    private var edits: [Edit] = []
    private var scratch: [UInt8] = []

    /// Whether any string needs examining (so the scanner must collect string spans).
    public var examinesStrings: Bool { builtins.bits != 0 || !patterns.isEmpty }

    /// Validates and compiles the configuration.
    /// - Throws: ``PipelineConfigurationError`` with the path of the bad key.
    public init(configuration c: RedactionConfiguration, registry: MetricRegistry) throws(PipelineConfigurationError) {
        let disabled = Set(c.disabled)
        let family = registry.counter(
            "vigil_redactions_total", help: "Values redacted before any sink saw them, by rule.", labelNames: ["rule"])
        let enabledBuiltins = c.builtin.filter { !disabled.contains($0.rawValue) }
        builtins = PIIDetectors.RuleSet(enabledBuiltins)
        builtinCounters = BuiltinRedactionRule.allCases.map { family.labels([$0.rawValue]) }
        var rules: [FieldRule] = []
        for name in c.fields.keys.sorted() {
            let action = c.fields[name]!
            if disabled.contains(name) || disabled.contains("field:\(name)") { continue }
            if name.isEmpty { throw PipelineConfigurationError(path: "redact.fields", message: "empty field name") }
            if action == .hash && (c.hashKey ?? []).isEmpty {
                throw PipelineConfigurationError(
                    path: "redact.fields.\(name)", message: "'hash' needs redact.hash_key (a secret of at least 16 bytes)")
            }
            rules.append(FieldRule(name: name, action: action))
        }
        if let key = c.hashKey, !key.isEmpty, key.count < 16 {
            throw PipelineConfigurationError(path: "redact.hash_key", message: "too short: use at least 16 bytes")
        }
        fieldRules = rules
        fieldCounters = rules.map { family.labels(["field:\($0.name)"]) }
        var compiled: [CompiledPattern] = []
        var names = Set<String>()
        for (i, p) in c.patterns.enumerated() {
            if disabled.contains(p.name) || disabled.contains("pattern:\(p.name)") { continue }
            guard !p.name.isEmpty, names.insert(p.name).inserted else {
                throw PipelineConfigurationError(path: "redact.patterns[\(i)].name", message: "empty or duplicate name '\(p.name)'")
            }
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(p.regex)
            } catch {
                throw PipelineConfigurationError(path: "redact.patterns[\(i)].regex", message: "invalid regular expression: \(error)")
            }
            if "".contains(regex) {
                throw PipelineConfigurationError(path: "redact.patterns[\(i)].regex", message: "matches the empty string")
            }
            compiled.append(CompiledPattern(name: p.name, regex: regex, replacement: p.replacement,
                                            counter: family.labels(["pattern:\(p.name)"])))
        }
        patterns = compiled
        if let key = c.hashKey, !key.isEmpty { hmac = HMACSHA256(key: key) } else { hmac = nil }
    }

    /// Field names and whether the rule drops the member, for building the scanner's key table.
    public var scannerFields: [(name: String, drop: Bool)] {
        fieldRules.map { ($0.name, $0.action == .drop) }
    }

    /// The keyed hash used for `hash` fields: lowercase hex HMAC-SHA-256 of the value's text.
    public func hashToken<C: Collection>(_ value: C) -> String where C.Element == UInt8 {
        hmac.map { SHA256.hex($0.authenticate(value)) } ?? ""
    }

    /// Redacts the line `body` given the scanner's spans. Returns the rewritten line, or `nil` when
    /// nothing matched (the caller keeps the original bytes).
    public mutating func redact(_ body: UnsafeBufferPointer<UInt8>, strings: ArraySlice<JSONValueSpan>,
                                fieldHits: [JSONFieldHit]) -> [UInt8]? {
        edits.removeAll(keepingCapacity: true)
        for hit in fieldHits {
            let rule = fieldRules[hit.field]
            fieldCounters[hit.field].increment(by: 1)
            switch rule.action {
            case .drop:
                edits.append(Edit(start: hit.removeStart, end: hit.removeEnd, replacement: []))
            case .mask:
                edits.append(Edit(start: hit.value.outerStart, end: hit.value.outerEnd, replacement: Array(#""[masked]""#.utf8)))
            case .hash:
                let text: [UInt8]
                let raw = UnsafeBufferPointer(rebasing: body[hit.value.start..<hit.value.end])
                if hit.value.kind == .string && hit.value.hasEscapes {
                    text = JSONString.unescape(raw)
                } else {
                    text = Array(raw)
                }
                var out: [UInt8] = [UInt8(ascii: "\"")]
                out.append(contentsOf: hashToken(text).utf8)
                out.append(UInt8(ascii: "\""))
                edits.append(Edit(start: hit.value.outerStart, end: hit.value.outerEnd, replacement: out))
            }
        }
        if examinesStrings {
            let base = body.baseAddress!
            let quick = patterns.isEmpty
            let rules = builtins
            // Through a buffer pointer: the array's iterator checked bounds and retained per string.
            strings.withUnsafeBufferPointer { spans in
                for k in spans.indices {
                    let span = spans[k]
                    // Most strings cannot match anything: decide that with one cheap pass before any set-up.
                    if quick && !span.hasEscapes {
                        let text = UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
                        if PIIDetectors.isTimestampOrUUID(text) || !PIIDetectors.summarize(text).mayMatch(rules) { continue }
                    }
                    if let replacement = redactString(body, span) {
                        edits.append(Edit(start: span.start, end: span.end, replacement: replacement))
                    }
                }
            }
        }
        if edits.isEmpty { return nil }
        return Self.apply(edits: &edits, to: body)
    }

    /// Runs the built-in detectors and the patterns over one string value; returns its new raw (escaped)
    /// content, or nil when nothing matched.
    mutating func redactString(_ body: UnsafeBufferPointer<UInt8>, _ span: JSONValueSpan) -> [UInt8]? {
        let raw = UnsafeBufferPointer(rebasing: body[span.start..<span.end])
        var decoded: [UInt8]? = nil
        if span.hasEscapes { decoded = JSONString.unescape(raw) }
        matches.removeAll(keepingCapacity: true)
        if builtins.bits != 0 {
            if let d = decoded {
                d.withUnsafeBufferPointer { PIIDetectors.scan($0, rules: builtins, into: &matches) }
            } else {
                PIIDetectors.scan(raw, rules: builtins, into: &matches)
            }
        }
        if matches.isEmpty && patterns.isEmpty { return nil }
        var content: [UInt8]
        var changed = false
        if matches.isEmpty {
            content = decoded ?? Array(raw)
        } else {
            changed = true
            content = []
            let source = decoded ?? Array(raw)
            var cursor = 0
            for m in matches {
                builtinCounters[Self.ordinal(m.rule)].increment(by: 1)
                content.append(contentsOf: source[cursor..<m.start])
                content.append(contentsOf: m.rule.replacement.utf8)
                cursor = m.end
            }
            content.append(contentsOf: source[cursor...])
        }
        if !patterns.isEmpty {
            var text = String(decoding: content, as: UTF8.self)
            var textChanged = false
            for p in patterns {
                let count = text.matches(of: p.regex).count
                if count > 0 {
                    p.counter.increment(by: count)
                    text = text.replacing(p.regex, with: p.replacement)
                    textChanged = true
                }
            }
            if textChanged {
                content = Array(text.utf8)
                changed = true
            }
        }
        guard changed else { return nil }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(content.count + 8)
        JSONString.appendEscaped(content, to: &escaped)
        return escaped
    }

    @inline(__always)
    static func ordinal(_ rule: BuiltinRedactionRule) -> Int {
        switch rule {
        case .email: 0
        case .phone: 1
        case .ipv4: 2
        case .ipv6: 3
        case .card: 4
        case .cnID: 5
        }
    }

    /// Applies non-overlapping edits in order of their start; an edit inside an earlier one (a value inside
    /// a dropped member) is skipped.
    static func apply(edits: inout [Edit], to body: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        edits.sort { $0.start < $1.start || ($0.start == $1.start && $0.end > $1.end) }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 64)
        var cursor = 0
        for e in edits {
            if e.start < cursor { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: body[cursor..<e.start]))
            out.append(contentsOf: e.replacement)
            cursor = e.end
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: body[cursor...]))
        return out
    }
}
