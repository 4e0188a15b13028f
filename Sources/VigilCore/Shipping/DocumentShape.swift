/// What ``BulkEncoder`` needs to know about a document's top level to add Elastic Common Schema fields by
/// splicing bytes.
///
/// The ingestion pipeline already walks every top-level member while it validates a line, so when events
/// go to Elasticsearch it computes the shape there (``make(body:members:close:hasControlBytes:)``, the same
/// function the encoder uses after its own scan), the spool stores it beside the event, and the shipper
/// encodes without scanning the document a second time.
///
/// Invariants:
/// - Offsets index the document bytes the shape was computed from; ``fits(_:)`` checks them against the
///   bytes before use, and the encoder scans instead when they do not fit.
/// - Up to ``maxRenames`` renames are kept inline, in document order (no allocation per event). A document
///   with more scalar ECS roots (or duplicate keys) is `overflowed`: it is not stored (``isStorable``), and the
///   encoder finds its renames in the members of its own scan.
public struct DocumentShape: Sendable, Hashable {
    /// A scalar member at an ECS object root whose key is replaced (see ``BulkEncoder``).
    public struct Rename: Sendable, Hashable {
        /// The key token, quotes included.
        public var keyStart: Int32
        public var keyEnd: Int32
        /// 0 `service`, 1 `host`, 2 `log`, 3 `event`, 4 `ecs`.
        public var root: UInt8
        /// The target field exists already, so the key becomes `vigil.original_<root>` instead.
        public var aside: Bool
    }

    public static let maxRenames = 2

    /// Offset of the first member's key, or -1 for an object without members.
    public var firstMember: Int32
    /// Offset of the closing brace.
    public var close: Int32
    /// The value token of a string `msg` to copy into `message` (only when there is no `message`).
    public var messageValue: Range<Int32>?
    /// The value token of a string `level`, for `log.level`.
    public var levelValue: Range<Int32>?
    public var hasTimestamp: Bool
    /// A raw CR or LF (pretty-printed whitespace) that must become a space in an NDJSON line.
    public var hasControlBytes: Bool
    /// One bit per ECS root (1 `service`, 2 `host`, 4 `log`, 8 `event`, 16 `ecs`) whose dotted field is not
    /// added: it exists, or the root is an object that may hold it, or a scalar renamed to it.
    public var blockedRoots: UInt8
    /// One bit per root (as above) whose rename target (`service.name`, `host.name`, `log.original`, ...)
    /// is a key of the document already.
    public var takenTargets: UInt8
    /// More renames than are kept inline.
    public private(set) var overflowed = false
    public private(set) var renameCount = 0
    private var rename0 = Rename(keyStart: 0, keyEnd: 0, root: 0, aside: false)
    private var rename1 = Rename(keyStart: 0, keyEnd: 0, root: 0, aside: false)

    /// Whether ``encode(into:)`` can store it.
    public var isStorable: Bool { !overflowed }

    @inline(__always)
    public func rename(_ k: Int) -> Rename { k == 0 ? rename0 : rename1 }

    @inline(__always)
    mutating func appendRename(_ rename: Rename) {
        switch renameCount {
        case 0: rename0 = rename
        case 1: rename1 = rename
        default: overflowed = true; return
        }
        renameCount += 1
    }

    /// The ECS root a top-level member is, if it is a scalar one that gets renamed (-1 otherwise).
    @inline(__always)
    static func scalarRoot(_ body: UnsafeBufferPointer<UInt8>, _ member: JSONObjectScanner.Member) -> Int {
        guard member.valueStart != UInt8(ascii: "{") else { return -1 }
        let at = member.key.lowerBound + 1
        switch member.key.count - 2 {
        case 3: return equals(body, at, "log") ? 2 : equals(body, at, "ecs") ? 4 : -1
        case 4: return equals(body, at, "host") ? 1 : -1
        case 5: return equals(body, at, "event") ? 3 : -1
        case 7: return equals(body, at, "service") ? 0 : -1
        default: return -1
        }
    }

    /// The top-level names a shape depends on: members with other names are copied verbatim, so the
    /// ingestion scanner records only these (``JSONKeyTable``'s `members`).
    public static let memberNames = [
        "@timestamp", "message", "msg", "level", "log.level", "service", "service.name", "host", "host.name",
        "log", "log.original", "event", "event.dataset", "event.original", "ecs", "ecs.version", "ecs.original",
    ]

    /// Computes the shape from a document's top-level members, in one pass over them: all of them (as
    /// ``JSONObjectScanner`` reports them) or only those named in ``memberNames`` (as ``JSONScanner`` records
    /// them). `firstMember` is the offset of the first member's key of all, -1 for `{}`.
    public static func make(body: UnsafeBufferPointer<UInt8>, members: ArraySlice<JSONObjectScanner.Member>, firstMember: Int, close: Int,
                            hasControlBytes: Bool) -> DocumentShape {
        var hasTimestamp = false, hasMessage = false, msgValue: Range<Int>?, levelValue: Range<Int>?
        var dotted: UInt8 = 0, roots: UInt8 = 0, taken: UInt8 = 0
        var shape = DocumentShape(firstMember: Int32(firstMember), close: Int32(close),
                                  messageValue: nil, levelValue: nil, hasTimestamp: false, hasControlBytes: hasControlBytes,
                                  blockedRoots: 0, takenTargets: 0, renames: [])
        for member in members {
            let at = member.key.lowerBound + 1
            var root = -1
            // Keys are compared by length first: most members match none of these names.
            switch member.key.count - 2 {
            case 3:
                if equals(body, at, "msg") { if member.valueStart == UInt8(ascii: "\"") { msgValue = member.value } }
                else if equals(body, at, "log") { root = 2 }
                else if equals(body, at, "ecs") { root = 4 }
            case 4:
                if equals(body, at, "host") { root = 1 }
            case 5:
                if equals(body, at, "level") { if member.valueStart == UInt8(ascii: "\"") { levelValue = member.value } }
                else if equals(body, at, "event") { root = 3 }
            case 7:
                if equals(body, at, "message") { hasMessage = true }
                else if equals(body, at, "service") { root = 0 }
            case 9:
                if equals(body, at, "log.level") { dotted |= 4 }
                else if equals(body, at, "host.name") { dotted |= 2; taken |= 2 }
            case 10:
                if equals(body, at, "@timestamp") { hasTimestamp = true }
            case 11:
                if equals(body, at, "ecs.version") { dotted |= 16 }
            case 12:
                if equals(body, at, "service.name") { dotted |= 1; taken |= 1 }
                else if equals(body, at, "log.original") { taken |= 4 }
                else if equals(body, at, "ecs.original") { taken |= 16 }
            case 13:
                if equals(body, at, "event.dataset") { dotted |= 8 }
            case 14:
                if equals(body, at, "event.original") { taken |= 8 }
            default:
                break
            }
            guard root >= 0 else { continue }
            let isObject = member.valueStart == UInt8(ascii: "{")
            if isObject || root < 2 { roots |= 1 << UInt8(root) }
            // A scalar root: renamed, so `service`/`host` values become the ECS field itself.
            if !isObject {
                shape.appendRename(Rename(keyStart: Int32(member.key.lowerBound), keyEnd: Int32(member.key.upperBound), root: UInt8(root), aside: false))
            }
        }
        // Set aside where the document already has the target field (known only after every member).
        if taken != 0 {
            if shape.renameCount > 0 { shape.rename0.aside = taken & (1 << shape.rename0.root) != 0 }
            if shape.renameCount > 1 { shape.rename1.aside = taken & (1 << shape.rename1.root) != 0 }
        }
        shape.messageValue = hasMessage ? nil : msgValue.map { Int32($0.lowerBound)..<Int32($0.upperBound) }
        shape.levelValue = levelValue.map { Int32($0.lowerBound)..<Int32($0.upperBound) }
        shape.hasTimestamp = hasTimestamp
        shape.blockedRoots = dotted | roots
        shape.takenTargets = taken
        return shape
    }

    /// Whether the offsets can belong to `body` (in bounds, on the bytes they name); a guard against a shape
    /// paired with the wrong document, never expected to fail.
    public func fits(_ body: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = body.count
        guard !overflowed, close >= 0, Int(close) < n, body[Int(close)] == UInt8(ascii: "}") else { return false }
        if firstMember >= 0 {
            guard firstMember < close, body[Int(firstMember)] == UInt8(ascii: "\"") else { return false }
        }
        func valid(_ range: Range<Int32>?) -> Bool {
            guard let range else { return true }
            return range.lowerBound >= 0 && range.upperBound <= close && body[Int(range.lowerBound)] == UInt8(ascii: "\"")
        }
        guard valid(messageValue), valid(levelValue) else { return false }
        var cursor = firstMember
        for k in 0..<renameCount {
            let rename = rename(k)
            guard rename.keyStart >= cursor, rename.keyEnd > rename.keyStart, rename.keyEnd <= close, rename.root < 5,
                  body[Int(rename.keyStart)] == UInt8(ascii: "\"") else { return false }
            cursor = rename.keyEnd
        }
        return true
    }

    // MARK: Bytes (for the spool)

    /// Fixed part: firstMember, close, message start/end, level start/end (Int32 each, -1 = none), flags,
    /// blockedRoots, takenTargets, rename count; then per rename keyStart, keyEnd (Int32), root | 0x80 when aside.
    public var encodedSize: Int { 6 * 4 + 4 + renameCount * 9 }

    public func encode(into out: UnsafeMutableRawPointer) {
        precondition(isStorable, "an overflowed shape is not stored")
        func put(_ v: Int32, _ at: Int) { (out + at).storeBytes(of: v.littleEndian, as: Int32.self) }
        put(firstMember, 0)
        put(close, 4)
        put(messageValue?.lowerBound ?? -1, 8); put(messageValue?.upperBound ?? -1, 12)
        put(levelValue?.lowerBound ?? -1, 16); put(levelValue?.upperBound ?? -1, 20)
        (out + 24).storeBytes(of: UInt8((hasTimestamp ? 1 : 0) | (hasControlBytes ? 2 : 0)), as: UInt8.self)
        (out + 25).storeBytes(of: blockedRoots, as: UInt8.self)
        (out + 26).storeBytes(of: takenTargets, as: UInt8.self)
        (out + 27).storeBytes(of: UInt8(renameCount), as: UInt8.self)
        for k in 0..<renameCount {
            let rename = rename(k), at = 28 + k * 9
            put(rename.keyStart, at)
            put(rename.keyEnd, at + 4)
            (out + at + 8).storeBytes(of: rename.root | (rename.aside ? 0x80 : 0), as: UInt8.self)
        }
    }

    /// Decodes what ``encode(into:)`` wrote; nil when the bytes are not a shape.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 28 else { return nil }
        let count = Int(bytes[27])
        guard count <= Self.maxRenames, bytes.count == 28 + count * 9 else { return nil }
        @inline(__always) func int32(_ at: Int) -> Int32 { Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int32.self)) }
        firstMember = int32(0)
        close = int32(4)
        let m0 = int32(8), m1 = int32(12), l0 = int32(16), l1 = int32(20)
        messageValue = m0 >= 0 && m1 > m0 ? m0..<m1 : nil
        levelValue = l0 >= 0 && l1 > l0 ? l0..<l1 : nil
        hasTimestamp = bytes[24] & 1 != 0
        hasControlBytes = bytes[24] & 2 != 0
        blockedRoots = bytes[25]
        takenTargets = bytes[26]
        if count > 0 { rename0 = Rename(keyStart: int32(28), keyEnd: int32(32), root: bytes[36] & 0x7F, aside: bytes[36] & 0x80 != 0) }
        if count > 1 { rename1 = Rename(keyStart: int32(37), keyEnd: int32(41), root: bytes[45] & 0x7F, aside: bytes[45] & 0x80 != 0) }
        renameCount = count
    }

    public init(firstMember: Int32, close: Int32, messageValue: Range<Int32>?, levelValue: Range<Int32>?, hasTimestamp: Bool,
                hasControlBytes: Bool, blockedRoots: UInt8, takenTargets: UInt8, renames: [Rename]) {
        self.firstMember = firstMember
        self.close = close
        self.messageValue = messageValue
        self.levelValue = levelValue
        self.hasTimestamp = hasTimestamp
        self.hasControlBytes = hasControlBytes
        self.blockedRoots = blockedRoots
        self.takenTargets = takenTargets
        for rename in renames { appendRename(rename) }
    }

    /// The ECS roots a scalar is renamed away from, by ``Rename/root``: the target field, its key token, and
    /// the key token used when the target exists already.
    static let renameTargets: [(target: [UInt8], quoted: [UInt8], aside: [UInt8])] = [
        ("service", "service.name"), ("host", "host.name"), ("log", "log.original"), ("event", "event.original"), ("ecs", "ecs.original"),
    ].map { root, target in
        (Array(target.utf8), Array("\"\(target)\"".utf8), Array("\"vigil.original_\(root)\"".utf8))
    }

    /// Whether `body[at..<at + name.count]` is `name`; the caller has checked that a key of that length is there.
    /// Names of 4 bytes or more are compared as two overlapping words (first and last 8, or 4, bytes), both
    /// inside the key, instead of byte by byte.
    @inline(__always)
    static func equals(_ body: UnsafeBufferPointer<UInt8>, _ at: Int, _ name: StaticString) -> Bool {
        let p = UnsafeRawPointer(name.utf8Start)
        let count = name.utf8CodeUnitCount
        precondition(at >= 0 && at + count <= body.count)
        let q = UnsafeRawPointer(body.baseAddress! + at)
        if count >= 8 {
            return q.loadUnaligned(as: UInt64.self) == p.loadUnaligned(as: UInt64.self)
                && q.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == p.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return q.loadUnaligned(as: UInt32.self) == p.loadUnaligned(as: UInt32.self)
                && q.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == p.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        for k in 0..<count where q.load(fromByteOffset: k, as: UInt8.self) != p.load(fromByteOffset: k, as: UInt8.self) { return false }
        return true
    }
}
