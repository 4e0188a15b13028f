import Testing
import VigilRemoteWrite

/// Snappy's block format through libsnappy: known vectors from the format description, and round trips.
@Suite struct SnappyTests {
    /// Hand-assembled blocks (format_description.txt of google/snappy): a varint length, then elements.
    @Test func knownBlocks() throws {
        // Length 1, one literal of 1 byte (tag 0x00), "a".
        #expect(Snappy.compress(Array("a".utf8)) == [0x01, 0x00, 0x61])
        #expect(Snappy.compress([UInt8]()) == [0x00])
        // Length 12, literal "abc" (tag (3-1)<<2), then a 1-byte-offset copy of length 9 at offset 3
        // (tag (9-4)<<2 | 01, offset 0x03).
        let block: [UInt8] = [0x0c, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03]
        #expect(try Snappy.decompress(block) == Array("abcabcabcabc".utf8))
    }

    @Test(arguments: [0, 1, 17, 4_096, 65_537, 1_000_003])
    func roundTrip(size: Int) throws {
        // Repetitive with some noise, like a protobuf of many similar series.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let input = (0..<size).map { i -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return i % 7 == 0 ? UInt8(truncatingIfNeeded: state >> 56) : UInt8(i % 13)
        }
        let compressed = Snappy.compress(input)
        if size > 4_096 { #expect(compressed.count < size / 2) }
        #expect(try Snappy.decompress(compressed) == input)
    }

    @Test func corruptInputIsAnError() {
        #expect(throws: Snappy.DecodeError.self) { try Snappy.decompress([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }
        // Claims 12 bytes, holds 3.
        #expect(throws: Snappy.DecodeError.self) { try Snappy.decompress([0x0c, 0x08, 0x61, 0x62, 0x63]) }
    }
}
