import Testing
@testable import VigilSources

@Suite struct LineFramerTests {
    struct Out: Equatable { var text: String; var start: Int64; var end: Int64; var truncated: Bool }

    static func feed(_ framer: inout LineFramer, _ text: String, into out: inout [Out]) {
        Array(text.utf8).withUnsafeBytes { raw in
            framer.feed(raw) { out.append(Out(text: String(decoding: $0.bytes, as: UTF8.self), start: $0.start, end: $0.end, truncated: $0.truncated)) }
        }
    }

    @Test func splitsAcrossChunks() {
        var f = LineFramer(maxLineBytes: 100)
        var out: [Out] = []
        Self.feed(&f, "ab\ncd", into: &out)
        #expect(f.pendingStart == 3)
        Self.feed(&f, "e\n\nfg", into: &out)
        #expect(out == [Out(text: "ab", start: 0, end: 3, truncated: false), Out(text: "cde", start: 3, end: 7, truncated: false),
                        Out(text: "", start: 7, end: 8, truncated: false)])
        #expect(f.pendingStart == 8)
        f.flush { out.append(Out(text: String(decoding: $0.bytes, as: UTF8.self), start: $0.start, end: $0.end, truncated: $0.truncated)) }
        #expect(out.last == Out(text: "fg", start: 8, end: 10, truncated: false))
        #expect(f.pendingStart == nil)
    }

    @Test func cutsLongLinesAndSkipsTheirRest() {
        var f = LineFramer(maxLineBytes: 4)
        var out: [Out] = []
        Self.feed(&f, "abcdefgh", into: &out)
        Self.feed(&f, "ijk\nxy\n", into: &out)
        #expect(out == [Out(text: "abcd", start: 0, end: 8, truncated: true), Out(text: "xy", start: 12, end: 15, truncated: false)])
        Self.feed(&f, "123456\n", into: &out)
        #expect(out.last == Out(text: "1234", start: 15, end: 22, truncated: true))
        #expect(f.pendingStart == nil)
    }

    @Test func criPartialLinesAreJoined() {
        var d = ContainerLogDecoder(format: .cri, maxLineBytes: 1000)
        var f = LineFramer(maxLineBytes: 1000)
        var out: [(String, Int64, Int64, Int64?)] = []
        let text = "2025-03-01T00:00:00.5Z stdout P {\"a\":\n2025-03-01T00:00:01Z stdout F 1}\n2025-03-01T00:00:02Z stderr F {\"b\":2}\n"
        Array(text.utf8).withUnsafeBytes { raw in
            f.feed(raw) { line in d.decode(line) { out.append((String(decoding: $0.bytes, as: UTF8.self), $0.start, $0.end, $0.timeMillis)) } }
        }
        #expect(out.map(\.0) == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(out[0].1 == 0)
        #expect(out[0].3 == 1_740_787_201_000)
        #expect(d.pendingStart == nil)
        // A pending P line holds the checkpoint at its start.
        Array("2025-03-01T00:00:03Z stdout P {\"c\"\n".utf8).withUnsafeBytes { raw in
            f.feed(raw) { line in d.decode(line) { out.append((String(decoding: $0.bytes, as: UTF8.self), $0.start, $0.end, $0.timeMillis)) } }
        }
        #expect(d.pendingStart == Int64(text.utf8.count))
    }

    @Test func dockerJSONFileLinesAreDecodedAndJoined() {
        var d = ContainerLogDecoder(format: .docker, maxLineBytes: 1000)
        var f = LineFramer(maxLineBytes: 1000)
        var out: [String] = []
        let text = #"""
        {"log":"{\"a\":\"x\\ny\"}\n","stream":"stdout","time":"2025-03-01T00:00:00.000000001Z"}
        {"log":"{\"b\":","stream":"stdout","time":"2025-03-01T00:00:00Z"}
        {"log":"2}\n","stream":"stdout","time":"2025-03-01T00:00:00Z"}
        not docker

        """#
        Array(text.utf8).withUnsafeBytes { raw in
            f.feed(raw) { line in d.decode(line) { out.append(String(decoding: $0.bytes, as: UTF8.self)) } }
        }
        #expect(out == [#"{"a":"x\ny"}"#, #"{"b":2}"#, "not docker"])
    }
}
