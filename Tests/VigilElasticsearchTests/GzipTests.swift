import Foundation
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

    @Test(arguments: samples.indices, [Int32(0), 1, 2, 3])
    func isalRoundTripsThroughZlib(sample: Int, level: Int32) throws {
        let input = Self.samples[sample]
        let packed = Gzip.compressISAL(input, level: level)
        #expect(packed.starts(with: [0x1f, 0x8b, 0x08]))
        #expect(try Gzip.decompress(packed, maxOutputBytes: input.count) == input)
    }

    /// igzip's init leaves parts of its ~80 KiB state as it found them: compressing right after blocks of that
    /// size were filled with garbage and freed (so malloc hands one back) crashed before the state was zeroed.
    @Test func isalCompressesAfterTheHeapIsDirty() throws {
        let input = Self.samples[2]
        for round in 0..<20 {
            let size = 60_000 + round * 4_096
            let junk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            junk.initializeMemory(as: UInt8.self, repeating: 0xAA, count: size)
            junk.deallocate()
            #expect(try Gzip.decompress(Gzip.compressISAL(input, level: Int32(round % 4)), maxOutputBytes: input.count) == input)
        }
    }

    /// Bulk-like NDJSON (varying ids and numbers, repeated keys): ISA-L level 1 must compress it at least
    /// as well as a log shipper needs (the benchmark bodies reach a ratio above 6).
    @Test func isalCompressesBulkBodies() throws {
        var body: [UInt8] = []
        for i in 0..<5_000 {
            body += Array(#"{"create":{"_id":"id-\#(i &* 7_919)"}}"#.utf8) + [0x0A]
            body += Array(#"{"@timestamp":"2026-11-29T12:00:\#(i % 60).000Z","level":"INFO","latency_ms":\#(i % 97).\#(i % 13),"message":"served"}"#.utf8) + [0x0A]
        }
        let isal = Gzip.compressISAL(body, level: 1)
        #expect(isal.count * 5 < body.count)
        #expect(try Gzip.decompress(isal, maxOutputBytes: body.count) == body)
    }

    /// Random bytes do not fit the first guess of a third of the input: the retry with the full bound
    /// must still produce the exact input back.
    @Test func isalHandlesIncompressibleInput() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let input = (0..<300_000).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let packed = Gzip.compressISAL(input, level: 1)
        #expect(packed.count > input.count / 3)
        #expect(try Gzip.decompress(packed, maxOutputBytes: input.count) == input)
    }

    /// The system's gzip(1) reads ISA-L's output (a second, independent decoder).
    @Test func systemGzipDecodesISALOutput() throws {
        let input = Self.samples[2] + Self.samples[3]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("body.gz")
        try Data(Gzip.compressISAL(input, level: 1)).write(to: file)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-d", "-c", file.path]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        try gzip.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        #expect(Array(output) == input)
    }

    @Test func compressorPicksTheLibrary() throws {
        #expect(try GzipCompressor(level: 1, library: .auto) .engine == .isal)
        #expect(try GzipCompressor(level: 3, library: .auto).engine == .isal)
        #expect(try GzipCompressor(level: 4, library: .auto).engine == .zlib)
        #expect(try GzipCompressor(level: 1, library: .zlib).engine == .zlib)
        #expect(try GzipCompressor(level: 2, library: .isal).description == "isa-l level 2")
        #expect(throws: GzipConfigurationError.self) { try GzipCompressor(level: 6, library: .isal) }
        #expect(throws: GzipConfigurationError.self) { try GzipCompressor(level: 0, library: .auto) }
        #expect(throws: GzipConfigurationError.self) { try GzipCompressor(level: 10, library: .zlib) }
        let input = Self.samples[2]
        for compressor in [try GzipCompressor(level: 1, library: .isal), try GzipCompressor(level: 9, library: .zlib)] {
            #expect(try Gzip.decompress(compressor.compress(input), maxOutputBytes: input.count) == input)
        }
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
