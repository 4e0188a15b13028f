/// RFC 3339 timestamps: the one writer and the one reader of the project.
///
/// Writing always gives UTC with milliseconds, `2026-11-29T10:57:32.123Z`. Reading accepts the forms
/// services write: `YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)fraction]][Z|z|±HH[:MM]|±HHMM]]` — fractional seconds of
/// any length (truncated to milliseconds), a leap second `:60`, no offset meaning UTC, a bare date meaning
/// midnight UTC. Days are checked against their month (no 30 February).
///
/// ```swift
/// let text = RFC3339.format(millis: 1_795_949_850_123)        // "2026-11-29T10:57:30.123Z"
/// let millis = RFC3339.parse("2026-11-29T05:57:30.123-05:00") // 1795949850123
/// if case .failure(let error) = RFC3339.parseResult("2026-02-30") {
///     print(error)   // byte 8: day 30 is not in 1...28 for 2026-02
/// }
/// ```
public enum RFC3339 {
    // MARK: Writing

    /// `2026-11-29T10:57:30.123Z` for milliseconds since the epoch.
    public static func format(millis: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(millis: millis, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``format(millis:)``'s bytes to `out`.
    @inline(__always)
    public static func append(millis: Int64, to out: inout [UInt8]) {
        CivilTime(millisecondsSinceEpoch: millis).appendRFC3339(to: &out)
    }

    // MARK: Reading

    /// Why a text is not an RFC 3339 timestamp: the problem and the byte offset where it was found.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public enum Problem: Equatable, Sendable {
            case empty
            case expectedDigit
            case expected(UInt8)              // a fixed separator: `-` or `:`
            case expectedDateTimeSeparator    // `T`, `t` or a space
            case expectedOffset               // `Z`, `z`, `+` or `-`
            case emptyFraction
            case monthOutOfRange(Int)
            case dayOutOfRange(day: Int, year: Int, month: Int)
            case hourOutOfRange(Int)
            case minuteOutOfRange(Int)
            case secondOutOfRange(Int)
            case offsetHourOutOfRange(Int)
            case offsetMinuteOutOfRange(Int)
            case trailingCharacters
        }

        public var offset: Int
        public var problem: Problem

        public init(offset: Int, problem: Problem) {
            self.offset = offset
            self.problem = problem
        }

        public var description: String {
            let what: String
            switch problem {
            case .empty: what = "empty timestamp"
            case .expectedDigit: what = "expected a digit"
            case .expected(let c): what = "expected '\(Character(Unicode.Scalar(c)))'"
            case .expectedDateTimeSeparator: what = "expected 'T' or a space between date and time"
            case .expectedOffset: what = "expected 'Z' or an offset such as +01:00 (or the end)"
            case .emptyFraction: what = "expected digits after the decimal point"
            case .monthOutOfRange(let m): what = "month \(m) is not in 1...12"
            case let .dayOutOfRange(d, y, m):
                what = "day \(d) is not in 1...\(CivilDate.daysInMonth(year: y, month: m)) for \(CivilDate(year: y, month: m, day: 1).description.dropLast(3))"
            case .hourOutOfRange(let h): what = "hour \(h) is not in 0...23"
            case .minuteOutOfRange(let m): what = "minute \(m) is not in 0...59"
            case .secondOutOfRange(let s): what = "second \(s) is not in 0...60"
            case .offsetHourOutOfRange(let h): what = "offset hour \(h) is not in 0...23"
            case .offsetMinuteOutOfRange(let m): what = "offset minute \(m) is not in 0...59"
            case .trailingCharacters: what = "unexpected characters after the timestamp"
            }
            return "byte \(offset): \(what)"
        }
    }

    /// Milliseconds since the epoch, or nil when `text` is not an RFC 3339 timestamp.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// Milliseconds since the epoch, or why `text` is not an RFC 3339 timestamp.
    public static func parseResult(_ text: String) -> Result<Int64, ParseError> {
        var text = text
        return text.withUTF8 { bytes in Result { () throws(ParseError) in try parseGeneral(bytes) } }
    }

    /// Milliseconds since the epoch, or nil: the form of ``parse(_:)-(String)`` on bytes, for the event path.
    @inline(__always)
    public static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let t = parseMillisecondsUTC(s) { return t }
        return try? parseGeneral(s)
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, the form most services write, checked three words at a time: the answer of
    /// ``parseGeneral(_:)``, or nil when `s` is not exactly of that form (the general parser then decides, so a
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
        guard month >= 1 && month <= 12 && day >= 1 && day <= CivilDate.daysInMonth(year: year, month: month),
              hour <= 23 && minute <= 59 && second <= 60 else { return nil }
        return CivilDate(year: year, month: month, day: day).daysSinceEpoch &* 86_400_000
            &+ Int64(hour &* 3_600_000 &+ minute &* 60_000 &+ second &* 1000 &+ millis)
    }

    /// Every accepted form, byte by byte; throws where and why the text stops being one.
    static func parseGeneral(_ s: UnsafeBufferPointer<UInt8>) throws(ParseError) -> Int64 {
        let n = s.count
        var i = 0
        guard n > 0 else { throw ParseError(offset: 0, problem: .empty) }
        @inline(__always) func digits(_ count: Int) throws(ParseError) -> Int {
            var v = 0
            for _ in 0..<count {
                guard i < n else { throw ParseError(offset: i, problem: .expectedDigit) }
                let d = s[i] &- UInt8(ascii: "0")
                guard d < 10 else { throw ParseError(offset: i, problem: .expectedDigit) }
                v = v * 10 + Int(d)
                i += 1
            }
            return v
        }
        @inline(__always) func expect(_ c: UInt8) throws(ParseError) {
            guard i < n, s[i] == c else { throw ParseError(offset: i, problem: .expected(c)) }
            i += 1
        }
        let year = try digits(4)
        try expect(UInt8(ascii: "-"))
        let monthAt = i
        let month = try digits(2)
        try expect(UInt8(ascii: "-"))
        let dayAt = i
        let day = try digits(2)
        guard month >= 1 && month <= 12 else { throw ParseError(offset: monthAt, problem: .monthOutOfRange(month)) }
        guard day >= 1 && day <= CivilDate.daysInMonth(year: year, month: month) else {
            throw ParseError(offset: dayAt, problem: .dayOutOfRange(day: day, year: year, month: month))
        }
        var millis = CivilDate(year: year, month: month, day: day).daysSinceEpoch * 86_400_000
        if i == n { return millis }
        guard s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: "t") || s[i] == UInt8(ascii: " ") else {
            throw ParseError(offset: i, problem: .expectedDateTimeSeparator)
        }
        i += 1
        let hourAt = i
        let hour = try digits(2)
        try expect(UInt8(ascii: ":"))
        let minuteAt = i
        let minute = try digits(2)
        var second = 0, secondAt = i
        if i < n && s[i] == UInt8(ascii: ":") {
            i += 1
            secondAt = i
            second = try digits(2)
        }
        guard hour <= 23 else { throw ParseError(offset: hourAt, problem: .hourOutOfRange(hour)) }
        guard minute <= 59 else { throw ParseError(offset: minuteAt, problem: .minuteOutOfRange(minute)) }
        guard second <= 60 else { throw ParseError(offset: secondAt, problem: .secondOutOfRange(second)) }
        var fractionMillis = 0
        if i < n && (s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",")) {
            i += 1
            var count = 0
            while i < n, s[i] &- UInt8(ascii: "0") < 10 {
                if count < 3 { fractionMillis = fractionMillis * 10 + Int(s[i] &- UInt8(ascii: "0")) }
                count += 1
                i += 1
            }
            guard count > 0 else { throw ParseError(offset: i, problem: .emptyFraction) }
            while count < 3 { fractionMillis *= 10; count += 1 }
        }
        var offsetMinutes = 0
        if i < n {
            let c = s[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                let offsetHourAt = i
                let oh = try digits(2)
                guard oh <= 23 else { throw ParseError(offset: offsetHourAt, problem: .offsetHourOutOfRange(oh)) }
                var om = 0
                if i < n {
                    if s[i] == UInt8(ascii: ":") { i += 1 }
                    let offsetMinuteAt = i
                    om = try digits(2)
                    guard om <= 59 else { throw ParseError(offset: offsetMinuteAt, problem: .offsetMinuteOutOfRange(om)) }
                }
                offsetMinutes = (oh * 60 + om) * (c == UInt8(ascii: "-") ? -1 : 1)
            } else {
                throw ParseError(offset: i, problem: .expectedOffset)
            }
        }
        guard i == n else { throw ParseError(offset: i, problem: .trailingCharacters) }
        millis += Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + fractionMillis)
        millis -= Int64(offsetMinutes) * 60_000
        return millis
    }
}
