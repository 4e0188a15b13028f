/// Time text for the log store's queries and output: RFC 3339 timestamps and `15m`-style durations.
public enum TimeText {
    /// `2026-11-29T10:00:00.123Z` for milliseconds since the epoch (UTC).
    public static func rfc3339(millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hours = msOfDay / 3_600_000, minutes = msOfDay / 60_000 % 60, seconds = msOfDay / 1000 % 60, ms = msOfDay % 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(ms, 3))Z"
    }

    /// Milliseconds in a duration such as `500ms`, `30s`, `15m`, `2h`, `7d`, `1w` (an integer and a unit).
    public static func durationMillis(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let digits = text.dropLast(suffix.count)
            // "15ms" also ends in "s": only accept when what is left is all digits.
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let value = Int64(digits) else { continue }
            let (product, overflow) = value.multipliedReportingOverflow(by: scale)
            return overflow ? nil : product
        }
        return nil
    }

    /// A point in time: a duration back from `nowMillis` (`15m`), an RFC 3339 timestamp, or epoch
    /// milliseconds (13+ digits) / seconds (fewer digits).
    public static func instant(_ text: String, nowMillis: Int64) -> Int64? {
        if let duration = durationMillis(text) { return nowMillis - duration }
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text) {
            return text.count >= 13 ? value : value * 1000
        }
        return parseRFC3339(text)
    }

    /// Parses `YYYY-MM-DD[Tt ]HH:MM:SS[.fraction](Z|±HH:MM)`, or a bare date `YYYY-MM-DD` (midnight UTC).
    public static func parseRFC3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[from ..< from + count] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let month = number(5, 2),
              b[7] == UInt8(ascii: "-"), let day = number(8, 2), (1 ... 12).contains(month), (1 ... 31).contains(day) else { return nil }
        let days = days(fromCivil: year, month, day)
        if b.count == 10 { return days * 86_400_000 }
        guard b.count >= 20, [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(b[10]),
              let hour = number(11, 2), b[13] == UInt8(ascii: ":"), let minute = number(14, 2), b[16] == UInt8(ascii: ":"),
              let second = number(17, 2), hour < 24, minute < 60, second < 61 else { return nil }
        var at = 19
        var millis: Int64 = 0
        if at < b.count, b[at] == UInt8(ascii: ".") {
            at += 1
            var digits = 0
            while at < b.count, b[at] >= 0x30 && b[at] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int64(b[at] - 0x30) }
                digits += 1
                at += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits ..< 3 { millis *= 10 } }
        }
        guard at < b.count else { return nil }
        var offsetMinutes: Int64 = 0
        if b[at] == UInt8(ascii: "Z") || b[at] == UInt8(ascii: "z") {
            at += 1
        } else if b[at] == UInt8(ascii: "+") || b[at] == UInt8(ascii: "-") {
            guard let oh = number(at + 1, 2), at + 3 < b.count, b[at + 3] == UInt8(ascii: ":"), let om = number(at + 4, 2) else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[at] == UInt8(ascii: "-") ? -1 : 1)
            at += 6
        } else {
            return nil
        }
        guard at == b.count else { return nil }
        return ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + millis
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func days(fromCivil y0: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
