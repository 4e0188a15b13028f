import Testing
@testable import VigilCore

@Suite struct JSONScannerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var reason: RejectReason?
        var testDescription: String { name }
        init(_ name: String, _ text: String, _ reason: RejectReason?) {
            self.name = name
            self.bytes = Array(text.utf8)
            self.reason = reason
        }
        init(_ name: String, bytes: [UInt8], _ reason: RejectReason?) {
            self.name = name
            self.bytes = bytes
            self.reason = reason
        }
    }

    static let corpus: [Case] = [
        Case("simple object", #"{"a":1}"#, nil),
        Case("empty object", "{}", nil),
        Case("whitespace around", " \t{ \"a\" : [1, 2.5e-3, -0, true, false, null, {\"b\":\"c\"}] } \r", nil),
        Case("unicode escapes", #"{"s":"\u00e9\ud83d\ude00\n\/\\\""}"#, nil),
        Case("multibyte UTF-8", "{\"s\":\"caf\u{e9} \u{4e2d}\u{6587} \u{1F600}\"}", nil),
        Case("empty line", "", .empty),
        Case("blank line", "   \t ", .empty),
        Case("array", "[1,2]", .notAnObject),
        Case("number", "42", .notAnObject),
        Case("string", #""hello""#, .notAnObject),
        Case("literal", "null", .notAnObject),
        Case("bad JSON: trailing comma", #"{"a":1,}"#, .invalidJSON),
        Case("bad JSON: single quotes", "{'a':1}", .invalidJSON),
        Case("bad JSON: unquoted key", "{a:1}", .invalidJSON),
        Case("bad JSON: missing colon", #"{"a" 1}"#, .invalidJSON),
        Case("bad JSON: leading zero", #"{"a":01}"#, .invalidJSON),
        Case("bad JSON: bare dot", #"{"a":1.}"#, .invalidJSON),
        Case("bad JSON: plus sign", #"{"a":+1}"#, .invalidJSON),
        Case("bad JSON: NaN", #"{"a":NaN}"#, .invalidJSON),
        Case("bad JSON: trailing garbage", #"{"a":1} x"#, .invalidJSON),
        Case("bad JSON: two objects", #"{"a":1}{"b":2}"#, .invalidJSON),
        Case("bad JSON: unterminated string", #"{"a":"abc"#, .invalidJSON),
        Case("bad JSON: unterminated object", #"{"a":1"#, .invalidJSON),
        Case("bad JSON: bad escape", #"{"a":"\x"}"#, .invalidJSON),
        Case("bad JSON: short unicode escape", #"{"a":"\u12"}"#, .invalidJSON),
        Case("bad JSON: raw tab in string", "{\"a\":\"x\ty\"}", .invalidJSON),
        Case("bad JSON: truncated literal", #"{"a":tru}"#, .invalidJSON),
        Case("plain text", "GET /index.html 200", .invalidJSON),
        Case("invalid UTF-8: lone continuation", bytes: Array(#"{"a":""#.utf8) + [0x80] + Array(#""}"#.utf8), .invalidUTF8),
        Case("invalid UTF-8: overlong", bytes: Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8), .invalidUTF8),
        Case("invalid UTF-8: surrogate", bytes: Array(#"{"a":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8), .invalidUTF8),
        Case("invalid UTF-8: above U+10FFFF", bytes: Array(#"{"a":""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#""}"#.utf8), .invalidUTF8),
        Case("invalid UTF-8: truncated", bytes: Array(#"{"a":""#.utf8) + [0xE4, 0xB8] + Array(#""}"#.utf8), .invalidUTF8),
        Case("Latin-1 text", bytes: Array(#"{"a":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8), .invalidUTF8),
        Case("NUL inside string", bytes: Array(#"{"a":"x"#.utf8) + [0] + Array(#""}"#.utf8), .nulByte),
        Case("NUL outside", bytes: [0, 0, 0, 0], .nulByte),
        Case("NUL after object", bytes: Array(#"{"a":1}"#.utf8) + [0], .nulByte),
        Case("nesting 64", String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64), nil),
        Case("nesting 65", String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65), .tooDeep),
        Case("deep arrays", "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}", .tooDeep),
        Case("deep array at top", String(repeating: "[", count: 10_000), .tooDeep),
    ]

    @Test(arguments: corpus)
    func validation(_ c: Case) {
        var scanner = JSONScanner(keys: JSONKeyTable(slots: []))
        let error = scanner.scan(c.bytes)
        #expect(error?.reason == c.reason, "\(error?.message ?? "accepted")")
        if let error {
            #expect(error.message.contains("byte") || error.reason == .empty || error.reason == .notAnObject)
        }
    }

    @Test func errorMessageNamesTheOffset() {
        var scanner = JSONScanner(keys: JSONKeyTable(slots: []))
        let error = scanner.scan(Array(#"{"abc" 1}"#.utf8))
        #expect(error?.offset == 7)
        #expect(error?.message == "invalid JSON at byte 7: unexpected byte 0x31, expected ':' after an object key")
    }

    @Test func extractsTopLevelFieldsOnly() {
        let keys = JSONKeyTable(slots: ["level", "service", "latency_ms", "missing"])
        var scanner = JSONScanner(keys: keys)
        let line = Array(#"{"nested":{"level":"debug"},"level":"info","service":"a\"b","latency_ms":12.5}"#.utf8)
        #expect(scanner.scan(line) == nil)
        let level = scanner.slots[0]
        #expect(level.kind == .string)
        #expect(Array(line[level.start..<level.end]) == Array("info".utf8))
        #expect(scanner.slots[1].hasEscapes)
        #expect(scanner.slots[2].kind == .number)
        #expect(Array(line[scanner.slots[2].start..<scanner.slots[2].end]) == Array("12.5".utf8))
        #expect(scanner.slots[3].kind == .absent)
    }

    @Test func escapedKeysAreMatchedDecoded() {
        var scanner = JSONScanner(keys: JSONKeyTable(slots: ["level"]))
        #expect(scanner.scan(Array(#"{"lev\u0065l":"warn"}"#.utf8)) == nil)
        #expect(scanner.slots[0].kind == .string)
    }

    @Test func collectsStringValuesNotKeys() {
        var scanner = JSONScanner(keys: JSONKeyTable(slots: []))
        let line = Array(#"{"k1":"v1","k2":["v2",3,{"k3":"v3"}]}"#.utf8)
        #expect(scanner.scan(line) == nil)
        let values = scanner.strings.map { String(decoding: line[$0.start..<$0.end], as: UTF8.self) }
        #expect(values == ["v1", "v2", "v3"])
    }

    @Test func longStringsAcrossTheEightByteFastPath() {
        var scanner = JSONScanner(keys: JSONKeyTable(slots: ["m"]))
        for length in 0..<40 {
            let s = String(repeating: "x", count: length)
            let line = Array("{\"m\":\"\(s)\\\"\(s)\u{e9}\"}".utf8)
            #expect(scanner.scan(line) == nil)
            #expect(scanner.slots[0].end - scanner.slots[0].start == 2 * length + 2 + 2)
        }
    }

    @Test func unescape() {
        let raw = Array(#"a\"b\\c\/d\n\u00e9\ud83d\ude00\ud800x"#.utf8)
        let decoded = raw.withUnsafeBufferPointer { JSONString.unescape($0) }
        #expect(String(decoding: decoded, as: UTF8.self) == "a\"b\\c/d\n\u{e9}\u{1F600}\u{FFFD}x")
        var out: [UInt8] = []
        JSONString.appendQuoted(Array("q\"\\\n\u{1}".utf8), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""q\"\\\n\u0001""#)
    }

    @Test(arguments: [("12.5", 12.5), ("-0.001", -0.001), ("1e3", 1000.0), ("123456789012345678", 123456789012345678.0),
                      ("0.1", 0.1), ("23.817", 23.817)])
    func parseDouble(_ text: String, _ expected: Double) {
        let v = Array(text.utf8).withUnsafeBufferPointer { JSONString.parseDouble($0) }
        #expect(v == expected)
    }
}

/// The one-loop fast path for compact top levels must record exactly what the general parser records, and
/// leave every error to it: both are run on the corpus, on log-like lines, and on thousands of mutations of
/// them (a byte replaced by a structural or special one, a byte removed, the line cut short).
@Suite struct JSONScannerFastPathTests {
    struct Outcome: Equatable {
        var error: JSONScanError?
        var slots: [JSONValueSpan]
        var strings: [JSONValueSpan]
        var fieldHits: [JSONFieldHit]
        var members: [JSONObjectScanner.Member]
        var firstKey: Int
        var close: Int
        var sawLineBreak: Bool
    }

    static let keys = JSONKeyTable(slots: ["level", "service", "message", "@timestamp", "request_id", "n"],
                                   fields: [("password", true), ("token", false), ("card", true)],
                                   members: DocumentShape.memberNames)

    static func outcome(_ bytes: [UInt8], fast: Bool, maxDepth: Int = 64) -> Outcome {
        var scanner = JSONScanner(keys: keys, maxDepth: maxDepth, collectStrings: true, collectMembers: true)
        scanner.compactFastPath = fast
        let error = scanner.scan(bytes)
        return Outcome(error: error, slots: scanner.slots, strings: Array(scanner.strings), fieldHits: scanner.fieldHits,
                       members: Array(scanner.members), firstKey: scanner.firstKey, close: scanner.close, sawLineBreak: scanner.sawLineBreak)
    }

    static let lines: [String] = [
        #"{"@timestamp":"2025-03-01T00:00:00.000Z","level":"INFO","service":"ml-inference","route":"/v1/predict","status":200,"latency_ms":36.239,"model":"fraud-detector","variant":"A","request_id":"00000000-07a0-417f-83b8-9a1d815ef6d1","prediction":"fraud","score":0.4806,"f_txn_24h":34,"message":"prediction served"}"#,
        #"{"level":"warn","password":"hunter2","user":{"token":"abc","n":[1,2,{"card":"4111"}]},"message":"x"}"#,
        #"{"password":"p","token":"t","card":"c"}"#,
        #"{"a":"p","password":"secret"}"#,
        #"{"msg":"m","log":"l","host":{"name":"h"},"service":"s","service.name":"t","event":1,"ecs":null,"b":true,"c":false}"#,
        #"{"level":"caf\u00e9","message":"line\nbreak \"quoted\" \\ end","k\u0065y":"v"}"#,
        "{\"message\":\"caf\u{e9} \u{4e2d}\u{6587} \u{1F600}\",\"level\":\"debug\"}",
        #"{"n":-0.5e+10,"m":[],"o":{},"p":[[[]]],"q":"","r":"12345678","s":"1234567"}"#,
        #"{}"#,
        #"{"a":1} "#,
        #" {"a":1}"#,
        #"{ "a" : 1 }"#,
        "{\"a\":\r\n1}",
        #"{"level":"info","level":"error","n":1,"n":"two"}"#,
        #"{"message":"a long value that crosses several eight-byte words before it ends here"}"#,
        // Values ending in the line's last eight bytes (scanned one byte at a time) with special bytes there.
        #"{"m":"a\"b"}"#,
        "{\"m\":\"\u{e9}t\u{e9}\"}",
        #"{"level":"x","m":"ab\\"}"#,
        #"{"n":12,"message":"ok"}"#,
    ]

    @Test func agreesOnTheCorpus() {
        for c in JSONScannerTests.corpus {
            #expect(Self.outcome(c.bytes, fast: true) == Self.outcome(c.bytes, fast: false), "\(c.name)")
        }
        for line in Self.lines {
            let bytes = Array(line.utf8)
            #expect(Self.outcome(bytes, fast: true) == Self.outcome(bytes, fast: false), "\(line)")
        }
        // A depth limit of 1 allows the top level only.
        let nested = Array(#"{"a":{"b":1}}"#.utf8)
        #expect(Self.outcome(nested, fast: true, maxDepth: 1) == Self.outcome(nested, fast: false, maxDepth: 1))
    }

    @Test func agreesOnMutations() {
        var state: UInt64 = 0x1234_5678_9ABC_DEF0
        func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        let special: [UInt8] = Array("\"\\,:{}[] \n0-.eatfnu".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE4, 0xED, 0xF4, 0xFF]
        var compared = 0
        var valid = 0
        for line in Self.lines {
            let base = Array(line.utf8)
            guard !base.isEmpty else { continue }
            for _ in 0..<1_500 {
                var bytes = base
                switch next() % 4 {
                case 0, 1: bytes[next() % bytes.count] = special[next() % special.count]
                case 2: bytes.remove(at: next() % bytes.count)
                default: bytes = Array(bytes.prefix(next() % bytes.count))
                }
                if next() % 3 == 0, !bytes.isEmpty { bytes[next() % bytes.count] = special[next() % special.count] }
                let fast = Self.outcome(bytes, fast: true)
                #expect(fast == Self.outcome(bytes, fast: false), "\(String(decoding: bytes, as: UTF8.self))")
                compared += 1
                if fast.error == nil { valid += 1 }
            }
        }
        // Both valid and invalid lines were exercised.
        #expect(compared == Self.lines.count * 1_500)
        #expect(valid > 500 && compared - valid > 500)
    }
}
