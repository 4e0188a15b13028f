import Foundation
import Testing
@testable import VigilStorage

/// A deterministic generator for test data (no randomness in tests without a seed).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite struct LogTokenizerTests {
    @Test(arguments: [
        (#"{"a":"b"}"#, ["a", "b"]),
        ("/v1/predict?x=1", ["v1", "predict", "x", "1"]),
        ("latency_ms:36.239", ["latency", "ms", "36", "239"]),
        ("Payment TIMEOUT", ["payment", "timeout"]),
        ("café-olé", ["café", "olé"]),
        ("", []),
        ("--//", []),
        (#"a\nb"#, ["a", "nb"]),
    ]) func tokens(_ text: String, _ expected: [String]) {
        #expect(LogTokenizer.tokens(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) } == expected)
    }

    @Test func hashFoldsASCIICase() {
        #expect(LogTokenizer.hash(Array("TimeOut".utf8)) == LogTokenizer.hash(Array("timeout".utf8)))
        #expect(LogTokenizer.hash(Array("timeout".utf8)) != LogTokenizer.hash(Array("timeouts".utf8)))
        #expect(LogTokenizer.hash(Array("abcdefgh".utf8)) != LogTokenizer.hash(Array("abcdefghi".utf8)))
    }
}

@Suite struct TokenBloomFilterTests {
    /// (distinct tokens, initial lines): no inserted token is ever missed, and absent tokens are rarely reported.
    @Test(arguments: [(10, 1 << 14), (1_000, 1 << 14), (20_000, 1 << 14), (100_000, 1 << 14), (500, 16)])
    func noFalseNegativesAndFewFalsePositives(_ count: Int, _ lines: Int) {
        var random = SplitMix(state: UInt64(count))
        var filter = TokenBloomFilter(lines: lines)
        let present = (0 ..< count).map { _ in Array("tok\(random.next())".utf8) }
        for token in present { filter.insert(LogTokenizer.hash(token)) }
        filter.foldToFit()
        #expect(present.allSatisfy { filter.mayContain(LogTokenizer.hash($0)) })
        let probes = 50_000
        var falsePositives = 0
        for n in 0 ..< probes where filter.mayContain(LogTokenizer.hash(Array("absent-\(n)".utf8))) { falsePositives += 1 }
        let rate = Double(falsePositives) / Double(probes)
        // Folding stops at a 40% fill: about 0.4^6 = 0.4% in a plain filter, a few times that when blocked
        // (and when the filter could not grow, as in the last case, it is simply full).
        if lines >= 1 << 14 {
            #expect(rate < 0.03, "false-positive rate \(rate) with \(count) tokens in \(filter.lines) lines")
            #expect(filter.fill <= TokenBloomFilter.maxFill || filter.lines == lines)
        }
        print("bloom: \(count) tokens, \(filter.lines) lines (\(filter.lines * 64) bytes), fill \(filter.fill), false positives \(rate)")
    }

    @Test func foldingKeepsEveryToken() {
        var filter = TokenBloomFilter(lines: 1 << 10)
        let hashes = (0 ..< 300).map { LogTokenizer.hash(Array("w\($0)".utf8)) }
        for hash in hashes { filter.insert(hash) }
        while filter.lines > 1 {
            // One fold at a time, whatever the fill, must keep membership.
            let words = filter.words
            var folded = [UInt64]()
            for line in 0 ..< filter.lines / 2 {
                for k in 0 ..< 8 { folded.append(words[2 * line * 8 + k] | words[(2 * line + 1) * 8 + k]) }
            }
            filter = TokenBloomFilter(words: folded)
            #expect(hashes.allSatisfy { filter.mayContain($0) }, "lost a token at \(filter.lines) lines")
        }
    }
}

@Suite struct LogBlockFormatTests {
    struct Event: Sendable {
        var id: String
        var kind: UInt8
        var ts: Int64
        var source: String
        var body: String
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var events: [Event]
        var services: [String?]
        var levels: [String?]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one event", events: [Event(id: "a", kind: 0, ts: 5, source: "file", body: #"{"service":"s","level":"INFO","message":"hi"}"#)],
             services: ["s"], levels: ["info"]),
        Case(name: "no fields, negative and unordered times", events: [
            Event(id: "x1", kind: 1, ts: -20, source: "http", body: "{}"),
            Event(id: "x2", kind: 2, ts: 1_800_000_000_000, source: "stdin", body: #"[1,2]"#),
            Event(id: "x3", kind: 0, ts: 7, source: "http", body: ""),
        ], services: [nil, nil, nil], levels: [nil, nil, nil]),
        Case(name: "nested and escaped fields", events: [
            Event(id: "é", kind: 0, ts: 1, source: "file", body: #"{"service":{"name":"svc"},"log":{"level":"WARN"}}"#),
            Event(id: "q", kind: 0, ts: 2, source: "file", body: #"{"service":"a\u0062c","severity":"Error"}"#),
            Event(id: "r", kind: 0, ts: 3, source: "file", body: #"{"service.name":"svc","log.level":"warn"}"#),
        ], services: ["svc", "abc", "svc"], levels: ["warn", "error", "warn"]),
    ]

    static func build(_ events: [Event]) -> (LogBlockBuilder, [Bool]) {
        var builder = LogBlockBuilder()
        var added: [Bool] = []
        for event in events {
            var id = event.id, source = event.source, body = event.body
            added.append(id.withUTF8 { i in source.withUTF8 { s in body.withUTF8 { b in
                builder.add(id: i, kind: event.kind, timestampMillis: event.ts, source: s, body: b)
            } } })
        }
        return (builder, added)
    }

    @Test(arguments: cases) func roundTrip(_ testCase: Case) throws {
        var (builder, _) = Self.build(testCase.events)
        let block = builder.seal(compressionLevel: 1)
        #expect(builder.count == 0)
        let info = block.info
        #expect(info.count == testCase.events.count)
        #expect(info.minTs == testCase.events.map(\.ts).min())
        #expect(info.maxTs == testCase.events.map(\.ts).max())
        #expect(block.bytes.count == info.totalBytes)
        #expect(Set(info.services) == Set(testCase.services.compactMap { $0 }))
        let meta = try LogBlock.decodeMeta(Array(block.bytes[info.bloomBytes ..< info.bloomBytes + info.metaLength]), info: info)
        let bodies = try LogBlock.decodeBodies(Array(block.bytes[(info.bloomBytes + info.metaLength)...]), info: info)
        for (i, event) in testCase.events.enumerated() {
            #expect(meta.id(i) == event.id)
            #expect(meta.kinds[i] == event.kind)
            #expect(meta.timestamps[i] == event.ts)
            #expect(meta.source(i) == event.source)
            #expect(meta.service(i) == testCase.services[i])
            #expect(meta.level(i) == testCase.levels[i])
            #expect(String(decoding: bodies[meta.bodyRange(i)], as: UTF8.self) == event.body)
        }
        // Every token of every body is in the block's filter.
        let words = stride(from: 0, to: info.bloomBytes, by: 8).map { offset in
            block.bytes[offset ..< offset + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        let filter = TokenBloomFilter(words: words)
        for event in testCase.events {
            for token in LogTokenizer.tokens(Array(event.body.utf8)) { #expect(filter.mayContain(LogTokenizer.hash(token))) }
        }
    }

    @Test func dictionaryOverflowAsksForANewBlock() {
        let events = (0 ..< 300).map { Event(id: "\($0)", kind: 0, ts: Int64($0), source: "f", body: #"{"service":"svc-\#($0)"}"#) }
        let (builder, added) = Self.build(events)
        #expect(added.prefix(LogBlockBuilder.maxDictionary).allSatisfy { $0 })
        #expect(added[LogBlockBuilder.maxDictionary] == false)
        #expect(builder.count == LogBlockBuilder.maxDictionary)
    }

    @Test(arguments: ["truncated meta", "wrong count", "garbage"]) func damagedMetaIsAnError(_ damage: String) {
        var (builder, _) = Self.build(Self.cases[2].events)
        let block = builder.seal(compressionLevel: 1)
        var info = block.info
        var meta = Array(block.bytes[info.bloomBytes ..< info.bloomBytes + info.metaLength])
        switch damage {
        case "truncated meta": meta.removeLast(6)
        case "wrong count": info.count += 1
        default: meta = Array(repeating: 0x1F, count: meta.count)
        }
        #expect(throws: LogBlock.DecodeError.self) { try LogBlock.decodeMeta(meta, info: info) }
    }
}

@Suite struct LogStoreBlockTests {
    static let base: Int64 = 1_800_000_000_000
    static let services = ["checkout", "search", "auth", "ml-inference"]
    static let levels = ["INFO", "warn", "ERROR", "debug"]
    static let words = ["timeout", "reset", "order", "placed", "shipped", "payment", "retry", "slow", "cache", "miss", "token", "expired"]

    /// Events across services, levels and 10 minutes, some with equal timestamps, a few with escaped messages.
    static func events(_ count: Int, seed: UInt64 = 7) -> [SpoolRecord] {
        var random = SplitMix(state: seed)
        var ts = base
        return (0 ..< count).map { n in
            ts += Int64(random.below(3) * 100)  // ties are common
            let message = (0 ..< 1 + random.below(4)).map { _ in words[random.below(words.count)] }.joined(separator: " ")
            let escaped = random.below(50) == 0 ? #" caf\u00e9"# : ""
            let service = services[random.below(services.count)]
            let level = levels[random.below(levels.count)]
            let body = #"{"service":"\#(service)","level":"\#(level)","message":"\#(message)\#(escaped)","route":"/r\#(n % 17)","user":"u\#(random.below(500))"}"#
            return SpoolRecord(id: "e-\(n)", kind: UInt8(n % 3), timestampMillis: ts, source: n % 2 == 0 ? "file" : "http", body: Array(body.utf8))
        }
    }

    /// The reference: every event checked one by one, without blocks, filters or early stops.
    static func bruteForce(_ records: [SpoolRecord], _ query: LogQuery) -> [String] {
        func tokens(_ text: String) -> [String] {
            var out: [String] = [], current = ""
            for scalar in text.unicodeScalars {
                if scalar.value >= 0x80 || (scalar.properties.isASCIIHexDigit || ("g" ... "z").contains(Character(scalar)) || ("G" ... "Z").contains(Character(scalar))) {
                    current.unicodeScalars.append(scalar)
                } else if !current.isEmpty {
                    out.append(current.lowercased()); current = ""
                }
            }
            if !current.isEmpty { out.append(current.lowercased()) }
            return out
        }
        let terms = LogQuery.terms(query.text ?? "").map { (String(decoding: $0.token, as: UTF8.self), $0.prefix) }
        let matching = records.enumerated().filter { _, r in
            let body = String(decoding: r.body, as: UTF8.self)
            let fields = LogFields.extract(from: r.body)
            if let since = query.sinceMillis, r.timestampMillis < since { return false }
            if let until = query.untilMillis, r.timestampMillis >= until { return false }
            if let service = query.service, fields.service != service { return false }
            if let level = query.level, fields.level?.lowercased() != level.lowercased() { return false }
            let available = tokens(body) + tokens(fields.message ?? "")
            return terms.allSatisfy { term, prefix in available.contains { prefix ? $0.hasPrefix(term) : $0 == term } }
        }
        return matching.sorted { a, b in
            (a.element.timestampMillis, a.offset) > (b.element.timestampMillis, b.offset)
        }.prefix(query.limit).map(\.element.id)
    }

    static let queries: [LogQuery] = [
        LogQuery(),
        LogQuery(limit: 7),
        LogQuery(text: "timeout"),
        LogQuery(text: "timeout", limit: 10_000),
        LogQuery(text: "order shipped", limit: 500),
        LogQuery(text: "ret*", limit: 300),
        LogQuery(text: "café"),
        LogQuery(text: "/r3 u42", limit: 1000),
        LogQuery(text: "nosuchword"),
        LogQuery(service: "auth", limit: 10_000),
        LogQuery(service: "nosuch"),
        LogQuery(level: "error", limit: 250),
        LogQuery(service: "search", level: "WARN", sinceMillis: base + 120_000, untilMillis: base + 240_000, limit: 10_000),
        LogQuery(text: "payment", service: "checkout", level: "info", sinceMillis: base + 60_000),
        LogQuery(sinceMillis: base + 200_000, untilMillis: base + 200_500, limit: 10_000),
        LogQuery(text: "cache miss", sinceMillis: base, untilMillis: base + 1),
    ]

    @Test func searchEqualsBruteForce() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let records = Self.events(6000)
        let store = try LogStore(dataDirectory: dir.path, configuration: LogStoreConfiguration(blockEvents: 256))
        // Inserted in uneven batches, so blocks of different sizes and time ranges exist.
        var at = 0, size = 1
        while at < records.count {
            try store.insert(Array(records[at ..< min(records.count, at + size)]))
            at += size
            size = size * 3 % 997 + 1
        }
        #expect(try store.count() == records.count)
        #expect(try store.blockCount() > 20)
        for query in Self.queries {
            #expect(try store.search(query).map(\.id) == Self.bruteForce(records, query), "query \(query)")
        }
        // And the same from a reader opened beside the writer.
        let reader = try LogStore(readingPath: dir.file("logs.db"))
        for query in Self.queries { #expect(try reader.search(query).map(\.id) == Self.bruteForce(records, query), "reader, query \(query)") }
    }

    @Test func pruning() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try LogStore(dataDirectory: dir.path, configuration: LogStoreConfiguration(blockEvents: 100))
        // 20 blocks, one service each, one minute each; a rare word only in block 3.
        for block in 0 ..< 20 {
            let records = (0 ..< 100).map { n in
                let word = block == 3 && n == 50 ? "zanzibar" : "common"
                return SpoolRecord(id: "b\(block)-\(n)", kind: 0, timestampMillis: Self.base + Int64(block * 60_000 + n),
                                   source: "file", body: Array(#"{"service":"svc\#(block % 4)","level":"info","message":"\#(word) event \#(n)"}"#.utf8))
            }
            try store.insert(records)
        }
        var stats = LogStore.SearchStats()
        #expect(try store.search(LogQuery(text: "zanzibar"), stats: &stats).map(\.id) == ["b3-50"])
        #expect(stats.blocksInRange == 20)
        #expect(stats.prunedByBloom >= 18, "\(stats)")
        #expect(stats.blocksRead <= 2)

        stats = LogStore.SearchStats()
        #expect(try store.search(LogQuery(service: "svc1", limit: 10), stats: &stats).count == 10)
        #expect(stats.blocksRead == 1, "\(stats)")  // the newest svc1 block holds 100 events
        #expect(stats.prunedByFields >= 1)

        stats = LogStore.SearchStats()
        let recent = try store.search(LogQuery(sinceMillis: Self.base + 18 * 60_000 + 90, limit: 10_000), stats: &stats)
        #expect(recent.count == 110)
        #expect(stats.blocksInRange == 2, "\(stats)")  // the time range is pruned by the index

        stats = LogStore.SearchStats()
        #expect(try store.search(LogQuery(text: "common", limit: 5), stats: &stats).count == 5)
        #expect(stats.blocksRead == 1 && stats.skippedByLimit >= 1, "\(stats)")
    }

    @Test func retentionAcrossBlocksAndReopen() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let records = Self.events(3000)
        let keepMillis: Int64 = 150_000
        let newest = records.map(\.timestampMillis).max()!
        let kept = records.filter { $0.timestampMillis >= newest + 1 - keepMillis }
        #expect(kept.count > 500 && kept.count < 2500)
        func segmentFiles() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: dir.file("logs.blocks")).filter { $0.hasSuffix(".seg") }.count
        }
        var before = 0
        do {
            // Small segments, so expired blocks free whole files.
            let store = try LogStore(dataDirectory: dir.path, configuration: LogStoreConfiguration(retentionSeconds: keepMillis / 1000, blockEvents: 200, segmentBytes: 16 << 10))
            for start in stride(from: 0, to: records.count, by: 450) { try store.insert(Array(records[start ..< min(records.count, start + 450)])) }
            before = try segmentFiles()
            let deleted = try store.enforceRetention(nowMillis: newest + 1)
            #expect(deleted == records.count - kept.count)
            #expect(try store.count() == kept.count)
            #expect(try store.enforceRetention(nowMillis: newest + 1) == 0)
            let after = try segmentFiles()
            #expect(after < before, "segments before \(before), after \(after)")
        }
        let reopened = try LogStore(dataDirectory: dir.path)
        #expect(try reopened.search(LogQuery(limit: 10_000)).map(\.id) == Self.bruteForce(kept, LogQuery(limit: 10_000)))
        #expect(try reopened.search(LogQuery(text: "timeout", limit: 10_000)).map(\.id) == Self.bruteForce(kept, LogQuery(text: "timeout", limit: 10_000)))
    }

    /// The sink's path with a crash between the store's commit and the spool's completion: the spool
    /// re-delivers the blocks, the reopened store takes none of their events twice.
    @Test(arguments: [false, true]) func redeliveryAfterCrash(_ crashBeforeCommit: Bool) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let records = Self.events(900)
        do {
            let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
            for start in stride(from: 0, to: 900, by: 100) {
                #expect(try spool.append(Array(records[start ..< start + 100]), checkpoint: nil) == .committed)
            }
            let store = try LogStore(dataDirectory: dir.path)
            for view in try spool.oldestBlockViews(limit: 100, maxBytes: 1 << 30) { #expect(try store.append(view, nowMillis: 0) == 100) }
            if !crashBeforeCommit {
                let flushed = try store.flush()
                #expect(flushed.stored == 900)
                #expect(flushed.spoolBlockIDs.count == 9)
            }
            // Crash: the spool blocks are never completed (and, in the first case, the store never committed).
        }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        let store = try LogStore(dataDirectory: dir.path)
        #expect(try store.count() == (crashBeforeCommit ? 0 : 900))
        let views = try spool.oldestBlockViews(limit: 100, maxBytes: 1 << 30)
        #expect(views.count == 9)
        for view in views { try store.append(view, nowMillis: 0) }
        let flushed = try store.flush()
        #expect(flushed.stored == (crashBeforeCommit ? 900 : 0))
        #expect(flushed.spoolBlockIDs == views.map(\.blockID))
        #expect(try spool.complete(blockIDs: flushed.spoolBlockIDs) == 9)
        #expect(try store.count() == 900)
        #expect(Set(try store.search(LogQuery(limit: 10_000)).map(\.id)) == Set(records.map(\.id)))
        // The same events through another path (not as the same spool block) are still recognised.
        #expect(try store.insert(Array(records.suffix(10))) == 0)
    }

    @Test func flushIfDueWaitsForTheIntervalOrAFullBlock() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        let store = try LogStore(dataDirectory: dir.path, configuration: LogStoreConfiguration(blockEvents: 250, flushIntervalMillis: 1000))
        _ = try spool.append(Array(Self.events(100)), checkpoint: nil)
        for view in try spool.oldestBlockViews(limit: 10, maxBytes: 1 << 30) { try store.append(view, nowMillis: 10_000) }
        #expect(try store.flushIfDue(nowMillis: 10_500) == nil)
        #expect(try store.count() == 0)
        #expect(try store.flushIfDue(nowMillis: 11_000)?.stored == 100)
        #expect(try store.count() == 100)
        // A block that fills is committed at once.
        _ = try spool.append(Array(Self.events(300, seed: 9).map { var r = $0; r.id = "x" + r.id; return r }), checkpoint: nil)
        let after = try spool.oldestBlockViews(limit: 10, maxBytes: 1 << 30).last!
        try store.append(after, nowMillis: 20_000)
        #expect(try store.flushIfDue(nowMillis: 20_000)?.stored == 300)
    }

    @Test func secondWriterIsRefused() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try LogStore(dataDirectory: dir.path)
        #expect(throws: LogStoreIOError.self) { try LogStore(dataDirectory: dir.path) }
        _ = store
    }
}
