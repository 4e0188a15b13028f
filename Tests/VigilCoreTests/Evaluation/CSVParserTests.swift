import Testing
@testable import VigilCore

@Suite struct CSVParserTests {
    static func parse(_ text: String) throws -> Dataset { try CSVParser.parse(Array(text.utf8)) }

    @Test func quotingLineEndingsAndTypes() throws {
        let d = try Self.parse("a,b,c\r\n1,\"x, \"\"y\"\"\",2.5\r\n\n-3e2,\"multi\nline\",NA\n4,plain,")
        #expect(d.names == ["a", "b", "c"])
        #expect(d.rowCount == 3)
        #expect(d.column("a") == .numeric([1, -300, 4]))
        #expect(d.column("b") == .categorical(["x, \"y\"", "multi\nline", "plain"]))
        guard case .numeric(let c) = d.column("c") else { Issue.record("c is not numeric"); return }
        #expect(c[0] == 2.5 && c[1].isNaN && c[2].isNaN)
    }

    @Test func missingTrailingFieldsAndMixedColumns() throws {
        let d = try Self.parse("x,y\n1,a\n2\nthree,b\n")
        #expect(d.column("x") == .categorical(["1", "2", "three"]))
        #expect(d.column("y") == .categorical(["a", nil, "b"]))
    }

    @Test func errors() {
        #expect(throws: CSVParser.ParseError.self) { try Self.parse("a\n\"open") }
        #expect(throws: CSVParser.ParseError.self) { try Self.parse("a\n1,2") }
        #expect(throws: CSVParser.ParseError.self) { try Self.parse("a\n\"x\"y") }
    }

    @Test(arguments: ["0", "-0.5", "123456789.125", "1e-7", "2.2250738585072014e-308", "12345678901234567890123",
                      "0.1", "3.141592653589793", "+7", "1E5", " 42 ", "9007199254740993"])
    func numbersMatchTheStandardLibrary(text: String) {
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBufferPointer { CSVParser.parseNumber($0, 0, $0.count) }
        #expect(parsed == Double(text.trimmingCharacters(in: " ")))
    }

    @Test(arguments: ["", "abc", "1.2.3", "e5", "0x10", "nan", "1e"])
    func nonNumbers(text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { CSVParser.parseNumber($0, 0, $0.count) } == nil)
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
