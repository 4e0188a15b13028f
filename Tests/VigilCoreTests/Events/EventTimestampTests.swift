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
