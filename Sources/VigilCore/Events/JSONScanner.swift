/// The type of a JSON value found by ``JSONScanner``.
public enum JSONValueKind: UInt8, Sendable {
    case absent, string, number, object, array, `true`, `false`, null
}

/// Where a value sits in the scanned bytes.
///
/// For strings `start..<end` is the raw content between the quotes (still escaped when
/// `hasEscapes`); for other values it is the value's bytes.
public struct JSONValueSpan: Sendable, Equatable {
    public var kind: JSONValueKind
    public var start: Int
    public var end: Int
    public var hasEscapes: Bool

    public static let absent = JSONValueSpan(kind: .absent, start: 0, end: 0, hasEscapes: false)

    public init(kind: JSONValueKind, start: Int, end: Int, hasEscapes: Bool) {
        self.kind = kind
        self.start = start
        self.end = end
        self.hasEscapes = hasEscapes
    }

    /// The span of the whole value including a string's quotes.
    @inline(__always)
    public var outerStart: Int { kind == .string ? start - 1 : start }
    /// The exclusive end of the whole value including a string's closing quote.
    @inline(__always)
    public var outerEnd: Int { kind == .string ? end + 1 : end }
}

/// A member whose key has a field rule (at any depth), with the byte range to remove when the rule drops it.
public struct JSONFieldHit: Sendable, Equatable {
    /// Index of the field rule (see ``JSONKeyTable``).
    public var field: Int
    /// The member's value.
    public var value: JSONValueSpan
    /// For dropping rules: `removeStart..<removeEnd` removes the member and exactly one adjacent comma,
    /// so that the object stays valid whichever of its members are dropped.
    public var removeStart: Int
    public var removeEnd: Int
}

/// A failure found by ``JSONScanner``: a reason plus the byte offset where it was detected.
public struct JSONScanError: Error, Sendable, Equatable {
    public var reason: RejectReason
    public var offset: Int
    public var detail: String

    /// A human message naming the byte offset, e.g. `invalid JSON at byte 12: expected ':' after an object key`.
    public var message: String {
        let what: String
        switch reason {
        case .empty: return "empty line"
        case .invalidUTF8: what = "invalid UTF-8"
        case .invalidJSON: what = "invalid JSON"
        case .notAnObject: return "the line is valid JSON but not an object (\(detail))"
        case .tooDeep: what = "nesting too deep"
        case .tooLarge: what = "line too large"
        case .nulByte: what = "NUL byte"
        }
        return "\(what) at byte \(offset): \(detail)"
    }
}

/// One pass over a line's bytes that validates it as JSON text (RFC 8259, strictly) and records only
/// what the pipeline needs, without building a tree.
///
/// Invariants:
/// - A scan succeeds only for a single top-level object followed by nothing but whitespace.
/// - Strings are well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF) with no raw
///   control characters; escapes are the nine of RFC 8259.
/// - After a successful scan, ``slots`` holds the last top-level member value for each slot name,
///   ``strings`` every string *value* (not keys) outside members that have a field rule, in document
///   order, and ``fieldHits`` the members that have a field rule, in order of their value's end.
///
/// ```swift
/// var scanner = JSONScanner(keys: JSONKeyTable(slots: ["level"]))
/// let error = Array(#"{"level":"info"}"#.utf8).withUnsafeBytes { scanner.scan($0) }
/// // error == nil, scanner.slots[0].kind == .string
/// ```
public struct JSONScanner: Sendable {
    public let keys: JSONKeyTable
    public let maxDepth: Int
    /// Whether string values are collected into ``strings`` (needed only for redaction).
    public let collectStrings: Bool

    /// The parse state, kept from line to line with its arrays (emptied, capacity kept), so that a scan moves
    /// no array in or out of it: building a fresh state per line and moving four arrays through it cost about
    /// 2% of the agent's CPU time in retains, releases and uniqueness checks.
    var state: JSONParseState

    /// Whether top-level members whose key table entry is flagged `member` are recorded in ``members``
    /// (for a ``DocumentShape``).
    public var collectMembers: Bool {
        get { state.collectMembers }
        set { state.collectMembers = newValue }
    }

    public var slots: [JSONValueSpan] { state.slots }
    public var strings: ArraySlice<JSONValueSpan> { state.strings.elements }
    public var fieldHits: [JSONFieldHit] { state.fieldHits }
    /// With ``collectMembers``: the flagged top-level members, in order. Always: the offsets of the first
    /// top-level key (-1 for `{}`) and of the closing brace, and whether a raw CR or LF appeared (as
    /// whitespace: inside strings it is an error).
    public var members: ArraySlice<JSONObjectScanner.Member> { state.members.elements }
    public var firstKey: Int { state.firstKey }
    public var close: Int { state.close }
    public var sawLineBreak: Bool { state.sawLineBreak }
    /// Whether a compact top level is scanned by the one-loop fast path (``JSONParseState/parseTopLevelCompact()``);
    /// off only in tests that check it against the general parser.
    var compactFastPath: Bool {
        get { state.compactFastPath }
        set { state.compactFastPath = newValue }
    }

    public init(keys: JSONKeyTable, maxDepth: Int = 64, collectStrings: Bool = true, collectMembers: Bool = false) {
        self.keys = keys
        self.maxDepth = maxDepth
        self.collectStrings = collectStrings
        state = JSONParseState(keys: keys.probe, maxDepth: maxDepth, collectStrings: collectStrings,
                               slotCount: keys.slotCount, collectMembers: collectMembers)
    }

    /// Scans `bytes`; returns `nil` when they are one valid JSON object, else the first error.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) -> JSONScanError? {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            state.start(UnsafeRawPointer(bitPattern: 1)!.assumingMemoryBound(to: UInt8.self), 0)
            return JSONScanError(reason: .empty, offset: 0, detail: "empty line")
        }
        state.start(base.assumingMemoryBound(to: UInt8.self), bytes.count)
        // The probe points into the key table's storage, which `keys` keeps alive.
        return withExtendedLifetime(keys) { state.parseDocument() }
    }

    /// Scans an array of bytes.
    public mutating func scan(_ bytes: [UInt8]) -> JSONScanError? {
        bytes.withUnsafeBytes { scan($0) }
    }
}

@usableFromInline
struct JSONParseState: @unchecked Sendable {   // `p` is only used during a scan, on the scanning thread
    /// The line being scanned: valid only during ``JSONScanner/scan(_:)``.
    var p: UnsafePointer<UInt8>
    var n: Int
    let keys: JSONKeyTable.Probe
    let maxDepth: Int
    let collectStrings: Bool
    var slots: [JSONValueSpan]
    var strings = ReusedArray<JSONValueSpan>()
    var fieldHits: [JSONFieldHit] = []
    var collectMembers: Bool
    var members = ReusedArray<JSONObjectScanner.Member>()
    var close = -1
    var firstKey = -1
    var sawLineBreak = false
    /// Whether ``parseTopLevelCompact()`` is tried first (tests turn it off to compare with the general parser).
    var compactFastPath = true
    var i = 0
    var error: JSONScanError?
    /// The span of the value parsed last.
    var last = JSONValueSpan.absent

    init(keys: JSONKeyTable.Probe, maxDepth: Int, collectStrings: Bool, slotCount: Int, collectMembers: Bool) {
        p = UnsafeRawPointer(bitPattern: 1)!.assumingMemoryBound(to: UInt8.self)
        n = 0
        self.keys = keys
        self.maxDepth = maxDepth
        self.collectStrings = collectStrings
        slots = [JSONValueSpan](repeating: .absent, count: slotCount)
        self.collectMembers = collectMembers
    }

    /// Forgets the last line and points at the next one.
    @inline(__always)
    mutating func start(_ p: UnsafePointer<UInt8>, _ n: Int) {
        self.p = p
        self.n = n
        resetForRetry(at: 0)
        sawLineBreak = false
    }

    @inline(__always)
    mutating func fail(_ reason: RejectReason, _ offset: Int, _ detail: String) -> Bool {
        if error == nil { error = JSONScanError(reason: reason, offset: offset, detail: detail) }
        return false
    }

    /// Fails at `i` with the reason that fits the byte there.
    mutating func unexpected(_ expected: String) -> Bool {
        if i >= n { return fail(.invalidJSON, i, "unexpected end of line, expected \(expected)") }
        let b = p[i]
        if b == 0 { return fail(.nulByte, i, "NUL byte where \(expected) was expected") }
        return fail(.invalidJSON, i, "unexpected byte 0x\(String(b, radix: 16)), expected \(expected)")
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            let b = p[i]
            // One comparison for the usual case (no whitespace: every structural byte is above 0x20).
            if b <= 0x20 && (b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09) {
                if b == 0x0A || b == 0x0D { sawLineBreak = true }
                i += 1
            } else {
                return
            }
        }
    }

    mutating func parseDocument() -> JSONScanError? {
        skipWhitespace()
        if i == n { return JSONScanError(reason: .empty, offset: 0, detail: "empty line") }
        if p[i] == UInt8(ascii: "{") {
            let start = i
            if parseTopLevelCompact() { return nil }
            // Not the common shape (or invalid): start again with the general parser, which gives the
            // results and the error messages for every input.
            resetForRetry(at: start)
            if parseObject(depth: 1, topLevel: true) {
                skipWhitespace()
                if i != n {
                    _ = unexpected("end of line after the object")
                }
            }
            return error
        }
        let start = i
        if parseValue(depth: 0, collect: false) {
            skipWhitespace()
            if i != n {
                _ = unexpected("end of line after the value")
                return error
            }
            let what: String
            switch last.kind {
            case .array: what = "an array"
            case .string: what = "a string"
            case .number: what = "a number"
            case .true, .false: what = "a boolean"
            case .null: what = "null"
            default: what = "a value"
            }
            return JSONScanError(reason: .notAnObject, offset: start, detail: what)
        }
        return error
    }

    /// A top-level member: its value goes to the key's slot, and the member to ``members`` when its key is
    /// flagged; `keyEnd` is the offset of the key's closing quote.
    @inline(__always)
    mutating func recordTopLevel(entry: Int, keyStart: Int, keyEnd: Int, value: JSONValueSpan) {
        if entry >= 0 {
            let e = keys.entries[entry]
            if e.slot >= 0 { slots[e.slot] = value }
            if collectMembers && e.member {
                members.append(JSONObjectScanner.Member(key: keyStart..<keyEnd + 1, value: value.outerStart..<value.outerEnd,
                                                        valueStart: p[value.outerStart]))
            }
        }
        if firstKey < 0 { firstKey = keyStart }
    }

    /// A member whose key has a field rule (`field` >= 0) becomes a ``JSONFieldHit``; for a dropping rule its
    /// removal range takes the comma before it when a kept member precedes it, else the one after it (set
    /// when the next key starts, through `pendingDrop`).
    @inline(__always)
    mutating func recordField(_ field: Int, entry: Int, value: JSONValueSpan, keyStart: Int, valueEnd: Int,
                              keptBefore: inout Bool, pendingDrop: inout Int, commaPosition: Int) {
        guard field >= 0 else {
            keptBefore = true
            return
        }
        var hit = JSONFieldHit(field: field, value: value, removeStart: keyStart, removeEnd: valueEnd)
        if keys.entries[entry].drop {
            if keptBefore {
                hit.removeStart = commaPosition
            } else {
                pendingDrop = fieldHits.count
            }
        } else {
            keptBefore = true
        }
        fieldHits.append(hit)
    }

    /// The offset of the closing quote of string content starting at `start` when the content is plain
    /// (ASCII without escapes or control bytes), else -1 (the general scanner then handles it). Eight bytes at
    /// a time, then byte by byte over the line's last few.
    @inline(__always)
    static func plainStringEnd(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int) -> Int {
        var v = start
        while v + 8 <= n {
            let x = UInt64(littleEndian: UnsafeRawPointer(p + v).loadUnaligned(as: UInt64.self))
            let special = specialBytes(x)
            if special == 0 { v += 8; continue }
            v += special.trailingZeroBitCount >> 3
            return p[v] == UInt8(ascii: "\"") ? v : -1
        }
        while v < n {
            let c = p[v]
            if c == UInt8(ascii: "\"") { return v }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return -1 }
            v += 1
        }
        return -1
    }

    /// Forgets what an abandoned ``parseTopLevelCompact()`` recorded.
    mutating func resetForRetry(at start: Int) {
        i = start
        error = nil
        strings.clear()
        if !fieldHits.isEmpty { fieldHits.removeAll(keepingCapacity: true) }
        members.clear()
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: .absent) }
        firstKey = -1
        close = -1
        // sawLineBreak stays: only whitespace before the object can have set it (the fast path skips none).
        last = .absent
    }

    /// The top level of a compact log line (no whitespace between tokens; what every shipper sees) in one
    /// loop, with the cursor in a local and plain keys and string values scanned inline; nested objects and
    /// arrays, escapes, non-ASCII text, numbers and literals go to the general routines. Records exactly what
    /// ``parseObject(depth:topLevel:collect:)`` records for such a line. Returns false at anything else
    /// (whitespace, an error, text after the object): the caller then parses the whole line again with the
    /// general parser, so results and error messages never depend on which path ran.
    mutating func parseTopLevelCompact() -> Bool {
        let p = self.p, n = self.n
        let keys = self.keys
        let open = self.i
        var i = open + 1
        guard compactFastPath, maxDepth >= 1, i < n else { return false }
        if p[i] == UInt8(ascii: "}") {
            guard i + 1 == n else { return false }
            close = i
            self.i = n
            last = JSONValueSpan(kind: .object, start: open, end: n, hasEscapes: false)
            return true
        }
        var keptBefore = false
        var pendingDrop = -1
        var commaPosition = -1
        while true {
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
            let keyStart = i
            // The key, if plain; anything special goes to the general scanner.
            var keyEnd = Self.plainStringEnd(p, n, from: i + 1)
            let entry: Int
            if keyEnd >= 0 {
                entry = keys.count == 0 ? -1 : keys.lookup(p + keyStart + 1, keyEnd - keyStart - 1)
                i = keyEnd + 1
            } else {
                self.i = i
                guard scanString() else { return false }
                entry = lookupKey(last)
                keyEnd = last.end
                i = self.i
            }
            if pendingDrop >= 0 {
                fieldHits[pendingDrop].removeEnd = keyStart
                pendingDrop = -1
            }
            guard i + 1 < n, p[i] == UInt8(ascii: ":") else { return false }
            i += 1
            let field = entry >= 0 ? keys.entries[entry].field : -1
            let collect = field < 0
            // The value.
            let value: JSONValueSpan
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                let valueEnd = Self.plainStringEnd(p, n, from: i + 1)
                if valueEnd >= 0 {
                    value = JSONValueSpan(kind: .string, start: i + 1, end: valueEnd, hasEscapes: false)
                    i = valueEnd + 1
                } else {
                    self.i = i
                    guard scanString() else { return false }
                    value = last
                    i = self.i
                }
                if collect && collectStrings { strings.append(value) }
            } else if b <= 0x20 {
                return false
            } else if b &- UInt8(ascii: "0") < 10 || b == UInt8(ascii: "-") {
                self.i = i
                guard parseNumber() else { return false }
                value = last
                i = self.i
            } else {
                self.i = i
                guard parseValue(depth: 1, collect: collect) else { return false }
                value = last
                i = self.i
            }
            recordTopLevel(entry: entry, keyStart: keyStart, keyEnd: keyEnd, value: value)
            recordField(field, entry: entry, value: value, keyStart: keyStart, valueEnd: i,
                        keptBefore: &keptBefore, pendingDrop: &pendingDrop, commaPosition: commaPosition)
            guard i < n else { return false }
            if p[i] == UInt8(ascii: ",") {
                commaPosition = i
                i += 1
                continue
            }
            // The object ends the line (text after it, even whitespace, is the general parser's business).
            guard p[i] == UInt8(ascii: "}"), i + 1 == n else { return false }
            close = i
            self.i = n
            last = JSONValueSpan(kind: .object, start: open, end: n, hasEscapes: false)
            return true
        }
    }

    mutating func parseValue(depth: Int, collect: Bool) -> Bool {
        guard i < n else { return unexpected("a value") }
        switch p[i] {
        case UInt8(ascii: "\""):
            guard scanString() else { return false }
            if collect && collectStrings { strings.append(last) }
            return true
        case UInt8(ascii: "{"):
            return parseObject(depth: depth + 1, topLevel: false, collect: collect)
        case UInt8(ascii: "["):
            return parseArray(depth: depth + 1, collect: collect)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return parseNumber()
        case UInt8(ascii: "t"):
            return literal("true", .true)
        case UInt8(ascii: "f"):
            return literal("false", .false)
        case UInt8(ascii: "n"):
            return literal("null", .null)
        default:
            return unexpected("a value")
        }
    }

    mutating func literal(_ word: StaticString, _ kind: JSONValueKind) -> Bool {
        let start = i
        let count = word.utf8CodeUnitCount
        let w = word.utf8Start
        var k = 0
        while k < count {
            guard i < n, p[i] == w[k] else { return unexpected("'\(word)'") }
            i += 1
            k += 1
        }
        last = JSONValueSpan(kind: kind, start: start, end: i, hasEscapes: false)
        return true
    }

    mutating func parseNumber() -> Bool {
        // The cursor in a local: `i` is a property of an inout `self`, which the digit loops would load and
        // store on every byte.
        let p = self.p, n = self.n
        let start = i
        var j = i
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < n && p[at] &- UInt8(ascii: "0") < 10 }
        if p[j] == UInt8(ascii: "-") { j += 1 }
        guard j < n else { i = j; return unexpected("a digit") }
        if p[j] == UInt8(ascii: "0") {
            j += 1
        } else if p[j] >= UInt8(ascii: "1") && p[j] <= UInt8(ascii: "9") {
            j += 1
            while isDigit(j) { j += 1 }
        } else {
            i = j
            return unexpected("a digit")
        }
        if j < n && p[j] == UInt8(ascii: ".") {
            j += 1
            guard isDigit(j) else { i = j; return unexpected("a digit after '.'") }
            while isDigit(j) { j += 1 }
        }
        if j < n && (p[j] | 0x20) == UInt8(ascii: "e") {
            j += 1
            if j < n && (p[j] == UInt8(ascii: "+") || p[j] == UInt8(ascii: "-")) { j += 1 }
            guard isDigit(j) else { i = j; return unexpected("a digit in the exponent") }
            while isDigit(j) { j += 1 }
        }
        i = j
        last = JSONValueSpan(kind: .number, start: start, end: j, hasEscapes: false)
        return true
    }

    mutating func parseArray(depth: Int, collect: Bool) -> Bool {
        let start = i
        if depth > maxDepth { return fail(.tooDeep, i, "more than \(maxDepth) nested objects/arrays") }
        i += 1
        skipWhitespace()
        if i < n && p[i] == UInt8(ascii: "]") {
            i += 1
            last = JSONValueSpan(kind: .array, start: start, end: i, hasEscapes: false)
            return true
        }
        while true {
            guard parseValue(depth: depth, collect: collect) else { return false }
            skipWhitespace()
            guard i < n else { return unexpected("',' or ']'") }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                skipWhitespace()
                continue
            }
            if p[i] == UInt8(ascii: "]") {
                i += 1
                last = JSONValueSpan(kind: .array, start: start, end: i, hasEscapes: false)
                return true
            }
            return unexpected("',' or ']'")
        }
    }

    mutating func parseObject(depth: Int, topLevel: Bool, collect: Bool = true) -> Bool {
        let start = i
        if depth > maxDepth { return fail(.tooDeep, i, "more than \(maxDepth) nested objects/arrays") }
        i += 1
        skipWhitespace()
        if i < n && p[i] == UInt8(ascii: "}") {
            if topLevel { close = i }
            i += 1
            last = JSONValueSpan(kind: .object, start: start, end: i, hasEscapes: false)
            return true
        }
        var keptBefore = false
        var pendingDrop = -1
        var commaPosition = -1
        while true {
            guard i < n, p[i] == UInt8(ascii: "\"") else { return unexpected("'\"' starting an object key") }
            let keyStart = i
            guard scanString() else { return false }
            let key = last
            if pendingDrop >= 0 {
                fieldHits[pendingDrop].removeEnd = keyStart
                pendingDrop = -1
            }
            let entry = lookupKey(key)
            // Compact JSON (every log line a shipper sees) has no whitespace around ':' and ','; test for
            // that first and skip whitespace only when the next byte could be some.
            if i < n && p[i] == UInt8(ascii: ":") {
                i += 1
            } else {
                skipWhitespace()
                guard i < n, p[i] == UInt8(ascii: ":") else { return unexpected("':' after an object key") }
                i += 1
            }
            if i < n && p[i] <= 0x20 { skipWhitespace() }
            let field = entry >= 0 ? keys.entries[entry].field : -1
            guard parseValue(depth: depth, collect: collect && field < 0) else { return false }
            let value = last
            if topLevel { recordTopLevel(entry: entry, keyStart: keyStart, keyEnd: key.end, value: value) }
            recordField(field, entry: entry, value: value, keyStart: keyStart, valueEnd: i,
                        keptBefore: &keptBefore, pendingDrop: &pendingDrop, commaPosition: commaPosition)
            if i < n && p[i] <= 0x20 { skipWhitespace() }
            guard i < n else { return unexpected("',' or '}'") }
            if p[i] == UInt8(ascii: ",") {
                commaPosition = i
                i += 1
                if i < n && p[i] <= 0x20 { skipWhitespace() }
                continue
            }
            if p[i] == UInt8(ascii: "}") {
                if topLevel { close = i }
                i += 1
                last = JSONValueSpan(kind: .object, start: start, end: i, hasEscapes: false)
                return true
            }
            return unexpected("',' or '}'")
        }
    }

    @inline(__always)
    func lookupKey(_ key: JSONValueSpan) -> Int {
        if keys.count == 0 { return -1 }
        if !key.hasEscapes { return keys.lookup(p + key.start, key.end - key.start) }
        let decoded = JSONString.unescape(UnsafeBufferPointer(start: p + key.start, count: key.end - key.start))
        return (decoded + [0]).withUnsafeBufferPointer { keys.lookup($0.baseAddress!, $0.count - 1) }
    }

    /// Scans a string starting at its opening quote; sets `last` to its content span.
    /// Inlined: it runs for every key and string value, and most are short.
    @inline(__always)
    mutating func scanString() -> Bool {
        i += 1
        let start = i
        var escaped = false
        while true {
            // Eight bytes at a time while none of them is a quote, a backslash, a control byte or non-ASCII.
            while i + 8 <= n {
                let x = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                let special = Self.specialBytes(x)
                if special == 0 {
                    i += 8
                } else {
                    i += special.trailingZeroBitCount >> 3
                    break
                }
            }
            guard i < n else { return fail(.invalidJSON, i, "unterminated string starting at byte \(start - 1)") }
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                last = JSONValueSpan(kind: .string, start: start, end: i, hasEscapes: escaped)
                i += 1
                return true
            } else if b == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < n else { return fail(.invalidJSON, i, "unterminated escape") }
                switch p[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= n else { return fail(.invalidJSON, i, "truncated \\u escape") }
                    for k in 2..<6 where JSONString.hexValue(p[i + k]) < 0 {
                        return fail(.invalidJSON, i + k, "invalid hex digit in \\u escape")
                    }
                    i += 6
                default:
                    return fail(.invalidJSON, i, "invalid escape sequence")
                }
            } else if b < 0x20 {
                if b == 0 { return fail(.nulByte, i, "NUL byte inside a string") }
                return fail(.invalidJSON, i, "unescaped control character 0x\(String(b, radix: 16)) in a string")
            } else if b >= 0x80 {
                guard validateUTF8Sequence() else { return false }
            } else {
                i += 1
            }
        }
    }

    /// Bit 7 of each byte of the result is set where `x` has `"`, `\`, a byte below 0x20 or a byte >= 0x80
    /// (the last needs UTF-8 validation). Only the lowest set bit is exact, which is all the caller uses.
    @inline(__always)
    static func specialBytes(_ x: UInt64) -> UInt64 {
        SWAR.quoteBackslashOrControl(x) | (x & SWAR.high)
    }

    /// Validates one multi-byte UTF-8 sequence at `i` (RFC 3629 table 3-7) and steps over it.
    mutating func validateUTF8Sequence() -> Bool {
        let b0 = p[i]
        var length = 0
        var low: UInt8 = 0x80
        var highLimit: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; highLimit = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; highLimit = 0x8F
        default:
            return fail(.invalidUTF8, i, "byte 0x\(String(b0, radix: 16)) cannot start a UTF-8 sequence")
        }
        guard i + length <= n else { return fail(.invalidUTF8, i, "truncated UTF-8 sequence") }
        let b1 = p[i + 1]
        guard b1 >= low && b1 <= highLimit else { return fail(.invalidUTF8, i + 1, "invalid UTF-8 continuation byte") }
        var k = 2
        while k < length {
            guard p[i + k] & 0xC0 == 0x80 else { return fail(.invalidUTF8, i + k, "invalid UTF-8 continuation byte") }
            k += 1
        }
        i += length
        return true
    }
}

/// An array reused from line to line: emptied by setting a count (elements are plain values, nothing to
/// release), where `removeAll(keepingCapacity:)` costs about a hundred instructions a call even for an array of
/// plain values. Only `elements` (the first `count`) are meaningful.
struct ReusedArray<Element>: @unchecked Sendable {   // Sendable when Element is; used with plain value types only
    private(set) var storage: [Element] = []
    private(set) var count = 0

    @inline(__always)
    mutating func append(_ element: Element) {
        if count < storage.count { storage[count] = element } else { storage.append(element) }
        count &+= 1
    }

    @inline(__always)
    mutating func clear() { count = 0 }

    var elements: ArraySlice<Element> { storage[..<count] }
}
