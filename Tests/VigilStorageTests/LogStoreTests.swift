import Foundation
import Testing
@testable import VigilStorage

@Suite struct LogStoreTests {
    static let base: Int64 = 1_800_000_000_000

    /// service, level, message, minutes after `base`.
    static let rows: [(String, String, String, Int64)] = [
        ("checkout", "INFO", "order placed", 0),
        ("checkout", "error", "payment timeout after 30s", 1),
        ("search", "warn", "slow query on index products", 2),
        ("search", "error", "connection reset by peer", 3),
        ("checkout", "info", "order shipped", 4),
        ("auth", "error", "token expired for user", 5),
    ]

    static func sampleRecords() -> [SpoolRecord] {
        rows.enumerated().map { n, row in
            SpoolRecord(id: "doc-\(n)", kind: 0, timestampMillis: base + row.3 * 60_000, source: "file",
                        body: Array(#"{"service":"\#(row.0)","level":"\#(row.1)","message":"\#(row.2)","route":"/r\#(n)"}"#.utf8))
        }
    }

    func withStore(_ configuration: LogStoreConfiguration = LogStoreConfiguration(), _ body: (LogStore, TempDirectory) throws -> Void) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try LogStore(dataDirectory: dir.path, configuration: configuration)
        try body(store, dir)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var query: LogQuery
        var expected: [String]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "all, newest first", query: LogQuery(), expected: ["doc-5", "doc-4", "doc-3", "doc-2", "doc-1", "doc-0"]),
        Case(name: "limit", query: LogQuery(limit: 2), expected: ["doc-5", "doc-4"]),
        Case(name: "text", query: LogQuery(text: "timeout"), expected: ["doc-1"]),
        Case(name: "two words AND", query: LogQuery(text: "order shipped"), expected: ["doc-4"]),
        Case(name: "prefix", query: LogQuery(text: "conn*"), expected: ["doc-3"]),
        Case(name: "punctuation is not syntax", query: LogQuery(text: "\"order\" -placed: AND"), expected: []),
        Case(name: "text in body fields", query: LogQuery(text: "r2"), expected: ["doc-2"]),
        Case(name: "punctuated word is its tokens", query: LogQuery(text: "/r3"), expected: ["doc-3"]),
        Case(name: "case-insensitive text", query: LogQuery(text: "TIMEOUT"), expected: ["doc-1"]),
        Case(name: "service", query: LogQuery(service: "checkout"), expected: ["doc-4", "doc-1", "doc-0"]),
        Case(name: "level case-insensitive", query: LogQuery(level: "ERROR"), expected: ["doc-5", "doc-3", "doc-1"]),
        Case(name: "service and level", query: LogQuery(service: "search", level: "error"), expected: ["doc-3"]),
        Case(name: "time range [since, until)", query: LogQuery(sinceMillis: base + 60_000, untilMillis: base + 4 * 60_000), expected: ["doc-3", "doc-2", "doc-1"]),
        Case(name: "text and service", query: LogQuery(text: "order", service: "checkout", sinceMillis: base + 1), expected: ["doc-4"]),
    ]

    @Test(arguments: cases) func search(_ testCase: Case) throws {
        try withStore { store, _ throws in
            #expect(try store.insert(Self.sampleRecords()) == 6)
            #expect(try store.search(testCase.query).map(\.id) == testCase.expected)
        }
    }

    @Test func hitCarriesExtractedFields() throws {
        try withStore { store, _ throws in
            try store.insert(Self.sampleRecords())
            let hit = try #require(try store.search(LogQuery(text: "timeout")).first)
            #expect(hit.service == "checkout")
            #expect(hit.level == "error")
            #expect(hit.message == "payment timeout after 30s")
            #expect(hit.timestampMillis == Self.base + 60_000)
            #expect(hit.body.contains("\"route\":\"/r1\""))
            let json = String(decoding: try JSONEncoder().encode(hit), as: UTF8.self)
            #expect(json.contains("\"@timestamp\":\"2027-01-15T08:01:00.000Z\""))
            #expect(json.contains("\"kind\":\"log\""))
        }
    }

    @Test func insertIsIdempotentOnDocumentID() throws {
        try withStore { store, _ throws in
            #expect(try store.insert(Self.sampleRecords()) == 6)
            #expect(try store.insert(Self.sampleRecords()) == 0)
            #expect(try store.insert(Array(Self.sampleRecords().prefix(2)) + [record(99)]) == 1)
            #expect(try store.count() == 7)
            #expect(try store.search(LogQuery(text: "timeout")).count == 1)
        }
    }

    @Test func retentionByAge() throws {
        try withStore(LogStoreConfiguration(retentionSeconds: 150)) { store, _ throws in
            try store.insert(Self.sampleRecords())
            // Now is base + 5 min and events older than 150 s go: those at minutes 0, 1 and 2.
            let deleted = try store.enforceRetention(nowMillis: Self.base + 5 * 60_000)
            #expect(deleted == 3)
            #expect(try store.search(LogQuery()).map(\.id) == ["doc-5", "doc-4", "doc-3"])
            // The full-text index forgot the deleted rows too.
            #expect(try store.search(LogQuery(text: "timeout")).isEmpty)
            #expect(try store.enforceRetention(nowMillis: Self.base + 5 * 60_000) == 0)
        }
    }

    @Test func retentionBySize() throws {
        let maxBytes: Int64 = 600_000
        try withStore(LogStoreConfiguration(retentionSeconds: 1 << 40, maxBytes: maxBytes)) { store, _ throws in
            // Blocks are compressed: the filler must not compress away (hex of a linear congruential sequence).
            var state: UInt64 = 42
            func filler() -> String {
                (0 ..< 40).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return String(state >> 1, radix: 16)
                }.joined(separator: " ")
            }
            for chunk in 0 ..< 10 {
                let batch = (chunk * 200 ..< chunk * 200 + 200).map { n in
                    SpoolRecord(id: "big-\(n)", kind: 0, timestampMillis: Self.base + Int64(n), source: "http",
                                body: Array(#"{"message":"event \#(n) \#(filler())"}"#.utf8))
                }
                try store.insert(batch)
            }
            #expect(try store.usedBytes() > maxBytes)
            let deleted = try store.enforceRetention(nowMillis: Self.base)
            #expect(deleted > 0)
            #expect(try store.usedBytes() <= maxBytes)
            #expect(try store.count() == 2000 - deleted)
            // The oldest went first: what is left is exactly the newest events.
            let left = try store.search(LogQuery(limit: 10_000)).map(\.id)
            #expect(left == (2000 - left.count ..< 2000).reversed().map { "big-\($0)" })
        }
    }

    @Test func migratesVersion1Store() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // The v1 layout: a detail=full index kept in step by triggers.
        let v1 = try SQLiteDatabase(path: dir.file("logs.db"))
        try v1.execute("""
            CREATE TABLE logs(id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, ts_ms INTEGER NOT NULL, kind INTEGER NOT NULL,
                              source TEXT NOT NULL, service TEXT, level TEXT, message TEXT, body TEXT NOT NULL);
            CREATE VIRTUAL TABLE logs_fts USING fts5(message, body, content='logs', content_rowid='id');
            CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN
                INSERT INTO logs_fts(rowid, message, body) VALUES (new.id, new.message, new.body);
            END;
            INSERT INTO logs(doc_id, ts_ms, kind, source, message, body) VALUES ('old', 1, 0, 'file', 'legacy row', '{"message":"legacy row"}');
            PRAGMA user_version = 1;
            """)
        let store = try LogStore(dataDirectory: dir.path)
        // The old row-per-event tables (and their triggers) are gone; the event moved into a block.
        let leftovers = try store.sqlite.withConnection { try $0.scalarInt("SELECT count(*) FROM sqlite_master WHERE name LIKE 'logs%'") }
        #expect(leftovers == 0)
        #expect(try store.count() == 1)
        try store.insert(Self.sampleRecords())
        #expect(try store.search(LogQuery(text: "legacy")).map(\.id) == ["old"])
        #expect(try store.search(LogQuery(text: "timeout")).map(\.id) == ["doc-1"])
        #expect(try store.enforceRetention(nowMillis: Self.base + 10 * 86_400_000) == 7)
        #expect(try store.search(LogQuery(text: "legacy")).isEmpty)
    }

    @Test func reopenKeepsData() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let store = try LogStore(dataDirectory: dir.path)
            try store.insert(Self.sampleRecords())
        }
        let again = try LogStore(dataDirectory: dir.path)
        #expect(try again.count() == 6)
        let reader = try LogStore(readingPath: dir.file("logs.db"))
        #expect(try reader.search(LogQuery(level: "warn")).map(\.id) == ["doc-2"])
    }
}

@Suite struct LogFieldsTests {
    struct Case: Sendable, CustomStringConvertible {
        var json: String
        var service: String?
        var level: String?
        var message: String?
        var description: String { json }
    }

    static let cases: [Case] = [
        Case(json: #"{"service":"a","level":"info","message":"hi"}"#, service: "a", level: "info", message: "hi"),
        Case(json: #"{"service":{"name":"svc","x":[1,{"y":2}]},"log":{"level":"WARN"},"msg":"m"}"#, service: "svc", level: "WARN", message: "m"),
        Case(json: #"{"service.name":"s","log.level":"debug","message":"a\"b\\c\n\u00e9\ud83d\ude00"}"#, service: "s", level: "debug", message: "a\"b\\c\né😀"),
        Case(json: #"{"n":1.5e3,"arr":[{"message":"nested, ignored"}],"ok":true,"nil":null,"message":"top"}"#, service: nil, level: nil, message: "top"),
        Case(json: #"{"message":"first","message":"second"}"#, service: nil, level: nil, message: "first"),
        Case(json: #"[1,2]"#, service: nil, level: nil, message: nil),
        Case(json: #"{"message":"unterminated"#, service: nil, level: nil, message: nil),
        Case(json: #"{"service":5,"level":["x"],"message":{"a":"b"},"severity":"high"}"#, service: nil, level: "high", message: nil),
    ]

    @Test(arguments: cases) func extract(_ testCase: Case) {
        let fields = LogFields.extract(from: Array(testCase.json.utf8))
        #expect(fields == LogFields(service: testCase.service, level: testCase.level, message: testCase.message))
    }
}

@Suite struct LogQueryTests {
    static let now: Int64 = 1_800_000_000_000

    @Test func parsesQueryItems() throws {
        let query = try LogQuery(queryItems: [("q", "payment timeout"), ("service", "checkout"), ("level", "error"),
                                              ("since", "15m"), ("until", "2027-01-15T08:00:00Z"), ("limit", "20")], nowMillis: Self.now)
        #expect(query == LogQuery(text: "payment timeout", service: "checkout", level: "error",
                                  sinceMillis: Self.now - 900_000, untilMillis: 1_800_000_000_000,
                                  limit: 20))
        #expect(try LogQuery(queryItems: [], nowMillis: Self.now) == LogQuery())
    }

    struct Bad: Sendable, CustomStringConvertible {
        var items: [String]
        var parameter: String
        var description: String { items.joined(separator: "&") }
    }

    static let bad: [Bad] = [
        Bad(items: ["limit=0"], parameter: "limit"),
        Bad(items: ["limit=10001"], parameter: "limit"),
        Bad(items: ["limit=ten"], parameter: "limit"),
        Bad(items: ["since=15x"], parameter: "since"),
        Bad(items: ["until=yesterday"], parameter: "until"),
        Bad(items: ["since=1h", "until=2h"], parameter: "since"),
        Bad(items: ["service="], parameter: "service"),
        Bad(items: ["level=a", "level=b"], parameter: "level"),
        Bad(items: ["q=a", "text=b"], parameter: "text"),
        Bad(items: ["servcie=x"], parameter: "servcie"),
    ]

    @Test(arguments: bad) func rejectsWithTheParameterName(_ testCase: Bad) {
        let items = testCase.items.map { item -> (name: String, value: String?) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : nil)
        }
        #expect(throws: LogQueryError.self) { try LogQuery(queryItems: items, nowMillis: Self.now) }
        do {
            _ = try LogQuery(queryItems: items, nowMillis: Self.now)
        } catch {
            #expect(error.parameter == testCase.parameter)
        }
    }

    @Test func termsAreTokens() {
        func render(_ text: String) -> [String] {
            LogQuery.terms(text).map { String(decoding: $0.token, as: UTF8.self) + ($0.prefix ? "*" : "") }
        }
        #expect(render("a b") == ["a", "b"])
        #expect(render(#"say "hi" -x"#) == ["say", "hi", "x"])
        #expect(render("time*") == ["time*"])
        #expect(render("/v1/pre*") == ["v1", "pre*"])
        #expect(render("user_id:42") == ["user", "id", "42"])
        #expect(render("TimeOut") == ["timeout"])
        #expect(render("  -- ").isEmpty)
    }
}

/// `since`/`until` of a log query. The duration and RFC 3339 parsers themselves are tested in VigilCoreTests
/// (`DurationTextTests`, `RFC3339Tests`).
@Suite struct LogQueryInstantTests {
    @Test(arguments: [
        ("500ms", Int64(500)), ("30s", 30_000), ("15m", 900_000), ("2h", 7_200_000), ("7d", 604_800_000), ("1w", 604_800_000),
        ("1.5h", 5_400_000),
    ]) func durationsBackFromNow(_ text: String, _ millis: Int64) {
        let now: Int64 = 1_795_949_850_123
        #expect(LogQuery.instant(text, nowMillis: now) == now - millis)
    }

    @Test(arguments: ["", "m", "-5m", "15 m", "99999999999999999999d", "soon", "2026-02-30"]) func notInstants(_ text: String) {
        #expect(LogQuery.instant(text, nowMillis: 1_795_949_850_123) == nil)
    }

    @Test func instants() {
        let now: Int64 = 1_795_949_850_123
        #expect(LogQuery.instant("15m", nowMillis: now) == now - 900_000)
        #expect(LogQuery.instant("1795949850123", nowMillis: now) == 1_795_949_850_123)
        #expect(LogQuery.instant("1795949850", nowMillis: now) == 1_795_949_850_000)
        #expect(LogQuery.instant("15", nowMillis: now) == 15_000)   // a bare number is an epoch time, not a duration
        #expect(LogQuery.instant("2026-11-29T10:57:30.123Z", nowMillis: now) == 1_795_949_850_123)
        #expect(LogQuery.instant("2026-11-29T11:57:30.1+01:00", nowMillis: now) == 1_795_949_850_100)
        #expect(LogQuery.instant("2000-02-29", nowMillis: now) == 951_782_400_000)
        #expect(LogQuery.instant("soon", nowMillis: now) == nil)
    }
}
