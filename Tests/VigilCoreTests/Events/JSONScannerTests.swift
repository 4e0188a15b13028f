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
