/// Durations as people write them: a decimal number and a unit — `250ms`, `5s`, `15m`, `1h`, `7d`, `2w`,
/// `1.5h` — the one parser and printer of the project (configuration, `--timeout`, log query `since=15m`).
///
/// A bare number is read in `defaultUnit` (seconds unless the caller says otherwise); with `defaultUnit: nil`
/// the unit is required, for places where a bare number means something else (an epoch time).
///
/// ```swift
/// let timeout = DurationText.parse("250ms")              // 0.25 (seconds)
/// let window = try DurationText.seconds("1.5h")          // 5400.0
/// let since = try DurationText.milliseconds("15m", defaultUnit: nil)  // 900000
/// let label = DurationText.format(604_800)               // "7d"
/// do { _ = try DurationText.seconds("15x") } catch { print(error) }  // unknown unit "x" in "15x" (use ms, s, m, h, d or w)
/// ```
public enum DurationText {
    /// A unit of ``DurationText``, with its length in milliseconds.
    public enum Unit: String, Sendable, CaseIterable {
        case milliseconds = "ms", seconds = "s", minutes = "m", hours = "h", days = "d", weeks = "w"

        public var milliseconds: Int64 {
            switch self {
            case .milliseconds: 1
            case .seconds: 1_000
            case .minutes: 60_000
            case .hours: 3_600_000
            case .days: 86_400_000
            case .weeks: 604_800_000
            }
        }
    }

    /// Why a text is not a duration.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        /// No number at the start (`ms`, `soon`).
        case missingNumber(String)
        /// Not a plain decimal number: a sign, an exponent, a second point, inner spaces (`-5m`, `1e3s`, `15 m`).
        case invalidNumber(String)
        case unknownUnit(String, unit: String)
        /// A bare number where a unit is required.
        case missingUnit(String)
        /// More milliseconds than an `Int64` holds.
        case tooLarge(String)

        public var description: String {
            switch self {
            case .empty: "empty duration"
            case .missingNumber(let t): "\"\(t)\" does not start with a number"
            case .invalidNumber(let t): "\"\(t)\" is not a non-negative decimal number followed by a unit"
            case let .unknownUnit(t, unit): "unknown unit \"\(unit)\" in \"\(t)\" (use ms, s, m, h, d or w)"
            case .missingUnit(let t): "no unit in \"\(t)\" (use ms, s, m, h, d or w)"
            case .tooLarge(let t): "\"\(t)\" is too long a duration"
            }
        }
    }

    /// Seconds in `text`, or nil when it is not a duration (a bare number is seconds).
    public static func parse(_ text: String) -> Double? {
        try? seconds(text)
    }

    /// Seconds in `text`; a bare number is in `defaultUnit`, and is refused when that is nil.
    public static func seconds(_ text: String, defaultUnit: Unit? = .seconds) throws(ParseError) -> Double {
        let (value, unit) = try split(text, defaultUnit: defaultUnit)
        return unit == .milliseconds ? value / 1000 : value * Double(unit.milliseconds / 1000)
    }

    /// Whole milliseconds in `text` (rounded to the nearest); a bare number is in `defaultUnit`.
    public static func milliseconds(_ text: String, defaultUnit: Unit? = .seconds) throws(ParseError) -> Int64 {
        let (value, unit) = try split(text, defaultUnit: defaultUnit)
        let millis = (value * Double(unit.milliseconds)).rounded()
        guard millis < 9.2e18 else { throw .tooLarge(text) }
        return Int64(millis)
    }

    /// The shortest exact form: `7d`, `2h`, `15m`, `30s`, `1.5s`, `250ms` (weeks are written in days).
    public static func format(_ seconds: Double) -> String {
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3_600, seconds.truncatingRemainder(dividingBy: 3_600) == 0 { return "\(Int(seconds / 3_600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds < 1 { return "\(Int(seconds * 1000))ms" }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// The number and unit of `text`, surrounding spaces ignored.
    private static func split(_ text: String, defaultUnit: Unit?) throws(ParseError) -> (Double, Unit) {
        let bytes = Array(text.utf8)
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        guard start < end else { throw .empty }
        // The number is the leading run of digits and points; the rest is the unit.
        var split = start
        while split < end, (bytes[split] >= 0x30 && bytes[split] <= 0x39) || bytes[split] == UInt8(ascii: ".") { split += 1 }
        guard split > start else {
            throw bytes[start] == UInt8(ascii: "-") || bytes[start] == UInt8(ascii: "+") ? .invalidNumber(text) : .missingNumber(text)
        }
        let unitText = String(decoding: bytes[split..<end], as: UTF8.self)
        let unit: Unit
        if unitText.isEmpty {
            guard let defaultUnit else { throw .missingUnit(text) }
            unit = defaultUnit
        } else if let known = Unit(rawValue: unitText) {
            unit = known
        } else if unitText.utf8.contains(where: { !(($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A) }) {
            throw .invalidNumber(text)
        } else {
            throw .unknownUnit(text, unit: unitText)
        }
        let number = bytes[start..<split]
        guard number.filter({ $0 == UInt8(ascii: ".") }).count <= 1, number.contains(where: { $0 != UInt8(ascii: ".") }),
              let value = Double(String(decoding: number, as: UTF8.self)), value.isFinite else {
            throw .invalidNumber(text)
        }
        return (value, unit)
    }
}
