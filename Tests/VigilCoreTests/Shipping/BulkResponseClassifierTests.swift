import Foundation
import Testing
import VigilCore

@Suite struct BulkResponseClassifierTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Vectors/bulk/\(name)")
        return Array(try Data(contentsOf: url))
    }

    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var status: Int
        var items: Int
        var expected: BulkResponseDecision
        var description: String { "\(status) \(file)" }
    }

    static let cases: [Case] = [
        Case(file: "created_unfiltered.json", status: 200, items: 2, expected: .allDelivered),
        Case(file: "created_filtered.json", status: 200, items: 3, expected: .allDelivered),
        Case(file: "mixed_filtered.json", status: 200, items: 6, expected: .perItem([
            .delivered,
            .duplicate,
            .retry(status: 429, reason: "es_rejected_execution_exception: rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=412, max_coordinating_and_primary_bytes=53687091]"),
            .deadLetter(status: 400, reason: "document_parsing_exception: [1:67] failed to parse field [latency_ms] of type [long] in document with id 'f1:1113'. Preview of field's value: 'slow' (caused by illegal_argument_exception: For input string: \"slow\")"),
            .retry(status: 503, reason: "unavailable_shards_exception: [vigil-logs-2026.11.29][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest [[vigil-logs-2026.11.29][0]] containing [5] requests]"),
            .delivered,
        ])),
        Case(file: "mixed_unfiltered.json", status: 200, items: 4, expected: .perItem([
            .deadLetter(status: 400, reason: "mapper_parsing_exception: failed to parse field [user] of type [keyword] in document with id 'h:7f3a:0'. Preview of field's value: '{name=ada}' (caused by illegal_state_exception: Can't get text on a START_OBJECT at 1:9)"),
            .delivered,
            .retry(status: 429, reason: "cluster_block_exception: index [vigil-logs-2026.11.29] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];"),
            .deadLetter(status: 404, reason: "index_not_found_exception: no such index [logs-vigil-default]"),
        ])),
        // The count check: a response for another request must not be applied to this one.
        Case(file: "mixed_filtered.json", status: 200, items: 5,
             expected: .retryAll(status: 200, reason: "_bulk response has 6 items for 5 sent")),
        Case(file: "truncated.json", status: 200, items: 2, expected: .retryAll(status: 200, reason: "unreadable _bulk response")),
        Case(file: "empty.json", status: 200, items: 2, expected: .retryAll(status: 200, reason: "unreadable _bulk response")),
        Case(file: "whole_400_newline.json", status: 400, items: 10,
             expected: .split(status: 400, reason: "illegal_argument_exception: The bulk request must be terminated by a newline [\\n]")),
        Case(file: "whole_400_parse.json", status: 400, items: 10,
             expected: .split(status: 400, reason: "x_content_parse_exception: [1:11] Unexpected character ('x' (code 120)): was expecting double-quote to start field name")),
        Case(file: "empty.json", status: 413, items: 10, expected: .split(status: 413, reason: "request entity too large")),
        Case(file: "whole_429.json", status: 429, items: 10,
             expected: .retryAll(status: 429, reason: "es_rejected_execution_exception: rejected execution of coordinating operation [coordinating_and_primary_bytes=53687000, replica_bytes=0, all_bytes=53687000, coordinating_operation_bytes=4194304, max_coordinating_and_primary_bytes=53687091]")),
        Case(file: "whole_503.json", status: 503, items: 10,
             expected: .retryAll(status: 503, reason: "cluster_block_exception: blocked by: [SERVICE_UNAVAILABLE/2/no master];")),
        Case(file: "empty.json", status: 502, items: 10, expected: .retryAll(status: 502, reason: "http 502")),
        Case(file: "whole_401.json", status: 401, items: 10,
             expected: .retryAll(status: 401, reason: "security_exception: unable to authenticate with provided credentials and anonymous access is not allowed for this request")),
        Case(file: "whole_406_content_type.json", status: 406, items: 10,
             expected: .deadLetterAll(status: 406, reason: "Content-Type header [text/plain] is not supported")),
        Case(file: "empty.json", status: 301, items: 10, expected: .retryAll(status: 301, reason: "unexpected http 301")),
    ]

    @Test(arguments: cases)
    func classifiesRecordedBodies(_ testCase: Case) throws {
        let body = try Self.fixture(testCase.file)
        #expect(BulkResponseClassifier.classify(status: testCase.status, body: body, itemCount: testCase.items) == testCase.expected)
    }

    @Test func transportFailureRetriesEverything() {
        #expect(BulkResponseClassifier.classifyTransportFailure("connection refused") == .retryAll(status: nil, reason: "connection refused"))
    }

    @Test func longReasonsAreTruncated() {
        let long = String(repeating: "x", count: 5000)
        let item = JSONValue.object([("create", .object([("status", .number(400)), ("error", .object([("type", .string("t")), ("reason", .string(long))]))]))])
        guard case let .deadLetter(_, reason) = BulkResponseClassifier.classifyItem(item) else {
            Issue.record("expected a dead letter"); return
        }
        #expect(reason.utf8.count == BulkResponseClassifier.maxReasonLength)
    }
}

@Suite struct JSONReaderTests {
    @Test(arguments: [
        (#"{"a":[1,-2.5e3,true,false,null],"b":"x\"\u00e9\ud83d\ude00\n"}"#,
         JSONValue.object([("a", .array([.number(1), .number(-2500), .bool(true), .bool(false), .null])), ("b", .string("x\"é😀\n"))])),
        (" [ ] ", .array([])),
        ("{}", .object([])),
        ("\"\"", .string("")),
    ])
    func parsesValid(text: String, expected: JSONValue) throws {
        #expect(try JSONReader.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\u{01}\"", "tru", "{} x", "\"\\ud83d\"",
                      String(repeating: "[", count: 300) + String(repeating: "]", count: 300)])
    func rejectsInvalid(text: String) {
        #expect(throws: JSONReader.Error.self) { try JSONReader.parse(Array(text.utf8)) }
    }
}

@Suite struct BackoffTests {
    /// SplitMix64: a tiny seeded generator so the draws are reproducible.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [(0, 100), (1, 200), (3, 800), (8, 25_600), (9, 30_000), (200, 30_000)])
    func ceilingDoublesUpToTheCap(attempt: Int, milliseconds: Int64) {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        #expect(backoff.ceiling(attempt: attempt) == .milliseconds(milliseconds))
    }

    @Test func delaysAreFullJitterWithinTheCeiling() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        var rng = SeededGenerator(state: 42)
        var draws: [Duration] = []
        for _ in 0..<2000 { draws.append(backoff.delay(attempt: 4, using: &rng)) }
        #expect(draws.allSatisfy { $0 >= .zero && $0 <= .milliseconds(1600) })
        // Full jitter spreads over the whole range: both the bottom and the top tenth are hit.
        #expect(draws.contains { $0 < .milliseconds(160) })
        #expect(draws.contains { $0 > .milliseconds(1440) })
    }

    @Test func sameSeedSameDelays() {
        let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(5))
        var a = SeededGenerator(state: 7), b = SeededGenerator(state: 7)
        let first = (0..<20).map { backoff.delay(attempt: $0, using: &a) }
        let second = (0..<20).map { backoff.delay(attempt: $0, using: &b) }
        #expect(first == second)
    }
}
