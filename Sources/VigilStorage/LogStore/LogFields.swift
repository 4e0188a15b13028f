/// The fields the log store indexes, pulled from a JSON body without building a tree.
///
/// Recognised (first match wins): service from `service` (string), `service.name`, or `service: {name}`;
/// level from `level`, `log.level`, `log: {level}`, `severity`; message from `message`, `msg`.
/// Anything that is not a well-formed top-level object yields no fields (the body is still stored).
struct LogFields: Equatable {
    var service: String?
    var level: String?
    var message: String?

    static func extract(from body: [UInt8]) -> LogFields {
        body.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            var fields = LogFields()
            scanner.scanObject(into: &fields, parent: nil)
            return fields
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        /// Scans an object; `parent` is the key of the enclosing member when one level down.
        mutating func scanObject(into fields: inout LogFields, parent: String?) {
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "{") else { return }
            at += 1
            while true {
                skipSpace()
                guard at < bytes.count else { return }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                guard bytes[at] == UInt8(ascii: "\""), let key = readString() else { return }
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return }
                at += 1
                skipSpace()
                guard at < bytes.count else { return }
                let first = bytes[at]
                if first == UInt8(ascii: "\"") {
                    guard let value = readString() else { return }
                    assign(key: key, parent: parent, value: value, to: &fields)
                } else if first == UInt8(ascii: "{"), parent == nil, key == "service" || key == "log" {
                    scanObject(into: &fields, parent: key)
                } else if !skipValue() {
                    return
                }
            }
        }

        func assign(key: String, parent: String?, value: String, to fields: inout LogFields) {
            switch (parent, key) {
            case (nil, "service"), (nil, "service.name"), ("service", "name"):
                if fields.service == nil { fields.service = value }
            case (nil, "level"), (nil, "log.level"), ("log", "level"), (nil, "severity"):
                if fields.level == nil { fields.level = value }
            case (nil, "message"), (nil, "msg"):
                if fields.message == nil { fields.message = value }
            default:
                break
            }
        }

        /// Skips a number, literal, object or array; false when the input ends first.
        mutating func skipValue() -> Bool {
            var depth = 0
            while at < bytes.count {
                let byte = bytes[at]
                switch byte {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    if depth == 0 { return true }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }  // end of the enclosing object: leave it for the caller
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

        mutating func skipString() -> Bool {
            at += 1
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "\\"): at += 2
                case UInt8(ascii: "\""): at += 1; return true
                default: at += 1
                }
            }
            return false
        }

        /// Reads a string token (at its opening quote), decoding escapes.
        mutating func readString() -> String? {
            at += 1
            let start = at
            var hasEscape = false
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start ..< at])
                    at += 1
                    return hasEscape ? Self.unescape(raw) : String(decoding: raw, as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { hasEscape = true; at += 2 } else { at += 1 }
            }
            return nil
        }

        static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var i = 0
            func hex(_ at: Int) -> UInt32? {
                guard at + 4 <= raw.count else { return nil }
                var value: UInt32 = 0
                for byte in raw[at ..< at + 4] {
                    guard let digit = Character(UnicodeScalar(byte)).hexDigitValue else { return nil }
                    value = value << 4 | UInt32(digit)
                }
                return value
            }
            while i < raw.count {
                let byte = raw[i]
                guard byte == UInt8(ascii: "\\"), i + 1 < raw.count else { out.append(byte); i += 1; continue }
                let escaped = raw[i + 1]
                i += 2
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard var scalar = hex(i) else { out.append(contentsOf: "\u{FFFD}".utf8); continue }
                    i += 4
                    if (0xD800 ..< 0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                       let low = hex(i + 2), (0xDC00 ..< 0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    out.append(contentsOf: String(Character(UnicodeScalar(scalar) ?? "\u{FFFD}")).utf8)
                default: out.append(escaped)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
