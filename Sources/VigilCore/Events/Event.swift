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
        get {
            switch storage {
            case .owned(let bytes): return bytes
            case .arena(let arena, let offset, let count): return arena.withBytes(offset, count) { Array($0) }
            }
        }
        set {
            storage = .owned(newValue)
            fields = Fields(); shape = nil   // spans pointed into the old bytes
        }
    }

    /// Where the body is: its own array, or a range of a batch's ``EventBodyArena``.
    @usableFromInline
    enum BodyStorage: Sendable {
        case owned([UInt8])
        case arena(EventBodyArena, offset: Int, count: Int)
    }
    @usableFromInline var storage: BodyStorage

    /// Calls `body` with the body's bytes, without copying them (``body`` copies those kept in an arena).
    /// Inlinable so that the spool's encoder (another module) reads the bytes where the event is, instead of
    /// calling through a copy of the whole event.
    @inlinable @inline(__always)
    public func withBody<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch storage {
        case .owned(let bytes): return try bytes.withUnsafeBufferPointer(body)
        case .arena(let arena, let offset, let count): return try arena.withBytes(offset, count, body)
        }
    }

    /// The body's length in bytes.
    @inlinable
    public var bodyCount: Int {
        switch storage {
        case .owned(let bytes): return bytes.count
        case .arena(_, _, let count): return count
        }
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
        self.init(id: id, kind: kind, timestampMillis: timestampMillis, source: source, storage: .owned(body), fields: fields, shape: shape)
    }

    init(id: String, kind: EventKind, timestampMillis: Int64, source: String, storage: BodyStorage, fields: Fields, shape: DocumentShape?) {
        self.id = id
        self.kind = kind
        self.timestampMillis = timestampMillis
        self.source = source
        self.storage = storage
        self.fields = fields
        self.shape = shape
    }

    private func text(_ span: JSONValueSpan) -> String? {
        withBody { EventPipeline.optionalText(span, $0) }
    }
}

/// Memory for the bodies of one batch of events (a tailer's read chunk): one allocation per batch instead of
/// one array per event.
///
/// Invariants: bytes are only ever appended (``copy(_:)``, ``fill(upTo:_:)``), never moved or rewritten while an event refers to
/// them: the owner empties it only through ``recycle(_:)``, which does so only when no event holds the arena any
/// more (`isKnownUniquelyReferenced`) and otherwise starts a new one. So events may be read on any thread once handed over.
public final class EventBodyArena: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutableRawPointer
    public let capacity: Int
    // Only its owner (one tailer task) changes it: no dynamic exclusivity check per copy.
    @exclusivity(unchecked) public private(set) var used = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Appends `bytes`; returns their offset, or nil when they do not fit (the caller keeps its own copy).
    func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard capacity - used >= bytes.count else { return nil }
        let offset = used
        if let source = bytes.baseAddress, bytes.count > 0 { (base + offset).copyMemory(from: source, byteCount: bytes.count) }
        used += bytes.count
        return offset
    }

    /// Lets `fill` write into the unused space (a read straight from a file); `fill` returns how many bytes it
    /// wrote (negative: none), which become part of the arena. Returns what `fill` returned.
    public func fill(upTo limit: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        let room = min(limit, capacity - used)
        let n = fill(UnsafeMutableRawBufferPointer(start: base + used, count: room))
        if n > 0 { used += min(n, room) }
        return n
    }

    /// The offset of `bytes` when they already lie in the arena (a line of a chunk read by ``fill(upTo:_:)``),
    /// so that an event can refer to them without a copy; nil otherwise.
    @inline(__always)
    func offset(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let start = bytes.baseAddress else { return nil }
        let offset = UnsafeRawPointer(start) - UnsafeRawPointer(base)
        return offset >= 0 && offset + bytes.count <= used ? offset : nil
    }

    /// Empties the arena. Only while no event refers to it: other modules go through ``recycle(_:)``, which checks.
    func reset() { used = 0 }

    /// Makes `arena` ready for the next batch: emptied when nothing else refers to it (no event still holds
    /// its bytes), else replaced by a new arena of the same capacity, so bytes an event refers to are never
    /// overwritten.
    public static func recycle(_ arena: inout EventBodyArena) {
        if isKnownUniquelyReferenced(&arena) {
            arena.reset()
        } else {
            arena = EventBodyArena(capacity: arena.capacity)
        }
    }

    @inlinable @inline(__always)
    func withBytes<R>(_ offset: Int, _ count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try body(UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: UInt8.self), count: count))
        }
    }
}
