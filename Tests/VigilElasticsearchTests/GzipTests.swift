import Testing
import VigilGzip

@Suite struct GzipTests {
    static let samples: [[UInt8]] = [
        [],
        Array("hello".utf8),
        Array(String(repeating: "{\"create\":{\"_index\":\"vigil-logs-2026.11.29\"}}\n", count: 2000).utf8),
        (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) },   // poorly compressible
    ]

    // Indices rather than the byte arrays themselves keep the test log readable.
    @Test(arguments: samples.indices, [Int32(0), 1, 6, 9])
    func roundTrip(sample: Int, level: Int32) throws {
        let input = Self.samples[sample]
        let packed = Gzip.compress(input, level: level)
        #expect(packed.starts(with: [0x1f, 0x8b, 0x08]))
        let back = try Gzip.decompress(packed, maxOutputBytes: input.count)
        #expect(back == input)
    }

    @Test func compressesRepetitiveText() {
        let input = Self.samples[2]
        #expect(Gzip.compress(input, level: 1).count < input.count / 10)
    }

    @Test func concatenatedMembersDecodeAsOne() throws {
        let a = Array("first ".utf8), b = Array("second".utf8)
        let both = Gzip.compress(a) + Gzip.compress(b, level: 9)
        #expect(try Gzip.decompress(both, maxOutputBytes: 100) == a + b)
    }

    @Test func rejectsNonGzip() {
        #expect(throws: GzipError.notGzip) { try Gzip.decompress(Array("plain text".utf8), maxOutputBytes: 100) }
        #expect(throws: GzipError.notGzip) { try Gzip.decompress([], maxOutputBytes: 100) }
    }

    @Test func rejectsTruncatedStream() {
        let packed = Gzip.compress(Self.samples[3])
        let cut = Array(packed.prefix(packed.count / 2))
        #expect {
            try Gzip.decompress(cut, maxOutputBytes: 1 << 20)
        } throws: { error in
            if case GzipError.corrupt = error { return true } else { return false }
        }
    }

    @Test func rejectsCorruptChecksum() {
        var packed = Gzip.compress(Array("checksum matters".utf8))
        packed[packed.count - 6] ^= 0xff   // inside the CRC32 trailer
        #expect {
            try Gzip.decompress(packed, maxOutputBytes: 1 << 20)
        } throws: { error in
            if case GzipError.corrupt = error { return true } else { return false }
        }
    }

    @Test func enforcesOutputLimit() {
        let packed = Gzip.compress([UInt8](repeating: 0x41, count: 1_000_000))
        #expect(throws: GzipError.tooLarge(limit: 999_999)) { try Gzip.decompress(packed, maxOutputBytes: 999_999) }
    }

    @Test func decodesGzipCLIOutput() throws {
        // `printf 'vigil\n' | gzip -1 -n | xxd -i` (GNU gzip).
        let fromCLI: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0x2b, 0xcb,
                                0x4c, 0xcf, 0xcc, 0xe1, 0x02, 0x00, 0xe3, 0xa8, 0xf1, 0x30, 0x06, 0x00,
                                0x00, 0x00]
        #expect(try Gzip.decompress(fromCLI, maxOutputBytes: 100) == Array("vigil\n".utf8))
    }
}
