/// Where the service, level and message values sit in a JSON body: the hot-path twin of ``LogFields``
/// (same keys, same first-match rule), which allocates nothing — it compares key bytes in place and
/// returns the raw string ranges (between the quotes). A value with a backslash escape is flagged, and the
/// caller decodes it with ``LogFields`` (rare in logs).
struct LogFieldRanges {
    var service: Range<Int>?
    var serviceEscaped = false
    var level: Range<Int>?
    var levelEscaped = false
    var message: Range<Int>?
    var messageEscaped = false

    static func locate(in bytes: UnsafeBufferPointer<UInt8>) -> LogFieldRanges {
        var scanner = Scanner(bytes: bytes)
        var ranges = LogFieldRanges()
        scanner.scanObject(into: &ranges, parent: 0)
        return ranges
    }

    fileprivate enum Key {
        case service, serviceName, level, logLevel, severity, message, msg, log, name, other

        static func of(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Key {
            func equals(_ literal: StaticString) -> Bool {
                guard literal.utf8CodeUnitCount == range.count else { return false }
                let p = literal.utf8Start
                for k in 0 ..< range.count where b[range.lowerBound + k] != p[k] { return false }
                return true
            }
            switch range.count {
            case 3: return equals("msg") ? .msg : equals("log") ? .log : .other
            case 4: return equals("name") ? .name : .other
            case 5: return equals("level") ? .level : .other
            case 7: return equals("service") ? .service : equals("message") ? .message : .other
            case 8: return equals("severity") ? .severity : .other
            case 9: return equals("log.level") ? .logLevel : .other
            case 12: return equals("service.name") ? .serviceName : .other
            default: return .other
            }
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        /// `parent`: 0 top level, 1 inside `service`, 2 inside `log`.
        mutating func scanObject(into ranges: inout LogFieldRanges, parent: Int) {
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "{") else { return }
            at += 1
            while true {
                skipSpace()
                guard at < bytes.count else { return }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                guard bytes[at] == UInt8(ascii: "\""), let (keyRange, keyEscaped) = readString() else { return }
                // An escaped key is compared after decoding (rare).
                let key = keyEscaped ? Key.decoded(bytes, keyRange) : Key.of(bytes, keyRange)
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return }
                at += 1
                skipSpace()
                guard at < bytes.count else { return }
                let first = bytes[at]
                if first == UInt8(ascii: "\"") {
                    guard let (value, escaped) = readString() else { return }
                    assign(key: key, parent: parent, value: value, escaped: escaped, to: &ranges)
                } else if first == UInt8(ascii: "{"), parent == 0, key == .service || key == .log {
                    scanObject(into: &ranges, parent: key == .service ? 1 : 2)
                } else if !skipValue() {
                    return
                }
            }
        }

        func assign(key: Key, parent: Int, value: Range<Int>, escaped: Bool, to r: inout LogFieldRanges) {
            switch (parent, key) {
            case (0, .service), (0, .serviceName), (1, .name):
                if r.service == nil { r.service = value; r.serviceEscaped = escaped }
            case (0, .level), (0, .logLevel), (2, .level), (0, .severity):
                if r.level == nil { r.level = value; r.levelEscaped = escaped }
            case (0, .message), (0, .msg):
                if r.message == nil { r.message = value; r.messageEscaped = escaped }
            default:
                break
            }
        }

        mutating func skipValue() -> Bool {
            var depth = 0
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "\""):
                    guard readString() != nil else { return false }
                    if depth == 0 { return true }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }
                    depth -= 1
                    if depth == 0 { at += 1; return true }
                case UInt8(ascii: ","):
                    if depth == 0 { return true }
                default:
                    break
                }
                at += 1
            }
            return false
        }

        /// At an opening quote: the raw range inside the quotes and whether it holds an escape.
        mutating func readString() -> (Range<Int>, Bool)? {
            at += 1
            let start = at
            var escaped = false
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    at += 1
                    return (start ..< at - 1, escaped)
                }
                if byte == UInt8(ascii: "\\") { escaped = true; at += 2 } else { at += 1 }
            }
            return nil
        }
    }
}

extension LogFieldRanges.Key {
    fileprivate static func decoded(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Self {
        // Reuse LogFields' unescaping through a tiny object holding only this key.
        var json: [UInt8] = Array("{\"".utf8)
        json.append(contentsOf: b[range])
        json.append(contentsOf: Array("\":\"x\"}".utf8))
        let fields = LogFields.extract(from: json)
        if fields.service != nil { return .service }
        if fields.level != nil { return .level }
        if fields.message != nil { return .message }
        return .other
    }
}
