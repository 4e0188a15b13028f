import Testing
import VigilCore
@testable import VigilStorage

@Suite struct SpoolTests {
    @Test func appendReadComplete() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let db = try VigilDatabase(dataDirectory: dir.path)
        let spool = try Spool(database: db, configuration: SpoolConfiguration())
        #expect(try spool.append(records(0 ..< 3), checkpoint: nil) == .committed)
        #expect(try spool.append(records(3 ..< 5), checkpoint: nil) == .committed)
        let blocks = try spool.oldestBlocks(limit: 10)
        #expect(blocks.count == 2)
        #expect(blocks[0].records == records(0 ..< 3))
        #expect(blocks[1].records == records(3 ..< 5))
        #expect(blocks[0].indices == [0, 1, 2])
        #expect(try spool.oldestBlocks(limit: 10, after: blocks[0].blockID).map(\.blockID) == [blocks[1].blockID])
        var stats = try spool.stats()
        #expect(stats.blocks == 2)
        #expect(stats.events == 5)
        #expect(stats.bytes == Int64(SpoolBlockCodec.encodedSize(records(0 ..< 3)) + SpoolBlockCodec.encodedSize(records(3 ..< 5))))
        #expect(stats.oldestTimestampMillis == 1_700_000_000_000)
        #expect(stats.oldestAppendedAtMillis != nil)
        #expect(try spool.complete(blockID: blocks[0].blockID))
        #expect(try !spool.complete(blockID: blocks[0].blockID))
        stats = try spool.stats()
        #expect(stats.blocks == 1)
        #expect(stats.events == 2)
        #expect(stats.oldestTimestampMillis == 1_700_000_000_003)
        try spool.complete(blockID: blocks[1].blockID)
        stats = try spool.stats()
        #expect(stats == SpoolStats(bytes: 0, events: 0, blocks: 0, oldestTimestampMillis: nil, oldestAppendedAtMillis: nil, droppedTotal: 0))
    }

    /// Block views come from a pool of buffers: a buffer goes back when its last holder lets go and is
    /// filled again by a later read, never while a view still holds it.
    @Test func blockViewBuffersAreReusedOnlyOnceReleased() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        for k in 0 ..< 6 { #expect(try spool.append(records(k * 10 ..< k * 10 + 10), checkpoint: nil) == .committed) }
        func bodies(_ view: SpoolBlockView) -> [[UInt8]] { view.entries.map { view.body($0) } }
        func expected(_ k: Int) -> [[UInt8]] { records(k * 10 ..< k * 10 + 10).map(\.body) }

        // Held views keep their bytes while later blocks are read into other buffers.
        var held: [SpoolBlockView] = []
        var after: Int64 = 0
        for _ in 0 ..< 3 {
            let view = try #require(try spool.oldestBlockViews(limit: 1, after: after, maxBytes: .max).first)
            after = view.blockID
            held.append(view)
        }
        for (k, view) in held.enumerated() { #expect(bodies(view) == expected(k)) }
        let firstBase = held[0].bytes.withUnsafeBytes { $0.baseAddress }
        held.removeAll()

        // Released buffers are filled again with the next blocks, whose contents read back exactly.
        var reused = false
        for k in 3 ..< 6 {
            let view = try #require(try spool.oldestBlockViews(limit: 1, after: after, maxBytes: .max).first)
            after = view.blockID
            if view.bytes.withUnsafeBytes({ $0.baseAddress }) == firstBase { reused = true }
            #expect(bodies(view) == expected(k))
        }
        #expect(reused)
    }

    /// Sources append their `Event`s directly; the block holds the same bytes as for equivalent records.
    @Test func eventsAppendLikeRecords() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        let input = records(0 ..< 4)
        let events = input.map { Event(id: $0.id, kind: EventKind(rawValue: $0.kind)!, timestampMillis: $0.timestampMillis, source: $0.source, body: $0.body) }
        #expect(SpoolBlockCodec.encode(events) == SpoolBlockCodec.encode(input))
        #expect(try spool.append(events, checkpoint: nil) == .committed)
        #expect(try spool.oldestBlocks(limit: 1).first?.records == input)
    }

    @Test func codecKeepsDocumentShapesAndReadsVersionOneBlocks() throws {
        let body = Array(#"{"service":"api","level":"info"}"#.utf8)
        let shape = body.withUnsafeBufferPointer { buffer in
            DocumentShape.make(body: buffer, members: JSONObjectScanner.scan(buffer)!.members[...], firstMember: 1, close: body.count - 1,
                               hasControlBytes: false)
        }
        #expect(shape.renameCount == 1 && shape.isStorable)
        let input = [
            SpoolRecord(id: "a", kind: 0, timestampMillis: 1, source: "file", body: body, shape: shape),
            SpoolRecord(id: "b", kind: 0, timestampMillis: 2, source: "file", body: body),
        ]
        let bytes = SpoolBlockCodec.encode(input)
        #expect(bytes[0] == 2)
        let decoded = try bytes.withUnsafeBytes { try SpoolBlockCodec.decode($0) }
        #expect(decoded.records == input)
        #expect(decoded.records[0].shape == shape)
        // What the shipper reads: the shape's bytes, decoded in place.
        let entries = try bytes.withUnsafeBytes { try SpoolBlockCodec.entries($0) }
        let view = SpoolBlockView(blockID: 1, appendedAtMillis: 0, bytes: SpoolBlockBuffer(copying: bytes), entries: entries)
        #expect(view.shape(entries[0]) == shape)
        #expect(view.shape(entries[1]) == nil)
        #expect(view.body(entries[1]) == body)

        // A block written before shapes existed (version 1: no shape length after the body).
        var old: [UInt8] = [1]
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { old.append(contentsOf: $0) } }
        for (id, time) in [("a", Int64(1)), ("b", 2)] {
            put(UInt8(0)); put(time)
            put(UInt32(id.utf8.count)); old.append(contentsOf: id.utf8)
            put(UInt32(4)); old.append(contentsOf: "file".utf8)
            put(UInt32(body.count)); old.append(contentsOf: body)
        }
        let legacy = try old.withUnsafeBytes { try SpoolBlockCodec.decode($0) }
        #expect(legacy.records == input.map { SpoolRecord(id: $0.id, kind: $0.kind, timestampMillis: $0.timestampMillis, source: $0.source, body: $0.body) })
        #expect(throws: SpoolBlockCodec.DecodeError.self) { _ = try [UInt8(3)].withUnsafeBytes { try SpoolBlockCodec.decode($0) } }
    }

    @Test func codecRoundTripsEdgeCases() throws {
        let input = [
            SpoolRecord(id: "", kind: 2, timestampMillis: -5, source: "", body: []),
            SpoolRecord(id: "é✓", kind: 1, timestampMillis: .max, source: "http", body: [0, 255, 10]),
        ]
        let bytes = SpoolBlockCodec.encode(input)
        let decoded = try bytes.withUnsafeBytes { try SpoolBlockCodec.decode($0) }
        #expect(decoded.records == input)
        // Every strict prefix of a block must fail to decode, never crash.
        for cut in 2 ..< bytes.count where cut != 1 + SpoolBlockCodec.recordOverhead {
            #expect(throws: SpoolBlockCodec.DecodeError.self) {
                _ = try Array(bytes[..<cut]).withUnsafeBytes { try SpoolBlockCodec.decode($0) }
            }
        }
    }

    @Test func checkpointCommitsWithEventsAndSurvivesAnUnclosedConnection() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // The first database connection is never closed: as after kill -9, only what was committed may
        // count. (The spool object itself goes away, releasing its folder lock as the kernel would.)
        let first = try VigilDatabase(dataDirectory: dir.path)
        _ = Unmanaged.passRetained(first)
        let checkpoint = FileCheckpoint(key: "2049:77:abcd", path: "/var/log/a.log", offset: 4096)
        do {
            let spool = try Spool(database: first, configuration: SpoolConfiguration())
            #expect(try spool.append(records(0 ..< 10), checkpoint: checkpoint) == .committed)
            // A second spool on the same folder is refused while the first is open.
            #expect(throws: SpoolIOError.self) { _ = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration()) }
        }
        // A batch that fails half-way (a NULL into a NOT NULL column) must leave neither events nor checkpoint.
        #expect(throws: SQLiteError.self) {
            try first.sqlite.transaction { conn in
                try conn.run("INSERT INTO file_checkpoints(key, path, offset, updated_at_ms) VALUES ('2049:77:abcd', '/var/log/a.log', 9999, 0) ON CONFLICT(key) DO UPDATE SET offset = excluded.offset")
                try conn.run("INSERT INTO spool_blocks(appended_at_ms, min_ts_ms, event_count, pending_count, bytes, data) VALUES (0, 0, 1, 1, 1, NULL)")
            }
        }

        let second = try VigilDatabase(dataDirectory: dir.path)
        let reopened = try Spool(database: second, configuration: SpoolConfiguration())
        #expect(try reopened.loadCheckpoints() == [checkpoint])
        #expect(try reopened.oldestBlocks(limit: 10).flatMap(\.records) == records(0 ..< 10))
        #expect(try reopened.stats().events == 10)

        // The checkpoint advances with the next batch, atomically.
        let next = FileCheckpoint(key: checkpoint.key, path: checkpoint.path, offset: 8192)
        #expect(try reopened.append(records(10 ..< 12), checkpoint: next) == .committed)
        #expect(try reopened.loadCheckpoints() == [next])
        #expect(try reopened.stats().events == 12)
        // The never-closed first connection sees the second one's commits.
        #expect(try first.sqlite.withConnection { try $0.scalarInt("SELECT events FROM spool_state") } == 12)
    }

    @Test func checkpointRemoveAndSaveAlone() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        try spool.saveCheckpoint(FileCheckpoint(key: "b", path: "/b", offset: 1))
        #expect(try spool.append([SpoolRecord](), checkpoint: FileCheckpoint(key: "a", path: "/a", offset: 2)) == .committed)
        #expect(try spool.loadCheckpoints() == [FileCheckpoint(key: "a", path: "/a", offset: 2), FileCheckpoint(key: "b", path: "/b", offset: 1)])
        try spool.removeCheckpoint(key: "a")
        #expect(try spool.loadCheckpoints().map(\.key) == ["b"])
        #expect(try spool.stats().blocks == 0)
    }

    @Test func whenFullBlockRefusesWithoutWriting() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let blockSize = Int64(SpoolBlockCodec.encodedSize(records(0 ..< 10)))
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path),
                              configuration: SpoolConfiguration(maxBytes: blockSize * 3, whenFull: .block))
        for n in 0 ..< 3 {
            #expect(try spool.append(records(n * 10 ..< n * 10 + 10), checkpoint: FileCheckpoint(key: "k", path: "/p", offset: Int64(n))) == .committed)
        }
        #expect(try spool.append(records(30 ..< 40), checkpoint: FileCheckpoint(key: "k", path: "/p", offset: 99),
                                 deadLetters: [DeadLetterInput(source: "file", position: "/p:5", reason: "invalid_json", raw: [1])]) == .full)
        // Nothing of the refused batch was written: not the events, not the checkpoint, not the dead letter.
        #expect(try spool.loadCheckpoints().map(\.offset) == [2])
        #expect(try spool.deadLetters.count() == 0)
        var stats = try spool.stats()
        #expect(stats.events == 30)
        #expect(stats.droppedTotal == 0)
        // After the shipper completes a block there is room again.
        try spool.complete(blockID: try spool.oldestBlocks(limit: 1)[0].blockID)
        #expect(try spool.append(records(30 ..< 40), checkpoint: FileCheckpoint(key: "k", path: "/p", offset: 99)) == .committed)
        stats = try spool.stats()
        #expect(stats.events == 30)
        #expect(stats.bytes == blockSize * 3)
        #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(10 ..< 40))
    }

    @Test func oversizedBatchIntoEmptySpoolIsAccepted() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration(maxBytes: 10, whenFull: .block))
        #expect(try spool.append(records(0 ..< 5), checkpoint: nil) == .committed)
        #expect(try spool.append(records(5 ..< 6), checkpoint: nil) == .full)
    }

    @Test func dropOldestCountsExactly() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let blockSize = Int64(SpoolBlockCodec.encodedSize(records(0 ..< 10)))
        let db = try VigilDatabase(dataDirectory: dir.path)
        let spool = try Spool(database: db, configuration: SpoolConfiguration(maxBytes: blockSize * 3, whenFull: .dropOldest))
        for n in 0 ..< 3 { #expect(try spool.append(records(n * 10 ..< n * 10 + 10), checkpoint: nil) == .committed) }
        // Deliver 4 of the oldest block's 10 events: only the 6 undelivered count as dropped.
        let oldest = try spool.oldestBlocks(limit: 1)[0]
        #expect(try spool.markDelivered(blockID: oldest.blockID, indices: [0, 1, 2, 3]) == 6)
        #expect(try spool.append(records(30 ..< 40), checkpoint: nil) == .committed)
        var stats = try spool.stats()
        #expect(stats.droppedTotal == 6)
        #expect(stats.events == 30)
        #expect(stats.blocks == 3)
        // A batch twice the block size drops two more whole blocks (20 events).
        let big = (40 ..< 60).map { record($0) }
        #expect(Int64(SpoolBlockCodec.encodedSize(big)) <= blockSize * 2)
        #expect(try spool.append(big, checkpoint: nil) == .committed)
        stats = try spool.stats()
        #expect(stats.droppedTotal == 26)
        #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(30 ..< 60))
        // The counter is persistent.
        let reopened = try VigilDatabase(dataDirectory: dir.path)
        #expect(try reopened.sqlite.withConnection { try $0.scalarInt("SELECT dropped_total FROM spool_state") } == 26)
    }

    @Test func markDeliveredResendsOnlyTheRest() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        try #require(try spool.append(records(0 ..< 5), checkpoint: nil) == .committed)
        let block = try spool.oldestBlocks(limit: 1)[0]
        #expect(try spool.markDelivered(blockID: block.blockID, indices: [1, 3, 3, 42]) == 3)
        let again = try spool.oldestBlocks(limit: 1)[0]
        #expect(again.indices == [0, 2, 4])
        #expect(again.records == [record(0), record(2), record(4)])
        #expect(try spool.stats().events == 3)
        #expect(try spool.markDelivered(blockID: block.blockID, indices: [0, 2, 4]) == 0)
        #expect(try spool.stats() == SpoolStats(bytes: 0, events: 0, blocks: 0, oldestTimestampMillis: nil, oldestAppendedAtMillis: nil, droppedTotal: 0))
    }

    @Test func deadLettersCommitWithTheBlock() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        let rejected = DeadLetterInput(source: "file", position: "/a.log:120", reason: "invalid_json", detail: "unexpected end", raw: Array("{\"a\":".utf8), timeMillis: 5)
        #expect(try spool.append(records(0 ..< 2), checkpoint: FileCheckpoint(key: "k", path: "/a.log", offset: 200), deadLetters: [rejected]) == .committed)
        let letters = try spool.deadLetters.list(limit: 10)
        #expect(letters.count == 1)
        #expect(letters.first?.reason == "invalid_json")
        #expect(letters.first?.detail == "unexpected end")
        #expect(letters.first?.raw == rejected.raw)
        #expect(letters.first?.timeMillis == 5)
    }
}
