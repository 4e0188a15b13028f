// Name rules, escaping and number rendering shared by the registry and the exposition encoders.
// Everything here runs either once per series (pre-rendering at creation) or in the scrape's inner loop,
// so it works on UTF-8 bytes, never on `Character`s.

enum MetricText {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, the legacy metric-name charset both formats accept unquoted.
    static func isValidMetricName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, and not starting with `__` (reserved for Prometheus's internal labels).
    static func isValidLabelName(_ name: String) -> Bool {
        if name.utf8.starts(with: "__".utf8) { return false }
        var first = true
        for byte in name.utf8 {
            let ok = isLetter(byte) || byte == UInt8(ascii: "_") || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }

    @inline(__always) private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    /// Label values in both formats: `\` → `\\`, `"` → `\"`, line feed → `\n`.
    static func appendEscapedLabelValue(_ value: String, to out: inout [UInt8]) {
        appendEscaped(value, escapeQuote: true, to: &out)
    }

    /// HELP text: Prometheus text 0.0.4 escapes `\` and line feed only; OpenMetrics' `escaped-string`
    /// has no bare double quote, so it escapes `"` as well.
    static func appendEscapedHelp(_ help: String, openMetrics: Bool, to out: inout [UInt8]) {
        appendEscaped(help, escapeQuote: openMetrics, to: &out)
    }

    private static func appendEscaped(_ value: String, escapeQuote: Bool, to out: inout [UInt8]) {
        let clean = value.utf8.allSatisfy { $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\"") }
        if clean {
            out.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where escapeQuote: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
            default: out.append(byte)
            }
        }
    }

    /// `name{a="x",b="y"` + `ending`, or `name` + `bareEnding` without labels, in one allocation; also returns
    /// where `{a="x",b="y"` sits in it (empty without labels), which the `_count`/`_sum`/`_created` lines reuse.
    static func seriesPrefix(name: [UInt8], labelNames: [String], values: [String],
                             ending: StaticString, bareEnding: StaticString) -> (bytes: [UInt8], labelBlock: Range<Int>) {
        var out: [UInt8] = []
        var size = name.count + ending.utf8CodeUnitCount + 1
        for (labelName, value) in zip(labelNames, values) { size += labelName.utf8.count + value.utf8.count + 4 }
        out.reserveCapacity(size + 8)
        out.append(contentsOf: name)
        if labelNames.isEmpty {
            bareEnding.withUTF8Buffer { out.append(contentsOf: $0) }
            return (out, name.count..<name.count)
        }
        out.append(UInt8(ascii: "{"))
        for (i, labelName) in labelNames.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: labelName.utf8)
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "\""))
            appendEscapedLabelValue(values[i], to: &out)
            out.append(UInt8(ascii: "\""))
        }
        let block = name.count..<out.count
        ending.withUTF8Buffer { out.append(contentsOf: $0) }
        return (out, block)
    }

    /// The OpenMetrics canonical rendering of a number used as a label value (`le`): Go's shortest `%g`
    /// with `.0` appended when there is neither a point nor an exponent (`0.005`, `1.0`, `100000.0`, `1e+06`,
    /// `1e-05`, `+Inf`). Used for both formats so a series keeps its identity whichever format is scraped.
    static func canonicalNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Shortest round-tripping digits come from Swift's description; re-lay them out the way Go does.
        let (negative, digits, pointPosition) = shortestDigits(value)
        let exponent = pointPosition - 1
        var result = negative ? "-" : ""
        if exponent < -4 || exponent >= 6 {
            result.append(digits.first!)
            if digits.count > 1 {
                result.append(".")
                result.append(contentsOf: digits.dropFirst())
            }
            result.append("e")
            result.append(exponent < 0 ? "-" : "+")
            let magnitude = abs(exponent)
            if magnitude < 10 { result.append("0") }
            result.append(String(magnitude))
            return result
        }
        if pointPosition <= 0 {
            result.append("0.")
            result.append(String(repeating: "0", count: -pointPosition))
            result.append(contentsOf: digits)
        } else if digits.count <= pointPosition {
            result.append(contentsOf: digits)
            result.append(String(repeating: "0", count: pointPosition - digits.count))
            result.append(".0")
        } else {
            result.append(contentsOf: digits.prefix(pointPosition))
            result.append(".")
            result.append(contentsOf: digits.dropFirst(pointPosition))
        }
        return result
    }

    /// Significant digits (no leading/trailing zeros) and the decimal point position relative to them:
    /// value = 0.d1d2d3… × 10^pointPosition.
    private static func shortestDigits(_ value: Double) -> (negative: Bool, digits: [Character], pointPosition: Int) {
        let text = value.magnitude.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits: [Character] = []
        var pointPosition = 0
        var seenPoint = false
        for ch in mantissa {
            if ch == "." { seenPoint = true; continue }
            if digits.isEmpty && ch == "0" {
                if seenPoint { pointPosition -= 1 }
                continue
            }
            digits.append(ch)
            if !seenPoint { pointPosition += 1 }
        }
        while digits.last == "0" { digits.removeLast() }
        return (value.sign == .minus, digits, pointPosition + exponent)
    }
}
