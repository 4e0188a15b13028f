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

    public init() {}

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    public func range(ofItem index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// A batch of the given items (positions in this batch), in the order given.
    public func subset<S: Sequence>(_ indices: S) -> EncodedBatch where S.Element == Int {
        var out = EncodedBatch()
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

    public mutating func reserveCapacity(_ n: Int) { bytes.reserveCapacity(n) }
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
/// // {"create":{"_index":"vigil-logs-1970.01.01","_id":"f1:0"}}
/// // {"@timestamp":"1970-01-01T00:00:00.000Z","log.level":"info","event.dataset":"vigil.logs","ecs.version":"8.11.0","host.name":"node-1","level":"info","message":"up"}
/// ```
public struct BulkEncoder: Sendable {
    public let configuration: BulkEncoderConfiguration
    private var cachedDay: Int64 = .min
    private var cachedActionPrefix: [UInt8] = []
    private let staticFields: [UInt8]   // event.dataset, ecs.version (always the same bytes)
    private let hostField: [UInt8]?

    public init(configuration: BulkEncoderConfiguration) {
        self.configuration = configuration
        var fields: [UInt8] = []
        Self.appendLiteral("\"event.dataset\":", to: &fields)
        Self.appendJSONString(configuration.dataset, to: &fields)
        staticFields = fields
        if let host = configuration.hostName {
            var h: [UInt8] = []
            Self.appendLiteral("\"host.name\":", to: &h)
            Self.appendJSONString(host, to: &h)
            hostField = h
        } else {
            hostField = nil
        }
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
        let prefix = actionPrefix(timestampMillis: document.timestampMillis)
        let ecsVersion = configuration.ecsVersion
        let staticFields = self.staticFields
        let hostField = self.hostField
        batch.append { out in
            out.append(contentsOf: prefix)
            Self.appendJSONString(document.id, to: &out)
            Self.appendLiteral("}}\n", to: &out)
            Self.appendDocument(document, ecsVersion: ecsVersion, staticFields: staticFields, hostField: hostField, to: &out)
            out.append(0x0A)
        }
    }

    /// `{"create":{"_index":"<name>","_id":` — cached per UTC day, as the index changes at most daily
    /// for the default pattern (hourly patterns just miss the cache more often).
    private mutating func actionPrefix(timestampMillis: Int64) -> [UInt8] {
        let day = CivilTime.floorDivide(timestampMillis, 86_400_000).quotient
        let hourly: Bool
        if case let .index(pattern) = configuration.target { hourly = pattern.contains("%H") } else { hourly = false }
        if day == cachedDay, !hourly { return cachedActionPrefix }
        var prefix: [UInt8] = []
        Self.appendLiteral("{\"create\":{\"_index\":", to: &prefix)
        Self.appendJSONString(indexName(timestampMillis: timestampMillis), to: &prefix)
        Self.appendLiteral(",\"_id\":", to: &prefix)
        cachedDay = day
        cachedActionPrefix = prefix
        return prefix
    }

    private static let renames: [(root: [UInt8], target: String)] = [
        (Array("service".utf8), "service.name"), (Array("host".utf8), "host.name"),
        (Array("log".utf8), "log.original"), (Array("event".utf8), "event.original"), (Array("ecs".utf8), "ecs.original"),
    ]

    private static func appendDocument(_ document: BulkDocument, ecsVersion: String, staticFields: [UInt8], hostField: [UInt8]?,
                                       to out: inout [UInt8]) {
        document.body.withUnsafeBufferPointer { body in
            guard let scanned = JSONObjectScanner.scan(body) else {
                // Not an object: keep the text as the message rather than lose the event.
                appendLiteral("{\"@timestamp\":\"", to: &out)
                CivilTime(millisecondsSinceEpoch: document.timestampMillis).appendRFC3339(to: &out)
                appendLiteral("\",\"message\":", to: &out)
                appendJSONString(String(decoding: body, as: UTF8.self), to: &out)
                out.append(UInt8(ascii: ","))
                out.append(contentsOf: staticFields)
                appendLiteral(",\"ecs.version\":", to: &out)
                appendJSONString(ecsVersion, to: &out)
                if let hostField { out.append(UInt8(ascii: ",")); out.append(contentsOf: hostField) }
                out.append(UInt8(ascii: "}"))
                return
            }
            func keyIs(_ member: JSONObjectScanner.Member, _ name: StaticString) -> Bool {
                let length = name.utf8CodeUnitCount
                guard member.key.count == length + 2 else { return false }
                let p = name.utf8Start
                for k in 0..<length where body[member.key.lowerBound + 1 + k] != p[k] { return false }
                return true
            }
            var hasTimestamp = false, hasMessage = false, msgValue: Range<Int>?, levelValue: Range<Int>?
            // One bit per ECS root (1 service, 2 host, 4 log, 8 event, 16 ecs): the dotted field we would add
            // exists, or the root is an object (which may hold it) or a scalar renamed to that very field.
            var dotted: UInt8 = 0, roots: UInt8 = 0
            var renamesToApply: [(key: Range<Int>, target: String)] = []
            let existingDotted: (StaticString) -> Bool = { name in scanned.members.contains { keyIs($0, name) } }
            for member in scanned.members {
                if keyIs(member, "@timestamp") { hasTimestamp = true }
                else if keyIs(member, "message") { hasMessage = true }
                else if keyIs(member, "msg"), member.valueStart == UInt8(ascii: "\"") { msgValue = member.value }
                else if keyIs(member, "level"), member.valueStart == UInt8(ascii: "\"") { levelValue = member.value }
                else if keyIs(member, "log.level") { dotted |= 4 }
                else if keyIs(member, "service.name") { dotted |= 1 }
                else if keyIs(member, "host.name") { dotted |= 2 }
                else if keyIs(member, "event.dataset") { dotted |= 8 }
                else if keyIs(member, "ecs.version") { dotted |= 16 }
                for (bit, rename) in renames.enumerated() where member.key.count == rename.root.count + 2 {
                    guard body[member.key.lowerBound + 1..<member.key.upperBound - 1].elementsEqual(rename.root) else { continue }
                    if member.valueStart == UInt8(ascii: "{") || bit < 2 { roots |= 1 << UInt8(bit) }
                    if member.valueStart != UInt8(ascii: "{") {
                        // A scalar root: renamed, so `service`/`host` values become the ECS field itself.
                        let alreadyThere: Bool
                        switch bit {
                        case 0: alreadyThere = existingDotted("service.name")
                        case 1: alreadyThere = existingDotted("host.name")
                        case 2: alreadyThere = existingDotted("log.original")
                        case 3: alreadyThere = existingDotted("event.original")
                        default: alreadyThere = existingDotted("ecs.original")
                        }
                        renamesToApply.append((member.key, alreadyThere ? "vigil.original_" + String(decoding: rename.root, as: UTF8.self) : rename.target))
                    }
                }
            }

            let blockedRoots = dotted | roots
            out.append(UInt8(ascii: "{"))
            var first = true
            func separator(_ out: inout [UInt8]) { if first { first = false } else { out.append(UInt8(ascii: ",")) } }
            if !hasTimestamp {
                separator(&out)
                appendLiteral("\"@timestamp\":\"", to: &out)
                CivilTime(millisecondsSinceEpoch: document.timestampMillis).appendRFC3339(to: &out)
                out.append(UInt8(ascii: "\""))
            }
            if !hasMessage, let msgValue {
                separator(&out); appendLiteral("\"message\":", to: &out); out.append(contentsOf: body[msgValue])
            }
            if let levelValue, blockedRoots & 4 == 0 {
                separator(&out); appendLiteral("\"log.level\":", to: &out); out.append(contentsOf: body[levelValue])
            }
            if blockedRoots & 8 == 0 { separator(&out); out.append(contentsOf: staticFields) }
            if blockedRoots & 16 == 0 {
                separator(&out); appendLiteral("\"ecs.version\":", to: &out); appendJSONString(ecsVersion, to: &out)
            }
            if let hostField, blockedRoots & 2 == 0 { separator(&out); out.append(contentsOf: hostField) }

            // The original members, verbatim except for renamed keys and raw newlines.
            guard !scanned.members.isEmpty else { out.append(UInt8(ascii: "}")); return }
            separator(&out)
            var cursor = scanned.members[0].key.lowerBound
            for rename in renamesToApply {
                appendSanitised(body[cursor..<rename.key.lowerBound], to: &out)
                appendJSONString(rename.target, to: &out)
                cursor = rename.key.upperBound
            }
            appendSanitised(body[cursor...scanned.close], to: &out)
        }
    }

    private static func appendSanitised(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: bytes)
        // Rare: only a pretty-printed object has raw newlines; inside strings they would be invalid JSON.
        if bytes.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            for k in start..<out.count where out[k] == 0x0A || out[k] == 0x0D { out[k] = 0x20 }
        }
    }

    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends `value` as a JSON string token.
    public static func appendJSONString(_ value: String, to out: inout [UInt8]) {
        JSONString.appendQuoted(value.utf8, to: &out)
    }
}
