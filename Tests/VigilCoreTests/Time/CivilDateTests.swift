import Testing
@testable import VigilCore

/// Days since the epoch, checked against Python's `datetime.date` (proleptic Gregorian as well).
@Suite struct CivilDateTests {
    @Test(arguments: [
        (1970, 1, 1, Int64(0)), (1969, 12, 31, -1), (2024, 2, 29, 19_782), (2000, 2, 29, 11_016),
        (1900, 2, 28, -25_509), (1900, 3, 1, -25_508),              // 1900 is not a leap year
        (2100, 3, 1, 47_541), (2400, 2, 29, 157_113), (1600, 2, 29, -135_081),
        (2038, 1, 19, 24_855), (2106, 2, 7, 49_710),                // the 32-bit signed and unsigned time_t ends
        (1, 1, 1, -719_162), (9999, 12, 31, 2_932_896), (0, 3, 1, -719_468),
    ])
    func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int, _ days: Int64) {
        let date = CivilDate(year: year, month: month, day: day)
        #expect(date.daysSinceEpoch == days)
        #expect(CivilDate(daysSinceEpoch: days) == date)
        #expect(date.isValid)
    }

    @Test func everyDayOfFourHundredYearsRoundTrips() {
        var expected = CivilDate(year: 1800, month: 1, day: 1)
        for days in CivilDate(year: 1800, month: 1, day: 1).daysSinceEpoch...CivilDate(year: 2199, month: 12, day: 31).daysSinceEpoch {
            let date = CivilDate(daysSinceEpoch: days)
            guard date == expected, date.daysSinceEpoch == days else {
                Issue.record("day \(days): \(date), expected \(expected)")
                return
            }
            // The next day by counting, not by the algorithm under test.
            if expected.day < CivilDate.daysInMonth(year: expected.year, month: expected.month) {
                expected.day += 1
            } else if expected.month < 12 {
                expected.month += 1; expected.day = 1
            } else {
                expected = CivilDate(year: expected.year + 1, month: 1, day: 1)
            }
        }
    }

    @Test(arguments: [(2024, true), (2023, false), (2000, true), (1900, false), (2100, false), (2400, true), (0, true)])
    func leapYears(_ year: Int, _ leap: Bool) {
        #expect(CivilDate.isLeapYear(year) == leap)
        #expect(CivilDate.daysInMonth(year: year, month: 2) == (leap ? 29 : 28))
    }

    @Test(arguments: [(2023, 2, 29), (2100, 2, 29), (2025, 4, 31), (2025, 13, 1), (2025, 0, 10), (2025, 1, 0), (2025, 1, 32)])
    func invalidDates(_ year: Int, _ month: Int, _ day: Int) {
        #expect(!CivilDate(year: year, month: month, day: day).isValid)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
        (2_147_483_648_250, "2038-01-19T03:14:08.250Z"), (4_294_967_296_000, "2106-02-07T06:28:16.000Z"),
        (32_503_680_000_000, "3000-01-01T00:00:00.000Z"), (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
    ])
    func brokenDownTime(_ millis: Int64, _ text: String) {
        let t = CivilTime(millisecondsSinceEpoch: millis)
        var out: [UInt8] = []
        t.appendRFC3339(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == text)
        #expect(t.date.daysSinceEpoch * 86_400_000 + Int64(((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millisecond) == millis)
    }

    @Test func indexPatterns() {
        let t = CivilTime(millisecondsSinceEpoch: 2_147_483_648_250)
        #expect(t.format("logs-%Y.%m.%d") == "logs-2038.01.19")
        #expect(t.format("h%H-%%-%q-%") == "h03-%-%q-%")
    }
}
