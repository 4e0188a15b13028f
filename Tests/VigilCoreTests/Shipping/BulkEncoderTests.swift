import Testing
import VigilCore

@Suite struct BulkEncoderTests {
    static let noon = Int64(1_795_953_600_000)   // 2026-11-29T12:00:00.000Z

    static func encode(_ body: String, id: String = "f:1", at millis: Int64 = noon,
                       configuration: BulkEncoderConfiguration = BulkEncoderConfiguration(hostName: "node-1")) -> String {
        var encoder = BulkEncoder(configuration: configuration)
        var batch = EncodedBatch()
        encoder.append(BulkDocument(id: id, timestampMillis: millis, body: Array(body.utf8)), to: &batch)
        return String(decoding: batch.bytes, as: UTF8.self)
    }

    static let ecsTail = #""event.dataset":"vigil.logs","ecs.version":"8.11.0","host.name":"node-1""#

    @Test(arguments: [
        // Plain log line: every ECS field added before the original members, which are kept verbatim.
        (#"{"level":"info","message":"up","latency_ms":12}"#,
         #"{"@timestamp":"2026-11-29T12:00:00.000Z","log.level":"info","# + ecsTail + #","level":"info","message":"up","latency_ms":12}"#),
        // Own @timestamp kept; `msg` copied to `message`.
        (#"{"@timestamp":"2026-01-01T00:00:00Z","msg":"hi"}"#,
         #"{"message":"hi","# + ecsTail + #","@timestamp":"2026-01-01T00:00:00Z","msg":"hi"}"#),
        // Scalar `service` and `host` become the ECS fields themselves; no configured host.name then.
        (#"{"service":"api","host":"web-3","x":{"y":[1,"}"]}}"#,
         #"{"@timestamp":"2026-11-29T12:00:00.000Z","event.dataset":"vigil.logs","ecs.version":"8.11.0","service.name":"api","host.name":"web-3","x":{"y":[1,"}"]}}"#),
        // An object root blocks the dotted field; scalar `log` is renamed so log.level can be added.
        (#"{"event":{"dataset":"mine"},"log":"raw","level":"warn"}"#,
         #"{"@timestamp":"2026-11-29T12:00:00.000Z","log.level":"warn","ecs.version":"8.11.0","host.name":"node-1","event":{"dataset":"mine"},"log.original":"raw","level":"warn"}"#),
        // Empty object.
        ("{}", #"{"@timestamp":"2026-11-29T12:00:00.000Z","# + ecsTail + "}"),
        // Pretty-printed: raw newlines between tokens become spaces so the NDJSON line stays one line.
        ("{\n  \"a\": 1\r\n}", #"{"@timestamp":"2026-11-29T12:00:00.000Z","# + ecsTail + ",\"a\": 1  }"),
        // Not an object: kept as the message.
        ("not json", #"{"@timestamp":"2026-11-29T12:00:00.000Z","message":"not json","# + ecsTail + "}"),
    ])
    func splicesECSFields(body: String, expectedDocument: String) throws {
        let encoded = Self.encode(body)
        #expect(encoded == #"{"create":{"_id":"f:1"}}"# + "\n" + expectedDocument + "\n")
    }

    @Test func everyDocumentLineIsValidJSON() throws {
        let bodies = [#"{"service":"a","service.name":"b"}"#, #"{"ecs":1,"ecs.version":"1"}"#, #"{"a":"\"{"}"#]
        for body in bodies {
            let lines = Self.encode(body).split(separator: "\n")
            #expect(lines.count == 2)
            for line in lines { _ = try JSONReader.parse(Array(line.utf8)) }
        }
    }

    @Test func idsAreEscaped() {
        let encoded = Self.encode("{}", id: "a\"b\\c\n")
        #expect(encoded.hasPrefix(#"{"create":{"_id":"a\"b\\c\n"}}"#))
    }

    @Test(arguments: [
        (Int64(0), "vigil-logs-%Y.%m.%d", "vigil-logs-1970.01.01"),
        (-1, "vigil-logs-%Y.%m.%d", "vigil-logs-1969.12.31"),
        (951_782_400_000, "x-%Y-%m-%d-%H", "x-2000-02-29-00"),          // leap day
        (4_107_542_399_999, "%Y.%m.%d %H%%", "2100.02.28 23%"),        // 2100 is not a leap year
        (1_795_953_600_000, "logs-%q", "logs-%q"),
    ])
    func indexNamesFollowUTCDates(millis: Int64, pattern: String, expected: String) {
        let encoder = BulkEncoder(configuration: BulkEncoderConfiguration(target: .index(pattern: pattern)))
        #expect(encoder.indexName(timestampMillis: millis) == expected)
    }

    @Test func dataStreamTarget() {
        let configuration = BulkEncoderConfiguration(target: .dataStream(dataset: "checkout", namespace: "prod"))
        var encoder = BulkEncoder(configuration: configuration)
        var batch = EncodedBatch()
        encoder.append(BulkDocument(id: "f:1", timestampMillis: Self.noon, body: Array("{}".utf8)), to: &batch)
        #expect(batch.index == "logs-checkout-prod")
        let encoded = String(decoding: batch.bytes, as: UTF8.self)
        #expect(encoded == #"{"create":{"_id":"f:1"}}"# + "\n"
                + #"{"@timestamp":"2026-11-29T12:00:00.000Z","event.dataset":"checkout","ecs.version":"8.11.0"}"# + "\n")
    }

    @Test func indexChangesAtMidnightUTC() {
        var encoder = BulkEncoder(configuration: BulkEncoderConfiguration())
        var batch = EncodedBatch()
        let midnight = Int64(1_795_996_800_000)   // 2026-11-30T00:00:00Z
        for millis in [midnight - 1, midnight, midnight - 2] {
            encoder.append(BulkDocument(id: "\(millis)", timestampMillis: millis, body: Array("{}".utf8)), to: &batch)
        }
        let actions = String(decoding: batch.bytes, as: UTF8.self).split(separator: "\n").enumerated().filter { $0.offset % 2 == 0 }.map { String($0.element) }
        // The request goes to the first item's index; only the item for the next day names its own.
        #expect(batch.index == "vigil-logs-2026.11.29")
        #expect(actions == [#"{"create":{"_id":"\#(midnight - 1)"}}"#,
                            #"{"create":{"_index":"vigil-logs-2026.11.30","_id":"\#(midnight)"}}"#,
                            #"{"create":{"_id":"\#(midnight - 2)"}}"#])
        #expect(batch.subset([1, 2]).index == "vigil-logs-2026.11.29")
    }

    @Test func subsetsCutWholeItems() {
        var encoder = BulkEncoder(configuration: BulkEncoderConfiguration())
        var batch = EncodedBatch()
        for i in 0..<5 { encoder.append(BulkDocument(id: "id\(i)", timestampMillis: 0, body: Array("{\"n\":\(i)}".utf8)), to: &batch) }
        let subset = batch.subset([3, 1])
        #expect(subset.count == 2)
        let text = String(decoding: subset.bytes, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4 && lines[0].contains("\"id3\"") && lines[1].contains("\"n\":3") && lines[2].contains("\"id1\""))
    }

    @Test(arguments: [(Int64(0), "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
                      (1_795_953_600_123, "2026-11-29T12:00:00.123Z"), (253_402_300_799_999, "9999-12-31T23:59:59.999Z")])
    func rfc3339(millis: Int64, expected: String) {
        var out: [UInt8] = []
        CivilTime(millisecondsSinceEpoch: millis).appendRFC3339(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }
}
