import Testing
@testable import VigilCore

/// Expected values from Python's `datetime.fromisoformat`.
@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-11-29T10:57:30.123Z", 1_795_949_850_123),
        ("2026-11-28T23:57:30.123-11:00", 1_795_949_850_123),      // negative offset, previous day
        ("2026-11-29T16:27:30.123+05:30", 1_795_949_850_123),      // half-hour offset
        ("2026-11-29T16:27:30.123+0530", 1_795_949_850_123),
        ("2026-11-29T11:57:30.1+01", 1_795_949_850_100),
        ("1969-12-31T19:00:00-05:00", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2026-11-29 10:57:30.123456z", 1_795_949_850_123),        // fraction truncated to milliseconds
        ("2026-11-29t10:57:30,5Z", 1_795_949_850_500),
        ("2026-11-29T10:57:30.123456789", 1_795_949_850_123),      // no offset: UTC
        ("2026-11-29T10:57", 1_795_949_820_000),
        ("2000-02-29", 951_782_400_000),
        ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
        ("2038-01-19T03:14:08.250Z", 2_147_483_648_250),
        ("2106-02-07T06:28:16Z", 4_294_967_296_000),
        ("3000-01-01T00:00:00Z", 32_503_680_000_000),
        ("2016-12-31T23:59:60Z", 1_483_228_800_000),                // a leap second is the next second
    ])
    func parses(_ text: String, _ millis: Int64) {
        #expect(RFC3339.parse(text) == millis)
        #expect(RFC3339.parseResult(text) == .success(millis))
        #expect(Array(text.utf8).withUnsafeBufferPointer { RFC3339.parse($0) } == millis)
    }

    @Test(arguments: [
        ("", 0, "empty timestamp"),
        ("2026/11/29", 4, "expected '-'"),
        ("26-11-29", 2, "expected a digit"),
        ("2026-13-01", 5, "month 13 is not in 1...12"),
        ("2026-02-29", 8, "day 29 is not in 1...28 for 2026-02"),
        ("2100-02-29T00:00:00Z", 8, "day 29 is not in 1...28 for 2100-02"),
        ("2025-04-31", 8, "day 31 is not in 1...30 for 2025-04"),
        ("2026-11-29X10:57:30Z", 10, "expected 'T' or a space between date and time"),
        ("2026-11-29T24:00:00Z", 11, "hour 24 is not in 0...23"),
        ("2026-11-29T10:60:00Z", 14, "minute 60 is not in 0...59"),
        ("2026-11-29T10:57:61Z", 17, "second 61 is not in 0...60"),
        ("2026-11-29T10:57:30.Z", 20, "expected digits after the decimal point"),
        ("2026-11-29T10:57:30Q", 19, "expected 'Z' or an offset such as +01:00 (or the end)"),
        ("2026-11-29T10:57:30+24:00", 20, "offset hour 24 is not in 0...23"),
        ("2026-11-29T10:57:30-05:60", 23, "offset minute 60 is not in 0...59"),
        ("2026-11-29T10:57:30-05:0", 24, "expected a digit"),
        ("2026-11-29T10:57:30ZZ", 20, "unexpected characters after the timestamp"),
        ("2026-11-29T10", 13, "expected ':'"),
    ])
    func rejectsNamingTheProblem(_ text: String, _ offset: Int, _ message: String) {
        #expect(RFC3339.parse(text) == nil)
        guard case .failure(let error) = RFC3339.parseResult(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.offset == offset)
        #expect(error.description == "byte \(offset): \(message)")
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
        (1_795_949_850_123, "2026-11-29T10:57:30.123Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (2_147_483_648_250, "2038-01-19T03:14:08.250Z"), (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsAndRoundTrips(_ millis: Int64, _ text: String) {
        #expect(RFC3339.format(millis: millis) == text)
        var out = Array("at ".utf8)
        RFC3339.append(millis: millis, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "at " + text)
        #expect(RFC3339.parse(RFC3339.format(millis: millis)) == millis)
    }
}

/// The word-at-a-time path for `YYYY-MM-DDTHH:MM:SS.sssZ` must give the general parser's answer whenever it
/// gives one, and must give one for every valid input of its form.
@Suite struct TimestampFastPathTests {
    static func both(_ bytes: [UInt8]) -> (fast: Int64?, general: Int64?) {
        bytes.withUnsafeBufferPointer { (RFC3339.parseMillisecondsUTC($0), try? RFC3339.parseGeneral($0)) }
    }

    @Test func agreesWithTheGeneralParserOnMutatedTimestamps() {
        var rng = BackoffTests.SeededGenerator(state: 11)
        let alphabet = Array("0123456789-:.TZtz+ 9\u{7F}é".utf8)
        let seeds = ["2025-03-01T00:00:00.412Z", "1999-12-31T23:59:60.999Z", "2024-02-29T12:34:56.000Z", "0000-01-01T00:00:00.000Z",
                     "2023-02-29T00:00:00.000Z", "2025-04-31T00:00:00.000Z", "2025-03-01T24:00:00.000Z", "9999-12-31T23:59:59.999Z"]
        var disagreements: [String] = []
        var fastAnswers = 0
        for k in 0..<100_000 {
            var text = Array(seeds[k % seeds.count].utf8)
            let edits = Int(rng.next() % 3)
            for _ in 0..<edits { text[Int(rng.next() % 24)] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let (fast, general) = Self.both(text)
            if let fast {
                fastAnswers += 1
                if fast != general { disagreements.append(String(decoding: text, as: UTF8.self)) }
            } else if general != nil && text.count == 24 && text[23] == UInt8(ascii: "Z") && text[10] == UInt8(ascii: "T")
                        && text[19] == UInt8(ascii: ".") {
                disagreements.append("fast path missed " + String(decoding: text, as: UTF8.self))
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        #expect(fastAnswers > 20_000)   // both paths are exercised (about 28,000 here)
    }

    @Test func answersOnlyForItsOwnForm() {
        #expect(Self.both(Array("2025-03-01T00:00:00.412Z".utf8)).fast == 1_740_787_200_412)
        #expect(Self.both(Array("2024-02-29T23:59:60.999Z".utf8)).fast == Self.both(Array("2024-02-29T23:59:60.999Z".utf8)).general)
        for other in ["2025-03-01T00:00:00Z", "2025-03-01T00:00:00.412z", "2025-03-01 00:00:00.412Z", "2025-03-01T00:00:00,412Z",
                      "2025-02-30T00:00:00.000Z", "2025-03-01T00:00:00.41Z"] {
            #expect(Self.both(Array(other.utf8)).fast == nil, "\(other)")
        }
    }
}
