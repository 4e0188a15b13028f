import Testing
import VigilGzip

/// ISA-L's streaming gzip (what `/metrics` uses): input in pieces of any size, output room of any size — down
/// to a few bytes, so igzip stops on a full buffer mid-member and must be called again — gives one member that
/// zlib decodes to the input; `reset()` starts the next member on the same stream.
@Suite struct GzipStreamTests {
    static let inputs: [[UInt8]] = [
        [],
        Array("hello".utf8),
        Array(String(repeating: "bench_requests_0_total{service=\"svc-1\",route=\"/api/v1/resource/7\",status=\"200\"} 42\n",
                     count: 5_000).utf8),
        (0..<300_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) },   // poorly compressible
    ]

    /// Feeds `input` in pieces of `piece` bytes into output buffers of `room` bytes; returns the member.
    static func compress(_ input: [UInt8], with stream: GzipStream, piece: Int, room: Int) -> [UInt8] {
        var packed: [UInt8] = []
        var output = [UInt8](repeating: 0, count: room)
        var offset = 0
        repeat {
            let end = min(input.count, offset + piece)
            let isLast = end == input.count
            var rest = input[offset..<end]
            repeat {
                let (consumed, written) = rest.withUnsafeBytes { text in
                    output.withUnsafeMutableBytes { stream.compress(text, isLast: isLast, into: $0) }
                }
                packed.append(contentsOf: output[0..<written])
                rest = rest.dropFirst(consumed)
            } while !rest.isEmpty || (isLast && !stream.isFinished)
            offset = end
        } while offset < input.count
        return packed
    }

    @Test(arguments: inputs.indices, [(1 << 20, 1 << 20), (65_536, 16_384), (1_000, 7), (7, 64)])
    func piecesDecodeToTheInput(input: Int, sizes: (piece: Int, room: Int)) throws {
        let bytes = Self.inputs[input]
        let stream = GzipStream(level: 1)
        let packed = Self.compress(bytes, with: stream, piece: sizes.piece, room: sizes.room)
        #expect(packed.starts(with: [0x1f, 0x8b, 0x08]))
        #expect(try Gzip.decompress(packed, maxOutputBytes: bytes.count) == bytes)
        // The same stream, reset, writes an identical second member.
        stream.reset()
        #expect(Self.compress(bytes, with: stream, piece: sizes.piece, room: sizes.room) == packed)
    }

    @Test(arguments: [Int32(0), 1, 2, 3])
    func everyLevelRoundTrips(level: Int32) throws {
        let bytes = Self.inputs[2]
        let packed = Self.compress(bytes, with: GzipStream(level: level), piece: 65_536, room: 65_536)
        #expect(packed.count < bytes.count / 10)
        #expect(try Gzip.decompress(packed, maxOutputBytes: bytes.count) == bytes)
    }
}
