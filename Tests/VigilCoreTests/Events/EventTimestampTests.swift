import Testing
@testable import VigilCore

@Suite struct EventTimestampTests {
    @Test(arguments: [
        ("2025-03-01T00:00:00.412Z", Int64(1_740_787_200_412)),
        ("2025-03-01T00:00:00Z", 1_740_787_200_000),
        ("2025-03-01t00:00:00z", 1_740_787_200_000),
        ("2025-03-01 08:00:00+08:00", 1_740_787_200_000),
        ("2025-02-28T19:00:00-05:00", 1_740_787_200_000),
        ("2025-02-28T19:00:00-0500", 1_740_787_200_000),
        ("2025-03-01T08:00:00+08", 1_740_787_200_000),
        ("2025-03-01T00:00:00.123456789Z", 1_740_787_200_123),
        ("2025-03-01T00:00:00,5Z", 1_740_787_200_500),
        ("2025-03-01T00:00", 1_740_787_200_000),
        ("2025-03-01", 1_740_787_200_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1000),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000),
        ("1740787200", 1_740_787_200_000),
        ("1740787200412", 1_740_787_200_412),
    ])
    func strings(_ text: String, _ expected: Int64) {
        #expect(EventTimestamp.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: ["", "yesterday", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2023-02-29",
                      "2025-03-01T24:00:00Z", "2025-03-01T00:60:00Z", "2025-03-01T00:00:00.Z", "2025-03-01T00:00:00Q",
                      "2025-03-01X00:00:00Z", "2025/03/01"])
    func rejectedStrings(_ text: String) {
        #expect(EventTimestamp.parse(Array(text.utf8)) == nil)
    }

    @Test(arguments: [
        (1_740_787_200.0, Int64(1_740_787_200_000)),     // seconds
        (1_740_787_200.412, 1_740_787_200_412),          // seconds with fraction
        (1_740_787_200_412.0, 1_740_787_200_412),        // milliseconds
        (1_740_787_200_412_345.0, 1_740_787_200_412),    // microseconds
        (1_740_787_200_412_345_678.0, 1_740_787_200_412),// nanoseconds
        (0.0, 0),
    ])
    func epochNumbers(_ value: Double, _ expected: Int64) {
        #expect(EventTimestamp.parseEpoch(value) == expected)
    }

    @Test func nonFiniteIsRejected() {
        #expect(EventTimestamp.parseEpoch(.infinity) == nil)
        #expect(EventTimestamp.parseEpoch(.nan) == nil)
    }
}

/// The word-at-a-time path for `YYYY-MM-DDTHH:MM:SS.sssZ` must give the general parser's answer whenever it
/// gives one, and must give one for every valid input of its form.
@Suite struct TimestampFastPathTests {
    static func both(_ bytes: [UInt8]) -> (fast: Int64?, general: Int64?) {
        bytes.withUnsafeBufferPointer { (EventTimestamp.parseMillisecondsUTC($0), EventTimestamp.parseRFC3339General($0)) }
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
