/// Splits an ingest body into documents: NDJSON (one per line, blank lines skipped) or, when the
/// body's first non-blank byte is `[`, the elements of one JSON array.
public enum RequestFraming {
    public enum FramingError: Error, Sendable, Equatable, CustomStringConvertible {
        case unterminatedArray
        case trailingData(offset: Int)
        public var description: String {
            switch self {
            case .unterminatedArray: return "the body starts a JSON array that never ends"
            case .trailingData(let offset): return "unexpected data after the JSON array at byte \(offset)"
            }
        }
    }

    /// Returns the documents with their 1-based line numbers (array element numbers for arrays).
    public static func split(_ body: [UInt8]) throws(FramingError) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var start = 0
        while start < body.count, isBlank(body[start]) { start += 1 }
        if start < body.count, body[start] == UInt8(ascii: "[") { return try splitArray(body, from: start) }
        var out: [(Int, ArraySlice<UInt8>)] = []
        var lineStart = 0
        var number = 1
        var i = 0
        while i <= body.count {
            if i == body.count || body[i] == UInt8(ascii: "\n") {
                var end = i
                if end > lineStart, body[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = body[lineStart..<end]
                if !line.allSatisfy(isBlank) { out.append((number, line)) }
                number += 1
                lineStart = i + 1
            }
            i += 1
        }
        return out
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Walks the array tracking nesting and strings; each element's bytes are handed on unparsed,
    /// so a bad element is rejected on its own by the pipeline rather than failing the request.
    private static func splitArray(_ body: [UInt8], from open: Int) throws(FramingError) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var out: [(Int, ArraySlice<UInt8>)] = []
        var depth = 0
        var inString = false
        var escaped = false
        var elementStart = open + 1
        var i = open + 1
        var closed = -1
        while i < body.count {
            let b = body[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            } else {
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]") where depth == 0, UInt8(ascii: ",") where depth == 0:
                    let element = trim(body[elementStart..<i])
                    if !element.isEmpty || b == UInt8(ascii: ",") { out.append((out.count + 1, element)) }
                    elementStart = i + 1
                    if b == UInt8(ascii: "]") { closed = i }
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                default: break
                }
            }
            if closed >= 0 { break }
            i += 1
        }
        guard closed >= 0 else { throw .unterminatedArray }
        var rest = closed + 1
        while rest < body.count, isBlank(body[rest]) { rest += 1 }
        guard rest == body.count else { throw .trailingData(offset: rest) }
        return out
    }

    private static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex, hi = s.endIndex
        while lo < hi, isBlank(s[lo]) { lo += 1 }
        while hi > lo, isBlank(s[hi - 1]) { hi -= 1 }
        return s[lo..<hi]
    }
}
