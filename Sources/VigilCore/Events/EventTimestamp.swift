/// Recognises event times in the forms services write them.
///
/// - Strings in RFC 3339 / ISO 8601 extended form, as ``RFC3339`` reads them: `2025-03-01T12:34:56Z`,
///   `2025-03-01 12:34:56.123+08:00`, `...T12:34:56,5-0530`, `...T12:34`; fractional seconds of any length
///   (truncated to milliseconds); an offset of `Z`, `±HH:MM`, `±HHMM` or `±HH`; no offset means UTC. Date only
///   (`2025-03-01`) means midnight UTC.
/// - Numbers (or strings that are only a number) are Unix epoch times; the unit is inferred from the
///   magnitude, which is unambiguous for any date between 1973 and 5138:
///   `|v| < 1e11` seconds, `< 1e14` milliseconds, `< 1e17` microseconds, otherwise nanoseconds.
///
/// ```swift
/// EventTimestamp.parse(Array("2025-03-01T00:00:00.412Z".utf8))  // 1740787200412
/// EventTimestamp.parseEpoch(1_740_787_200.412)                  // 1740787200412
/// ```
public enum EventTimestamp {
    /// Parses RFC 3339 text or a numeric string; nil when it is neither.
    public static func parse(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    /// Parses RFC 3339 text or a numeric string; nil when it is neither.
    public static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let t = RFC3339.parse(s) { return t }
        if let first = s.first, first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10,
           let v = JSONString.parseDouble(s) {
            return parseEpoch(v)
        }
        return nil
    }

    /// Converts an epoch value in seconds, milliseconds, microseconds or nanoseconds (by magnitude) to milliseconds.
    public static func parseEpoch(_ v: Double) -> Int64? {
        guard v.isFinite else { return nil }
        let a = abs(v)
        let ms: Double
        if a < 1e11 {
            ms = v * 1000
        } else if a < 1e14 {
            ms = v
        } else if a < 1e17 {
            ms = v / 1000
        } else {
            ms = v / 1_000_000
        }
        guard abs(ms) < 9.0e15 else { return nil }
        return Int64(ms.rounded(.down))
    }
}
