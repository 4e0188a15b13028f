/// Calendar arithmetic on UTC milliseconds since the Unix epoch, without Foundation.
/// Uses the days-to-civil algorithm of Howard Hinnant ("chrono-Compatible Low-Level Date Algorithms").
public struct CivilTime: Sendable, Equatable {
    public var year: Int
    public var month: Int      // 1...12
    public var day: Int        // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    public init(millisecondsSinceEpoch ms: Int64) {
        let (days, msOfDay) = Self.floorDivide(ms, 86_400_000)
        let (y, m, d) = Self.civil(fromDays: days)
        year = y; month = m; day = d
        hour = Int(msOfDay / 3_600_000)
        minute = Int(msOfDay / 60_000 % 60)
        second = Int(msOfDay / 1000 % 60)
        millisecond = Int(msOfDay % 1000)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097                                        // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365    // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)                   // [0, 365]
        let mp = (5 * doy + 2) / 153                                        // [0, 11]
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
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
