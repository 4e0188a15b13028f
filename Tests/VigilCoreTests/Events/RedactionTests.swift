import Testing
@testable import VigilCore

@Suite struct RedactionTests {
    static func detect(_ text: String, _ rules: PIIDetectors.RuleSet = .all) -> [(String, BuiltinRedactionRule)] {
        let bytes = Array(text.utf8)
        var matches: [PIIMatch] = []
        bytes.withUnsafeBufferPointer { PIIDetectors.scan($0, rules: rules, into: &matches) }
        return matches.map { (String(decoding: bytes[$0.start..<$0.end], as: UTF8.self), $0.rule) }
    }

    /// (input, expected matched text, rule) — nil rule means "nothing must match".
    static let table: [(String, String?, BuiltinRedactionRule?)] = [
        // Cards: only when Luhn passes.
        ("card 4111111111111111 ok", "4111111111111111", .card),
        ("card 4111 1111 1111 1111", "4111 1111 1111 1111", .card),
        ("card 4111-1111-1111-1111.", "4111-1111-1111-1111", .card),
        ("amex 378282246310005", "378282246310005", .card),
        ("fails luhn 4111111111111112", nil, nil),
        ("16 digits 1234567812345678", nil, nil),
        ("too long 41111111111111111111111", nil, nil),
        ("decimal 4111111111111111.25", nil, nil),
        ("glued x4111111111111111", nil, nil),
        // Chinese resident identity numbers: only when MOD 11-2 passes.
        ("id 11010519491231002X here", "11010519491231002X", .cnID),
        ("id 110105194912310021", nil, nil),
        ("id 440308199901011234", "440308199901011234", .cnID),
        ("id 440308199901011235", nil, nil),
        ("id 11010119900307803x", "11010119900307803x", .cnID),
        ("id 110101199003078034", nil, nil),
        ("id 44052418800101001X", nil, nil),
        // Phones.
        ("call +14155552671 now", "+14155552671", .phone),
        ("call +44 20 7946 0958", "+44 20 7946 0958", .phone),
        ("cn 13812345678", "13812345678", .phone),
        ("cn +86 13812345678", "+86 13812345678", .phone),
        ("cn 138-1234-5678", "138-1234-5678", .phone),
        ("not mobile 12812345678", nil, nil),
        ("short +1234567", nil, nil),
        // E-mail.
        ("mail jane.doe+tag@example.co.uk!", "jane.doe+tag@example.co.uk", .email),
        ("mail a@b", nil, nil),
        ("handle @someone", nil, nil),
        // IPv4.
        ("from 192.168.1.20:8080", "192.168.1.20", .ipv4),
        ("ip 10.0.0.1", "10.0.0.1", .ipv4),
        ("bad 256.1.1.1", nil, nil),
        ("version 3.2.1", nil, nil),
        ("five 1.2.3.4.5", nil, nil),
        // IPv6.
        ("v6 2001:db8::8a2e:370:7334 end", "2001:db8::8a2e:370:7334", .ipv6),
        ("v6 fe80::1", "fe80::1", .ipv6),
        ("loopback ::1", "::1", .ipv6),
        ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329", .ipv6),
        ("mapped ::ffff:192.0.2.128", "::ffff:192.0.2.128", .ipv6),
        ("time 12:30:45", nil, nil),
        ("mac 00:1a:2b:3c:4d:5e", nil, nil),
        ("cpp std::vector", nil, nil),
        // Things that must stay.
        ("2025-03-01T00:00:00.412Z", nil, nil),
        ("0000002a-9c1e-4f3a-b2d4-1234567890ab", nil, nil),
        ("12345678-1234-4123-8123-123456789012", nil, nil),
        ("latency 23.817 ms", nil, nil),
        ("00000175-4281-4123-a0ca-b291626953e6", nil, nil),
        ("00002085-aa8d-44e5-8123-456789012345", nil, nil),
        ("sku-4111111111111111", nil, nil),
        ("4111111111111111-x", nil, nil),
    ]

    @Test(arguments: 0..<table.count)
    func detectors(_ index: Int) {
        let (input, expected, rule) = Self.table[index]
        let found = Self.detect(input)
        if let expected, let rule {
            #expect(found.count == 1, "\(input): \(found)")
            #expect(found.first?.0 == expected, "\(input)")
            #expect(found.first?.1 == rule, "\(input)")
        } else {
            #expect(found.isEmpty, "\(input): \(found)")
        }
    }

    @Test func severalInOneString() {
        let found = Self.detect("user a@b.io from 10.1.2.3 card 4111111111111111 phone +14155552671")
        #expect(found.map(\.1) == [.email, .ipv4, .card, .phone])
    }

    @Test func disabledRulesDoNotMatch() {
        #expect(Self.detect("a@b.io 10.1.2.3", PIIDetectors.RuleSet([.ipv4])).map(\.1) == [.ipv4])
    }

    @Test(arguments: [
        ("", [UInt8]()), ("00ff", [0x00, 0xff]), ("5BD66F", [0x5b, 0xd6, 0x6f]), ("aBcD", [0xab, 0xcd]),
    ] as [(String, [UInt8])])
    func hexDecodesWhatHexEncodes(text: String, bytes: [UInt8]) {
        #expect(SHA256.bytes(hex: Array(text.utf8)) == bytes)
        #expect(SHA256.hex(bytes) == text.lowercased())
    }

    @Test(arguments: ["0", "abc", "0g", "zz", "0x00", " 00"])
    func hexRefusesOddLengthsAndNonDigits(text: String) {
        #expect(SHA256.bytes(hex: Array(text.utf8)) == nil)
    }

    // FIPS 180-4 examples and RFC 4231 test cases 1, 2, 6, 7.
    @Test func sha256Vectors() {
        #expect(SHA256.hex(SHA256.hash(Array("".utf8))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacRFC4231() {
        let tc1 = HMACSHA256(key: [UInt8](repeating: 0x0b, count: 20)).authenticate(Array("Hi There".utf8))
        #expect(SHA256.hex(tc1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let tc2 = HMACSHA256(key: Array("Jefe".utf8)).authenticate(Array("what do ya want for nothing?".utf8))
        #expect(SHA256.hex(tc2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let tc6 = HMACSHA256(key: [UInt8](repeating: 0xaa, count: 131))
            .authenticate(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(SHA256.hex(tc6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let tc7 = HMACSHA256(key: [UInt8](repeating: 0xaa, count: 131)).authenticate(Array(
            "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8))
        #expect(SHA256.hex(tc7) == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    static let key = Array("vigil-test-key-0123456789".utf8)

    static func redact(_ line: String, _ config: RedactionConfiguration) throws -> (String, MetricRegistry) {
        let registry = MetricRegistry()
        var pipeline = try EventPipeline(configuration: PipelineConfiguration(redact: config), registry: registry)
        guard case .accepted(let event) = pipeline.process(Array(line.utf8), context: LineContext(source: "test", id: "x", readTimeMillis: 0)) else {
            Issue.record("rejected")
            return ("", registry)
        }
        return (String(decoding: event.body, as: UTF8.self), registry)
    }

    @Test func untouchedLinesKeepTheirBytes() throws {
        let line = #"{ "a" : "plain text",  "n": 4111111111111111, "t":"2025-03-01T00:00:00Z" }"#
        #expect(try Self.redact(line, RedactionConfiguration()).0 == line)
    }

    @Test func builtinsRewriteOnlyAffectedStrings() throws {
        let (out, registry) = try Self.redact(
            #"{"msg":"mail jane@example.com, card 4111 1111 1111 1111","n":1, "ip":"10.0.0.1","esc":"x\"y@example.org\"","ok":"fine"}"#,
            RedactionConfiguration())
        #expect(out == #"{"msg":"mail [redacted:email], card [redacted:card]","n":1, "ip":"[redacted:ipv4]","esc":"x\"[redacted:email]\"","ok":"fine"}"#)
        let family = registry.counter("vigil_redactions_total", help: "", labelNames: ["rule"])
        #expect(family.labels(["email"]).value == 2)
        #expect(family.labels(["card"]).value == 1)
        #expect(family.labels(["ipv4"]).value == 1)
    }

    @Test func fieldRules() throws {
        let config = RedactionConfiguration(
            fields: ["user_id": .hash, "password": .drop, "address": .mask, "token": .drop], hashKey: Self.key)
        let (out, _) = try Self.redact(
            #"{"password":"p","user_id":"u-42","nested":{"address":{"street":"x"},"token":1},"token":"t","keep":true}"#, config)
        let token = SHA256.hex(HMACSHA256(key: Self.key).authenticate(Array("u-42".utf8)))
        #expect(out == #"{"user_id":"\#(token)","nested":{"address":"[masked]"},"keep":true}"#)
    }

    @Test(arguments: [
        (#"{"a":1,"b":2,"c":3}"#, ["a"], #"{"b":2,"c":3}"#),
        (#"{"a":1,"b":2,"c":3}"#, ["b"], #"{"a":1,"c":3}"#),
        (#"{"a":1,"b":2,"c":3}"#, ["c"], #"{"a":1,"b":2}"#),
        (#"{"a":1,"b":2,"c":3}"#, ["a", "b"], #"{"c":3}"#),
        (#"{"a":1,"b":2,"c":3}"#, ["b", "c"], #"{"a":1}"#),
        (#"{"a":1,"b":2,"c":3}"#, ["a", "c"], #"{"b":2}"#),
        (#"{"a":1,"b":2,"c":3}"#, ["a", "b", "c"], #"{}"#),
        (#"{ "a" : 1 , "b" : 2 }"#, ["b"], #"{ "a" : 1  }"#),
        (#"{"a":{"a":1}}"#, ["a"], #"{}"#),
    ])
    func dropsKeepValidJSON(_ line: String, _ drop: [String], _ expected: String) throws {
        var fields: [String: FieldRedaction] = [:]
        for d in drop { fields[d] = .drop }
        let out = try Self.redact(line, RedactionConfiguration(builtin: [], fields: fields)).0
        #expect(out == expected)
        var scanner = JSONScanner(keys: JSONKeyTable(slots: []))
        #expect(scanner.scan(Array(out.utf8)) == nil)
    }

    @Test func keyedHashIsStableAndKeyDependent() throws {
        let line = #"{"user_id":"alice","n":42}"#
        let c1 = RedactionConfiguration(builtin: [], fields: ["user_id": .hash, "n": .hash], hashKey: Self.key)
        let a = try Self.redact(line, c1).0
        let b = try Self.redact(line, c1).0
        #expect(a == b)
        #expect(a.contains(SHA256.hex(HMACSHA256(key: Self.key).authenticate(Array("42".utf8)))))
        let c2 = RedactionConfiguration(builtin: [], fields: ["user_id": .hash], hashKey: Array("another-key-0123456789".utf8))
        #expect(try Self.redact(line, c2).0 != a)
        // Escaped and plain spellings of the same text hash the same.
        #expect(try Self.redact(#"{"user_id":"\u0061lice","n":42}"#, c1).0 == a)
    }

    @Test func patternsAndOffSwitches() throws {
        let config = RedactionConfiguration(
            disabled: ["ipv4", "password"], fields: ["password": .drop],
            patterns: [.init(name: "order", regex: "ord_[A-Za-z0-9]{6}", replacement: "[order]")])
        let (out, registry) = try Self.redact(#"{"m":"order ord_abc123 from 10.0.0.1","password":"x"}"#, config)
        #expect(out == #"{"m":"order [order] from 10.0.0.1","password":"x"}"#)
        #expect(registry.counter("vigil_redactions_total", help: "", labelNames: ["rule"]).labels(["pattern:order"]).value == 1)
    }

    @Test func configurationErrorsNameThePath() throws {
        #expect(throws: PipelineConfigurationError.self) {
            _ = try PipelineConfiguration(redact: RedactionConfiguration(fields: ["user_id": .hash]))
        }
        do {
            _ = try PipelineConfiguration(redact: RedactionConfiguration(patterns: [.init(name: "bad", regex: "([a-z")]))
            Issue.record("accepted a bad regex")
        } catch {
            #expect(error.path == "redact.patterns[0].regex")
        }
        do {
            _ = try RedactionConfiguration.builtinRules(["email", "ssn"])
            Issue.record("accepted an unknown rule")
        } catch {
            #expect(error.path == "redact.builtin[1]")
        }
        #expect(try RedactionConfiguration.builtinRules(["ip"]) == [.ipv4, .ipv6])
    }
}
