/// A UTC instant broken into its calendar parts, without Foundation: what RFC 3339 text and
/// `%Y.%m.%d`-style index names are written from. The date part is a ``CivilDate``.
///
/// ```swift
/// let t = CivilTime(millisecondsSinceEpoch: 2_147_483_648_250)  // past the 32-bit time_t of 2038
/// let index = t.format("logs-%Y.%m.%d")                          // "logs-2038.01.19"
/// let hour = t.hour                                              // 3
/// ```
public struct CivilTime: Sendable, Equatable {
    public var year: Int
    public var month: Int      // 1...12
    public var day: Int        // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    @inline(__always)
    public init(millisecondsSinceEpoch ms: Int64) {
        let (days, msOfDay) = Self.floorDivide(ms, 86_400_000)
        let date = CivilDate(daysSinceEpoch: days)
        year = date.year; month = date.month; day = date.day
        hour = Int(msOfDay / 3_600_000)
        minute = Int(msOfDay / 60_000 % 60)
        second = Int(msOfDay / 1000 % 60)
        millisecond = Int(msOfDay % 1000)
    }

    /// The date part.
    public var date: CivilDate { CivilDate(year: year, month: month, day: day) }

    /// Division rounding towards minus infinity, with the matching non-negative remainder.
    @inline(__always)
    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// RFC 3339 with milliseconds, e.g. `2026-11-29T10:57:32.123Z`, appended to `out`.
    public func appendRFC3339(to out: inout [UInt8]) {
        writeRFC3339 { out.append($0) }
    }

    /// The bytes of ``appendRFC3339(to:)``, one at a time (for writers that are not arrays).
    @inline(__always)
    public func writeRFC3339(_ put: (UInt8) -> Void) {
        writeDigits(year, 4, put); put(UInt8(ascii: "-"))
        writeDigits(month, 2, put); put(UInt8(ascii: "-"))
        writeDigits(day, 2, put); put(UInt8(ascii: "T"))
        writeDigits(hour, 2, put); put(UInt8(ascii: ":"))
        writeDigits(minute, 2, put); put(UInt8(ascii: ":"))
        writeDigits(second, 2, put); put(UInt8(ascii: "."))
        writeDigits(millisecond, 3, put); put(UInt8(ascii: "Z"))
    }

    /// Expands `%Y`, `%m`, `%d`, `%H` and `%%` in `pattern`; other characters are copied.
    public func format(_ pattern: String) -> String {
        var out: [UInt8] = []
        var percent = false
        for byte in pattern.utf8 {
            if percent {
                percent = false
                switch byte {
                case UInt8(ascii: "Y"): appendDigits(year, 4, &out)
                case UInt8(ascii: "m"): appendDigits(month, 2, &out)
                case UInt8(ascii: "d"): appendDigits(day, 2, &out)
                case UInt8(ascii: "H"): appendDigits(hour, 2, &out)
                case UInt8(ascii: "%"): out.append(byte)
                default: out.append(UInt8(ascii: "%")); out.append(byte)
                }
            } else if byte == UInt8(ascii: "%") {
                percent = true
            } else {
                out.append(byte)
            }
        }
        if percent { out.append(UInt8(ascii: "%")) }
        return String(decoding: out, as: UTF8.self)
    }

    private func appendDigits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        writeDigits(value, width) { out.append($0) }
    }

    private func writeDigits(_ value: Int, _ width: Int, _ put: (UInt8) -> Void) {
        var v = value < 0 ? 0 : value
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            } while v > 0 && count < 6
            for _ in count..<max(count, width) { put(48) }
            for k in stride(from: count - 1, through: 0, by: -1) { put(buffer[k]) }
        }
    }
}
