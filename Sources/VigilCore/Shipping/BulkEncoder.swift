/// One event to index: its deterministic `_id`, its event time and its JSON object.
public struct BulkDocument: Sendable {
    public var id: String
    public var timestampMillis: Int64
    public var body: [UInt8]

    public init(id: String, timestampMillis: Int64, body: [UInt8]) {
        self.id = id
        self.timestampMillis = timestampMillis
        self.body = body
    }
}

/// Where documents go and which Elastic Common Schema fields they get.
public struct BulkEncoderConfiguration: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// An index name pattern expanded from each event's UTC time (`%Y`, `%m`, `%d`, `%H`).
        case index(pattern: String)
        /// A data stream `logs-{dataset}-{namespace}`.
        case dataStream(dataset: String, namespace: String)
    }

    public var target: Target
    /// `event.dataset`; with a data stream target, its dataset.
    public var dataset: String
    /// `host.name`, unless the document has its own `host`.
    public var hostName: String?
    public var ecsVersion: String

    public init(target: Target = .index(pattern: "vigil-logs-%Y.%m.%d"), dataset: String = "vigil.logs",
                hostName: String? = nil, ecsVersion: String = "8.11.0") {
        self.target = target
        if case let .dataStream(streamDataset, _) = target { self.dataset = streamDataset } else { self.dataset = dataset }
        self.hostName = hostName
        self.ecsVersion = ecsVersion
    }
}

/// An NDJSON `_bulk` body and where each item (action line + document line) ends in it, so that a
/// subset (the items to retry, one half after a `413`) can be cut out without encoding again.
public struct EncodedBatch: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// `ends[i]` is the offset just after item `i`'s final newline.
    public private(set) var ends: [Int] = []
    /// The index of the batch's first item: the request goes to `POST /<index>/_bulk`, and items for this
    /// index leave `_index` out of their action line (Elasticsearch uses the path's index for them). Items
    /// for another index (a batch spanning midnight) name theirs.
    public internal(set) var index: String?

    public init() {}

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    public func range(ofItem index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// A batch of the given items (positions in this batch), in the order given.
    public func subset<S: Sequence>(_ indices: S) -> EncodedBatch where S.Element == Int {
        var out = EncodedBatch()
        out.index = index
        for index in indices {
            out.bytes.append(contentsOf: bytes[range(ofItem: index)])
            out.ends.append(out.bytes.count)
        }
        return out
    }

    mutating func append(item: (inout [UInt8]) -> Void) {
        item(&bytes)
        ends.append(bytes.count)
    }

    /// Appends one item written through a raw cursor into at most `bound` bytes of spare capacity (no
    /// per-append uniqueness checks or reference counting, which `Array.append` pays every time).
    mutating func append(itemOfAtMost bound: Int, _ write: (inout BulkWriter) -> Void) {
        bytes.append(addingCapacity: bound) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                var writer = BulkWriter(base: buffer.baseAddress!, limit: buffer.count)
                write(&writer)
                initialized = writer.at
            }
        }
        ends.append(bytes.count)
    }

    public mutating func reserveCapacity(_ n: Int, items: Int = 0) {
        bytes.reserveCapacity(n)
        ends.reserveCapacity(items)
    }
}

/// Encodes documents as `_bulk` `create` items with Elastic Common Schema fields.
///
/// The document's own bytes are kept: ECS fields are spliced in right after the opening brace, and
/// no member is re-serialised. Rules:
/// - `@timestamp` (from the event time) unless present; `message` from `msg` when only `msg` exists;
///   `log.level` from a string `level`; `event.dataset`, `ecs.version`, `host.name` from configuration.
/// - A field `a.b` is not added when the document has a key `a.b` or an object `a` (it may hold `b`).
/// - A scalar at an ECS object root would make the document fail mapping next to `a.b`, so that key is
///   renamed in place: `service` → `service.name`, `host` → `host.name`, `log`/`event`/`ecs` → `….original`.
/// - Raw CR/LF between tokens (only possible as whitespace in valid JSON) become spaces, because a
///   newline ends an NDJSON line.
///
/// ```swift
/// var encoder = BulkEncoder(configuration: BulkEncoderConfiguration(hostName: "node-1"))
/// var batch = EncodedBatch()
/// encoder.append(BulkDocument(id: "f1:0", timestampMillis: 0, body: Array(#"{"level":"info","message":"up"}"#.utf8)), to: &batch)
/// // batch.index == "vigil-logs-1970.01.01" (the request goes to POST /vigil-logs-1970.01.01/_bulk)
/// // {"create":{"_id":"f1:0"}}
/// // {"@timestamp":"1970-01-01T00:00:00.000Z","log.level":"info","event.dataset":"vigil.logs","ecs.version":"8.11.0","host.name":"node-1","level":"info","message":"up"}
/// ```
public struct BulkEncoder: Sendable {
    public let configuration: BulkEncoderConfiguration
    private var cachedDay: Int64 = .min
    /// The index for `cachedDay`, and its action-line prefix with `_index`.
    private var cachedIndex = ""
    private var cachedActionPrefix: [UInt8] = []
    /// The bytes that come from the configuration, in one object: the item-writing closure captures this one
    /// reference instead of copying the encoder (which retained each of its arrays once per document).
    private final class Fields: Sendable {
        /// The action-line prefix of an item for the batch's own index.
        let shortActionPrefix: [UInt8] = Array(#"{"create":{"_id":"#.utf8)
        let staticFields: [UInt8]   // event.dataset (always the same bytes)
        let ecsVersionField: [UInt8]
        let hostField: [UInt8]?

        init(staticFields: [UInt8], ecsVersionField: [UInt8], hostField: [UInt8]?) {
            self.staticFields = staticFields
            self.ecsVersionField = ecsVersionField
            self.hostField = hostField
        }
    }
    private let fields: Fields
    /// The index pattern has an hour field, so the action prefix cannot be cached per day.
    private let hourly: Bool
    // Scratch reused by every document, so encoding allocates nothing per event.
    private var members: [JSONObjectScanner.Member] = []
    /// The longest ECS prefix a document can get besides values copied from it (timestamp, separators, the
    /// configured fields), for bounding an item before writing it.
    private let fixedFieldsBound: Int

    public init(configuration: BulkEncoderConfiguration) {
        self.configuration = configuration
        var fields: [UInt8] = []
        Self.appendLiteral("\"event.dataset\":", to: &fields)
        Self.appendJSONString(configuration.dataset, to: &fields)
        let staticFields = fields
        var version: [UInt8] = []
        Self.appendLiteral("\"ecs.version\":", to: &version)
        Self.appendJSONString(configuration.ecsVersion, to: &version)
        var hostField: [UInt8]?
        if let host = configuration.hostName {
            var h: [UInt8] = []
            Self.appendLiteral("\"host.name\":", to: &h)
            Self.appendJSONString(host, to: &h)
            hostField = h
        }
        self.fields = Fields(staticFields: staticFields, ecsVersionField: version, hostField: hostField)
        if case let .index(pattern) = configuration.target { hourly = pattern.contains("%H") } else { hourly = false }
        fixedFieldsBound = 64 + staticFields.count + version.count + (hostField?.count ?? 0) + 48
    }

    /// The index (or data stream) an event at `timestampMillis` goes to.
    public func indexName(timestampMillis: Int64) -> String {
        switch configuration.target {
        case let .index(pattern): return CivilTime(millisecondsSinceEpoch: timestampMillis).format(pattern)
        case let .dataStream(dataset, namespace): return "logs-\(dataset)-\(namespace)"
        }
    }

    /// Appends one item (action line and document line) to `batch`.
    public mutating func append(_ document: BulkDocument, to batch: inout EncodedBatch) {
        var id = document.id
        id.withUTF8 { id in
            document.body.withUnsafeBufferPointer { body in
                append(id: id, timestampMillis: document.timestampMillis, body: body, to: &batch)
            }
        }
    }

    /// Appends one item from raw bytes (the shipper passes slices of spool blocks, without copying them).
    /// `shape`, when the pipeline computed one for these bytes, saves scanning the document again.
    public mutating func append(id: UnsafeBufferPointer<UInt8>, timestampMillis: Int64, body: UnsafeBufferPointer<UInt8>,
                                shape: DocumentShape? = nil, to batch: inout EncodedBatch) {
        updateActionPrefix(timestampMillis: timestampMillis)
        if batch.index == nil { batch.index = cachedIndex }
        let ownIndex = batch.index == cachedIndex
        var shape = shape
        if shape.map({ !$0.fits(body) }) ?? true {
            // No usable stored shape: scan the document here.
            guard let scanned = JSONObjectScanner.scan(body, into: &members) else {
                batch.append { out in
                    appendAction(id, ownIndex: ownIndex, to: &out)
                    appendNonObject(body, timestampMillis: timestampMillis, to: &out)
                    out.append(0x0A)
                }
                return
            }
            shape = DocumentShape.make(body: body, members: members[...], firstMember: members.first?.key.lowerBound ?? -1,
                                       close: scanned.close, hasControlBytes: scanned.hasControlBytes)
        }
        let documentShape = shape!
        // Values copied from the document (message, level) are parts of it: twice its size bounds them all.
        // Renames add at most 24 bytes each (`"vigil.original_service"` for `"service"`).
        let renames = documentShape.overflowed ? members.count : documentShape.renameCount
        let bound = cachedActionPrefix.count + 6 * id.count + 8 + fixedFieldsBound + 2 * body.count + 24 * renames + 2
        // Only locals are captured: calling a method of the encoder inside the closure copied the whole struct.
        let fields = self.fields
        let actionPrefix = ownIndex ? fields.shortActionPrefix : cachedActionPrefix
        let members = documentShape.overflowed ? self.members : []
        batch.append(itemOfAtMost: bound) { out in
            actionPrefix.withUnsafeBufferPointer { out.put($0) }
            out.putQuoted(id)
            out.put("}}\n")
            Self.writeDocument(body, shape: documentShape, members: members, timestampMillis: timestampMillis, fields: fields, to: &out)
            out.put(0x0A)
        }
    }

    private func appendAction(_ id: UnsafeBufferPointer<UInt8>, ownIndex: Bool, to out: inout [UInt8]) {
        out.append(contentsOf: ownIndex ? fields.shortActionPrefix : cachedActionPrefix)
        JSONString.appendQuoted(id, to: &out)
        Self.appendLiteral("}}\n", to: &out)
    }

    /// `{"create":{"_index":"<name>","_id":` — cached per UTC day, as the index changes at most daily
    /// for the default pattern (hourly patterns just miss the cache more often).
    private mutating func updateActionPrefix(timestampMillis: Int64) {
        let day = CivilTime.floorDivide(timestampMillis, 86_400_000).quotient
        if day == cachedDay, !hourly { return }
        let name = indexName(timestampMillis: timestampMillis)
        var prefix: [UInt8] = []
        Self.appendLiteral("{\"create\":{\"_index\":", to: &prefix)
        Self.appendJSONString(name, to: &prefix)
        Self.appendLiteral(",\"_id\":", to: &prefix)
        cachedDay = day
        cachedIndex = name
        cachedActionPrefix = prefix
    }

    /// A body that is not a JSON object: its text becomes the message rather than the event being lost.
    private func appendNonObject(_ body: UnsafeBufferPointer<UInt8>, timestampMillis: Int64, to out: inout [UInt8]) {
        Self.appendLiteral("{\"@timestamp\":\"", to: &out)
        CivilTime(millisecondsSinceEpoch: timestampMillis).appendRFC3339(to: &out)
        Self.appendLiteral("\",\"message\":", to: &out)
        Self.appendJSONString(String(decoding: body, as: UTF8.self), to: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: fields.staticFields)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: fields.ecsVersionField)
        if let hostField = fields.hostField { out.append(UInt8(ascii: ",")); out.append(contentsOf: hostField) }
        out.append(UInt8(ascii: "}"))
    }

    /// The document with ECS fields spliced in, per `shape` (see ``DocumentShape``); `members` (the scan the
    /// shape came from) is needed only for an overflowed shape, whose renames are not all inline.
    private static func writeDocument(_ body: UnsafeBufferPointer<UInt8>, shape: DocumentShape, members: [JSONObjectScanner.Member],
                                      timestampMillis: Int64, fields: Fields, to out: inout BulkWriter) {
        let blockedRoots = shape.blockedRoots
        out.put(UInt8(ascii: "{"))
        var first = true
        func separator(_ out: inout BulkWriter) { if first { first = false } else { out.put(UInt8(ascii: ",")) } }
        if !shape.hasTimestamp {
            separator(&out)
            out.put("\"@timestamp\":\"")
            CivilTime(millisecondsSinceEpoch: timestampMillis).writeRFC3339 { out.put($0) }
            out.put(UInt8(ascii: "\""))
        }
        if let value = shape.messageValue {
            separator(&out); out.put("\"message\":"); out.put(Self.slice(body, value))
        }
        if let value = shape.levelValue, blockedRoots & 4 == 0 {
            separator(&out); out.put("\"log.level\":"); out.put(Self.slice(body, value))
        }
        if blockedRoots & 8 == 0 { separator(&out); fields.staticFields.withUnsafeBufferPointer { out.put($0) } }
        if blockedRoots & 16 == 0 { separator(&out); fields.ecsVersionField.withUnsafeBufferPointer { out.put($0) } }
        if let hostField = fields.hostField, blockedRoots & 2 == 0 { separator(&out); hostField.withUnsafeBufferPointer { out.put($0) } }

        // The original members, verbatim except for renamed keys and raw newlines.
        guard shape.firstMember >= 0 else { out.put(UInt8(ascii: "}")); return }
        separator(&out)
        let start = out.at
        var cursor = Int(shape.firstMember)
        func rename(_ keyStart: Int, _ keyEnd: Int, _ root: Int, aside: Bool, _ out: inout BulkWriter) {
            out.put(UnsafeBufferPointer(rebasing: body[cursor..<keyStart]))
            let names = DocumentShape.renameTargets[root]
            (aside ? names.aside : names.quoted).withUnsafeBufferPointer { out.put($0) }
            cursor = keyEnd
        }
        if shape.overflowed {
            for member in members {
                let root = DocumentShape.scalarRoot(body, member)
                if root >= 0 { rename(member.key.lowerBound, member.key.upperBound, root, aside: shape.takenTargets & (1 << UInt8(root)) != 0, &out) }
            }
        } else {
            for k in 0..<shape.renameCount {
                let r = shape.rename(k)
                rename(Int(r.keyStart), Int(r.keyEnd), Int(r.root), aside: r.aside, &out)
            }
        }
        out.put(UnsafeBufferPointer(rebasing: body[cursor...Int(shape.close)]))
        // Rare: only a pretty-printed object has raw newlines; inside strings they would be invalid JSON.
        if shape.hasControlBytes { out.replaceLineBreaks(from: start) }
    }

    @inline(__always)
    private static func slice(_ body: UnsafeBufferPointer<UInt8>, _ range: Range<Int32>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: body[Int(range.lowerBound)..<Int(range.upperBound)])
    }

    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends `value` as a JSON string token.
    public static func appendJSONString(_ value: String, to out: inout [UInt8]) {
        JSONString.appendQuoted(value.utf8, to: &out)
    }
}

/// A cursor over spare capacity that ``EncodedBatch/append(itemOfAtMost:_:)`` sized; writing past `limit` is a
/// bug in the bound, caught by a precondition rather than corrupting memory.
struct BulkWriter {
    let base: UnsafeMutablePointer<UInt8>
    let limit: Int
    private(set) var at = 0

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        precondition(at < limit, "bulk item bound exceeded")
        base[at] = byte
        at += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(limit - at >= bytes.count, "bulk item bound exceeded")
        if let source = bytes.baseAddress, bytes.count > 0 { (base + at).update(from: source, count: bytes.count) }
        at += bytes.count
    }

    @inline(__always)
    mutating func put(_ literal: StaticString) {
        put(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// `"<id>"`, escaped as a JSON string (ids are plain in practice: copied in one go).
    mutating func putQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        if JSONString.isPlain(bytes) {
            put(UInt8(ascii: "\""))
            put(bytes)
            put(UInt8(ascii: "\""))
        } else {
            var escaped: [UInt8] = []
            JSONString.appendQuoted(bytes, to: &escaped)
            escaped.withUnsafeBufferPointer { put($0) }
        }
    }

    /// Raw CR and LF written since `start` become spaces.
    mutating func replaceLineBreaks(from start: Int) {
        for k in start..<at where base[k] == 0x0A || base[k] == 0x0D { base[k] = 0x20 }
    }
}
