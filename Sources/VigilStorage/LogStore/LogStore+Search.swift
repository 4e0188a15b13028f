#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LogStore {
    /// What a search did (for benchmarks and tests of pruning).
    public struct SearchStats: Sendable, Equatable {
        /// Blocks whose index row fell in the time range.
        public var blocksInRange = 0
        /// Blocks dropped by their service or level set.
        public var prunedByFields = 0
        /// Blocks dropped by their bloom filter.
        public var prunedByBloom = 0
        /// Blocks whose columns were decompressed.
        public var blocksRead = 0
        /// Blocks whose bodies were decompressed.
        public var bodiesRead = 0
        /// Blocks not looked at because no older block could hold a newer hit.
        public var skippedByLimit = 0

        public init() {}
    }

    /// Matching events, newest first (ties: the later stored first).
    public func search(_ query: LogQuery) throws -> [LogHit] {
        try search(query, stats: nil)
    }

    /// ``search(_:)`` that also reports how many blocks it pruned and read.
    public func search(_ query: LogQuery, stats: UnsafeMutablePointer<SearchStats>?) throws -> [LogHit] {
        var local = SearchStats()
        defer { stats?.pointee = local }
        guard query.limit > 0 else { return [] }
        let terms = query.text.map(LogQuery.terms) ?? []
        let bloomHashes = terms.filter { !$0.prefix }.map { LogTokenizer.hash($0.token) }
        let level = query.level.map { String(decoding: $0.utf8.map(LogTokenizer.lowercase), as: UTF8.self) }
        // A name holding the separator cannot be checked against the row's list: do not prune on it.
        let prunableService = query.service.flatMap { $0.contains(Self.listSeparator) ? nil : $0 }
        let since = query.sinceMillis ?? .min, until = query.untilMillis ?? .max

        let reader = SegmentReader(.logStore, directory: blockDirectory)
        var top = TopHits(limit: query.limit)
        let statement = "SELECT \(Self.rowColumns) FROM log_blocks WHERE max_ts >= ? AND min_ts < ? ORDER BY max_ts DESC, seq DESC"
        // Rows are read in pages so a search stopped early by its limit does not load every row.
        var lastKey: (Int64, Int64)?
        let page = 256
        var done = false
        while !done {
            let rows = try sqlite.withConnection { conn -> [BlockRow] in
                if let (maxTs, seq) = lastKey {
                    return try conn.query("SELECT \(Self.rowColumns) FROM log_blocks WHERE max_ts >= ? AND min_ts < ? AND (max_ts < ? OR (max_ts = ? AND seq < ?)) ORDER BY max_ts DESC, seq DESC LIMIT ?",
                                          [.integer(since), .integer(until), .integer(maxTs), .integer(maxTs), .integer(seq), .integer(Int64(page))], Self.blockRow)
                }
                return try conn.query(statement + " LIMIT ?", [.integer(since), .integer(until), .integer(Int64(page))], Self.blockRow)
            }
            if rows.count < page { done = true }
            for row in rows {
                lastKey = (row.info.maxTs, row.seq)
                local.blocksInRange += 1
                if let worst = top.worst, top.isFull, row.info.maxTs < worst.timestampMillis {
                    local.skippedByLimit += 1
                    done = true
                    continue
                }
                if let service = prunableService, !row.info.services.contains(service) { local.prunedByFields += 1; continue }
                if let level, !row.info.levels.contains(level) { local.prunedByFields += 1; continue }
                if !bloomHashes.isEmpty, try !bloomMayContain(row, bloomHashes, reader) { local.prunedByBloom += 1; continue }
                let meta: LogBlock.Meta
                let bodies: [UInt8]?
                do {
                    meta = try readMeta(row, reader)
                    bodies = terms.isEmpty ? nil : try readBodies(row, reader)
                } catch let error as LogStoreIOError where error.errno == ENOENTCode {
                    continue  // retention removed the segment since the rows were read
                }
                local.blocksRead += 1
                if bodies != nil { local.bodiesRead += 1 }
                try scan(row, meta, bodies, query: query, level: level, terms: terms, since: since, until: until, reader: reader, top: &top, stats: &local)
            }
        }
        return top.sorted()
    }

    /// Whether the block's filter may hold every one of `hashes` (one 64-byte line read per hash).
    private func bloomMayContain(_ row: BlockRow, _ hashes: [UInt64], _ reader: SegmentReader) throws -> Bool {
        var line = [UInt64](repeating: 0, count: TokenBloomFilter.wordsPerLine)
        for hash in hashes {
            let index = TokenBloomFilter.line(hash, lines: row.info.bloomLines)
            try line.withUnsafeMutableBytes { buffer in
                try reader.read(segment: row.segment, offset: row.offset + Int64(index * 64), into: buffer.baseAddress!, count: 64)
            }
            for k in line.indices { line[k] = UInt64(littleEndian: line[k]) }
            if !line.withUnsafeBufferPointer({ TokenBloomFilter.lineMayContain($0, hash) }) { return false }
        }
        return true
    }

    private func scan(_ row: BlockRow, _ meta: LogBlock.Meta, _ textBodies: [UInt8]?, query: LogQuery, level: String?, terms: [LogQuery.Term],
                      since: Int64, until: Int64, reader: SegmentReader, top: inout TopHits, stats: inout SearchStats) throws {
        var serviceCode: UInt8?
        if let service = query.service {
            guard let index = meta.services.firstIndex(of: service) else { return }
            serviceCode = UInt8(index + 1)
        }
        var levelCode: UInt8?
        if let level {
            guard let index = meta.levels.firstIndex(of: level) else { return }
            levelCode = UInt8(index + 1)
        }
        var bodies = textBodies
        // Text searches look at an event's tokens only when its body holds the longest term as bytes.
        let candidates = textBodies.flatMap { Self.candidates($0, meta, terms) }
        for i in stride(from: meta.count - 1, through: 0, by: -1) {
            if let candidates, !candidates[i] { continue }
            let ts = meta.timestamps[i]
            guard ts >= since, ts < until else { continue }
            if let serviceCode, meta.serviceCodes[i] != serviceCode { continue }
            if let levelCode, meta.levelCodes[i] != levelCode { continue }
            let key = TopHits.Key(timestampMillis: ts, seq: row.seq, position: i)
            guard top.wouldKeep(key) else { continue }
            if bodies == nil {
                bodies = try readBodies(row, reader)
                stats.bodiesRead += 1
            }
            let range = meta.bodyRange(i)
            let matched = bodies!.withUnsafeBufferPointer { all in
                terms.isEmpty || Self.matches(UnsafeBufferPointer(rebasing: all[range]), terms)
            }
            guard matched else { continue }
            let body = Array(bodies![range])
            let message = LogFields.extract(from: body).message
            top.insert(key, LogHit(id: meta.id(i), timestampMillis: ts, kind: meta.kinds[i], source: meta.source(i),
                                   service: meta.service(i), level: meta.level(i), message: message,
                                   body: String(decoding: body, as: UTF8.self)))
        }
    }

    /// The events of a block that may match `terms`: those whose body contains the longest term's bytes
    /// (ASCII case-insensitively), found with `memchr` over the whole block, and every event whose body has a
    /// backslash (a term may then occur only in the decoded message). Nil when there is no term.
    static func candidates(_ bodies: [UInt8], _ meta: LogBlock.Meta, _ terms: [LogQuery.Term]) -> [Bool]? {
        guard let longest = terms.max(by: { $0.token.count < $1.token.count })?.token, let first = longest.first else { return nil }
        var marks = [Bool](repeating: false, count: meta.count)
        bodies.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            func mark(_ offset: Int) {
                // The event holding byte `offset`: the first whose end is past it.
                var low = 0, high = meta.bodyEnds.count
                while low < high {
                    let mid = (low + high) / 2
                    if meta.bodyEnds[mid] <= offset { low = mid + 1 } else { high = mid }
                }
                if low < marks.count { marks[low] = true }
            }
            var seeds: [UInt8] = [first, UInt8(ascii: "\\")]
            if (0x61 ... 0x7A).contains(first) { seeds.append(first - 0x20) }
            for seed in seeds {
                var at = 0
                while at < all.count, let hit = memchr(base + at, Int32(seed), all.count - at) {
                    let offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    at = offset + 1
                    if seed == UInt8(ascii: "\\") { mark(offset); continue }
                    guard offset + longest.count <= all.count else { break }
                    var equal = true
                    for k in 1 ..< longest.count where LogTokenizer.lowercase(all[offset + k]) != longest[k] { equal = false; break }
                    if equal { mark(offset) }
                }
            }
        }
        return marks
    }

    /// Whether every term occurs among the tokens of `body`, or of its decoded message when the body has escapes.
    static func matches(_ body: UnsafeBufferPointer<UInt8>, _ terms: [LogQuery.Term]) -> Bool {
        guard terms.count <= 64 else { return terms.allSatisfy { matches(body, [$0]) } }
        let all: UInt64 = terms.count == 64 ? .max : (1 << UInt64(terms.count)) - 1
        var found = markTokens(body, terms, found: 0)
        if found != all, body.contains(UInt8(ascii: "\\")), let message = LogFields.extract(from: Array(body)).message {
            found = Array(message.utf8).withUnsafeBufferPointer { markTokens($0, terms, found: found) }
        }
        return found == all
    }

    /// Sets bit k of `found` for each term k found among the tokens of `bytes`. A plain loop (no closure over
    /// mutable state): this runs for every event of every block a text search reads.
    private static func markTokens(_ bytes: UnsafeBufferPointer<UInt8>, _ terms: [LogQuery.Term], found initial: UInt64) -> UInt64 {
        var found = initial
        let table = LogTokenizer.tokenTable
        let n = bytes.count
        var i = 0
        while i < n {
            while i < n && !table[Int(bytes[i])] { i += 1 }
            let start = i
            while i < n && table[Int(bytes[i])] { i += 1 }
            guard i > start else { break }
            for k in 0 ..< terms.count where found & (1 << UInt64(k)) == 0 {
                if LogTokenizer.matches(bytes, start, i, terms[k].token, prefix: terms[k].prefix) { found |= 1 << UInt64(k) }
            }
        }
        return found
    }
}

let ENOENTCode: Int32 = 2

/// The best `limit` hits so far, newest first.
struct TopHits {
    struct Key: Comparable {
        var timestampMillis: Int64
        var seq: Int64
        var position: Int

        /// Newer first; among equal times the later stored first.
        static func < (a: Key, b: Key) -> Bool {
            (a.timestampMillis, a.seq, a.position) > (b.timestampMillis, b.seq, b.position)
        }
    }

    let limit: Int
    private var items: [(Key, LogHit)] = []

    init(limit: Int) { self.limit = limit }

    var isFull: Bool { items.count >= limit }
    var worst: Key? { items.last?.0 }

    func wouldKeep(_ key: Key) -> Bool {
        guard isFull, let worst else { return true }
        return key < worst
    }

    mutating func insert(_ key: Key, _ hit: LogHit) {
        guard wouldKeep(key) else { return }
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].0 < key { low = mid + 1 } else { high = mid }
        }
        items.insert((key, hit), at: low)
        if items.count > limit { items.removeLast() }
    }

    func sorted() -> [LogHit] { items.map(\.1) }
}
