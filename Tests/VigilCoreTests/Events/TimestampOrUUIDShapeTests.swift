import Testing
@testable import VigilCore

/// The redaction pre-filter's eight-bytes-at-a-time shape test must answer exactly as the byte-by-byte one.
@Suite struct TimestampOrUUIDShapeTests {
    static func both(_ text: [UInt8]) -> (fast: Bool, reference: Bool) {
        text.withUnsafeBufferPointer { (PIIDetectors.isTimestampOrUUID($0), PIIDetectors.isTimestampOrUUIDByteByByte($0)) }
    }

    @Test(arguments: [
        ("2025-03-01T00:00:00.000Z", true), ("2025-03-01T00:00:00+08:00", true), ("2025-03-01", true),
        ("2025-03-01T00:00Z", true), ("2025-03-01 00:00:00", false), ("2025/03/01T00:00:00Z", false),
        ("2025-03-0aT00:00:00Z", false), ("2025-03-01T00:00:00.000Z-x", false), ("20250-3-01T00:00:00Z", false),
        ("00000000-07a0-417f-83b8-9a1d815ef6d1", true), ("00000000-07A0-417F-83B8-9A1D815EF6D1", true),
        ("00000000-07a0-417f-83b8-9a1d815ef6dg", false), ("00000000007a0-417f-83b8-9a1d815ef6d1", false),
        ("00000000-07a0-417f-83b8-9a1d815ef6-1", false), ("0000000-007a0-417f-83b8-9a1d815ef6d1", false),
        ("2025-03-01T00:00:00.000000000000000000Z", true), ("2025-03-01T00:00:00.0000000000000000000000Z", false),
        ("2025-03-01T00:00:00.000Ü", false), ("ml-inference", false), ("", false),
    ])
    func knownShapes(text: String, expected: Bool) {
        let answer = Self.both(Array(text.utf8))
        #expect(answer.fast == expected)
        #expect(answer.reference == expected)
    }

    /// Random strings built from the characters that matter, at every length around the word boundaries.
    @Test func agreesWithTheByteByByteDefinitionOnRandomStrings() {
        var rng = BackoffTests.SeededGenerator(state: 42)
        let alphabet = Array("0123456789abcdefABCDEFgG-:.TZ+ xé".utf8)
        var disagreements: [String] = []
        for _ in 0..<200_000 {
            let length = Int(rng.next() % 44)
            var text = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            // Bias towards near-misses: start from a valid shape and change one byte.
            if rng.next() % 2 == 0 {
                text = Array((rng.next() % 2 == 0 ? "2025-03-01T00:00:00.000Z" : "00000000-07a0-417f-83b8-9a1d815ef6d1").utf8)
                if rng.next() % 3 != 0 { text[Int(rng.next() % UInt64(text.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                if rng.next() % 4 == 0 { text.append(contentsOf: Array("00:00".utf8).prefix(Int(rng.next() % 6))) }
            }
            let answer = Self.both(text)
            if answer.fast != answer.reference { disagreements.append(String(decoding: text, as: UTF8.self)) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }
}

/// The redaction pre-filter's summary, eight bytes at a time, must count exactly what a byte loop counts.
@Suite struct SummarizeTests {
    @Test func countsDigitsAndMarksLikeAByteLoop() {
        var rng = BackoffTests.SeededGenerator(state: 5)
        let alphabet = Array("0123456789abz@:+-. /9é\u{7F}\u{1F}".utf8)
        var disagreements: [String] = []
        for _ in 0..<100_000 {
            let text = (0..<Int(rng.next() % 70)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let summary = text.withUnsafeBufferPointer { PIIDetectors.summarize($0) }
            let digits = text.filter { $0 >= 0x30 && $0 <= 0x39 }.count
            if summary.digits != digits || summary.hasAt != text.contains(0x40) || summary.hasColon != text.contains(0x3A)
                || summary.hasPlus != text.contains(0x2B) {
                disagreements.append(String(decoding: text, as: UTF8.self))
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
    }
}
