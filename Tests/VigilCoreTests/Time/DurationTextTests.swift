import Testing
import VigilCore

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("250ms", 0.25), ("500ms", 0.5), ("5s", 5.0), ("30s", 30.0), ("15m", 900.0), ("1h", 3_600.0), ("2h", 7_200.0),
        ("7d", 604_800.0), ("1w", 604_800.0), ("1.5h", 5_400.0), ("0.5s", 0.5), (" 12 ", 12.0), ("12", 12.0), ("0", 0.0),
    ])
    func seconds(_ text: String, _ seconds: Double) throws {
        #expect(try DurationText.seconds(text) == seconds)
        #expect(DurationText.parse(text) == seconds)
    }

    @Test(arguments: [
        ("250ms", Int64(250)), ("30s", 30_000), ("15m", 900_000), ("2h", 7_200_000), ("7d", 604_800_000),
        ("1w", 604_800_000), ("1.5s", 1_500), ("3650d", 315_360_000_000),
    ])
    func milliseconds(_ text: String, _ millis: Int64) throws {
        #expect(try DurationText.milliseconds(text, defaultUnit: nil) == millis)
    }

    @Test func bareNumbersTakeTheDefaultUnitOrAreRefused() throws {
        #expect(try DurationText.milliseconds("12") == 12_000)
        #expect(try DurationText.milliseconds("12", defaultUnit: .milliseconds) == 12)
        #expect(throws: DurationText.ParseError.missingUnit("15")) { try DurationText.milliseconds("15", defaultUnit: nil) }
    }

    @Test(arguments: [
        ("", DurationText.ParseError.empty, "empty duration"),
        ("  ", .empty, "empty duration"),
        ("m", .missingNumber("m"), "\"m\" does not start with a number"),
        ("soon", .missingNumber("soon"), "\"soon\" does not start with a number"),
        ("-5m", .invalidNumber("-5m"), "\"-5m\" is not a non-negative decimal number followed by a unit"),
        ("+5m", .invalidNumber("+5m"), "\"+5m\" is not a non-negative decimal number followed by a unit"),
        ("1e3s", .invalidNumber("1e3s"), "\"1e3s\" is not a non-negative decimal number followed by a unit"),
        ("15 m", .invalidNumber("15 m"), "\"15 m\" is not a non-negative decimal number followed by a unit"),
        ("1.2.3s", .invalidNumber("1.2.3s"), "\"1.2.3s\" is not a non-negative decimal number followed by a unit"),
        (".s", .invalidNumber(".s"), "\".s\" is not a non-negative decimal number followed by a unit"),
        ("15x", .unknownUnit("15x", unit: "x"), "unknown unit \"x\" in \"15x\" (use ms, s, m, h, d or w)"),
        ("2min", .unknownUnit("2min", unit: "min"), "unknown unit \"min\" in \"2min\" (use ms, s, m, h, d or w)"),
    ])
    func rejectsNamingTheProblem(_ text: String, _ error: DurationText.ParseError, _ message: String) {
        #expect(throws: error) { try DurationText.seconds(text) }
        #expect(DurationText.parse(text) == nil)
        #expect(error.description == message)
    }

    @Test func overflowingMillisecondsAreRefused() {
        #expect(throws: DurationText.ParseError.tooLarge("99999999999999999999d")) {
            try DurationText.milliseconds("99999999999999999999d")
        }
    }

    @Test(arguments: [(0.25, "250ms"), (0.001, "1ms"), (1.0, "1s"), (1.5, "1.5s"), (30.0, "30s"), (90.0, "90s"), (900.0, "15m"),
                      (3_600.0, "1h"), (5_400.0, "90m"), (86_400.0, "1d"), (604_800.0, "7d"), (315_360_000.0, "3650d")])
    func formats(_ seconds: Double, _ text: String) {
        #expect(DurationText.format(seconds) == text)
        #expect(DurationText.parse(text) == seconds)
    }
}
