/// Recognises event times in the forms services write them.
///
/// - Strings in RFC 3339 / ISO 8601 extended form: `2025-03-01T12:34:56Z`, `2025-03-01 12:34:56.123+08:00`,
///   `...T12:34:56,5-0530`, `...T12:34`; fractional seconds of any length (truncated to milliseconds); an offset of
///   `Z`, `±HH:MM`, `±HHMM` or `±HH`; no offset means UTC. Date only (`2025-03-01`) means midnight UTC.
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
        if let t = parseRFC3339(s) { return t }
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

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, the form most services write, checked three words at a time: the answer of
    /// ``parseRFC3339(_:)``, or nil when `s` is not exactly of that form (the general parser then decides, so a
    /// nil here says nothing about validity). `TimestampFastPathTests` compares both on mutated inputs.
    @inline(__always)
    static func parseMillisecondsUTC(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard s.count == 24, let p = s.baseAddress else { return nil }
        let raw = UnsafeRawPointer(p)
        let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))                    // YYYY-MM-
        let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))  // DDTHH:MM
        let w2 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) // :SS.sssZ
        // ASCII only (so the range tests cannot carry between bytes), the punctuation in its places, digits elsewhere.
        guard (w0 | w1 | w2) & SWAR.high == 0,
              w0 & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000,
              w1 & 0x0000_FF00_00FF_0000 == 0x0000_3A00_0054_0000,
              w2 & 0xFF00_0000_FF00_00FF == 0x5A00_0000_2E00_003A,
              SWAR.inRange(w0, 0x30, 0x39) & 0x0080_8000_8080_8080 == 0x0080_8000_8080_8080,
              SWAR.inRange(w1, 0x30, 0x39) & 0x8080_0080_8000_8080 == 0x8080_0080_8000_8080,
              SWAR.inRange(w2, 0x30, 0x39) & 0x0080_8080_0080_8000 == 0x0080_8080_0080_8000 else { return nil }
        @inline(__always) func digit(_ w: UInt64, _ k: UInt64) -> Int { Int(truncatingIfNeeded: (w &>> (8 &* k)) & 0x0F) }
        @inline(__always) func two(_ w: UInt64, _ k: UInt64) -> Int { digit(w, k) &* 10 &+ digit(w, k &+ 1) }
        let year = two(w0, 0) &* 100 &+ two(w0, 2)
        let month = two(w0, 5), day = two(w1, 0)
        let hour = two(w1, 3), minute = two(w1, 6), second = two(w2, 1)
        let millis = digit(w2, 4) &* 100 &+ two(w2, 5)
        guard month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month),
              hour <= 23 && minute <= 59 && second <= 60 else { return nil }
        return Int64(daysFromCivil(year: year, month: month, day: day)) &* 86_400_000
            &+ Int64(hour &* 3_600_000 &+ minute &* 60_000 &+ second &* 1000 &+ millis)
    }

    /// Parses `YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)frac]][Z|z|±HH[:MM]|±HHMM]]`.
    public static func parseRFC3339(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let t = parseMillisecondsUTC(s) { return t }
        return parseRFC3339General(s)
    }

    /// ``parseRFC3339(_:)`` byte by byte, for every accepted form.
    static func parseRFC3339General(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = s.count
        var i = 0
        @inline(__always) func digits(_ count: Int) -> Int? {
            guard i + count <= n else { return nil }
            var v = 0
            for _ in 0..<count {
                let d = s[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
                i += 1
            }
            return v
        }
        @inline(__always) func expect(_ c: UInt8) -> Bool {
            guard i < n, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2) else { return nil }
        guard month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) else { return nil }
        var millis = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400_000
        if i == n { return millis }
        guard s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: "t") || s[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2) else { return nil }
        var second = 0
        if i < n && s[i] == UInt8(ascii: ":") {
            i += 1
            guard let sec = digits(2) else { return nil }
            second = sec
        }
        guard hour <= 23 && minute <= 59 && second <= 60 else { return nil }
        var fractionMillis = 0
        if i < n && (s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",")) {
            i += 1
            var count = 0
            while i < n, s[i] &- UInt8(ascii: "0") < 10 {
                if count < 3 { fractionMillis = fractionMillis * 10 + Int(s[i] &- UInt8(ascii: "0")) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            while count < 3 { fractionMillis *= 10; count += 1 }
        }
        var offsetMinutes = 0
        if i < n {
            let c = s[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard let oh = digits(2), oh <= 23 else { return nil }
                var om = 0
                if i < n {
                    _ = expect(UInt8(ascii: ":"))
                    guard let m = digits(2), m <= 59 else { return nil }
                    om = m
                }
                offsetMinutes = (oh * 60 + om) * (c == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
        }
        guard i == n else { return nil }
        millis += Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + fractionMillis)
        millis -= Int64(offsetMinutes) * 60_000
        return millis
    }
}
