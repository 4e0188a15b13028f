import VigilCore
import Synchronization

/// The durable spool between the sources and the sinks: blocks of events in `vigil.db`.
///
/// Invariants:
/// - One row per appended batch (a *block*); a block's events, the file checkpoint that covers them and
///   any dead letters of the same batch commit in one transaction, so after a crash the checkpoint never
///   runs ahead of (or behind) the events it acknowledges.
/// - `spool_state` holds the running totals (bytes, undelivered events, blocks, dropped) and is updated
///   in the same transaction as every change to `spool_blocks`.
/// - The bound is on encoded block bytes. An append into an empty spool is always accepted, so one batch
///   larger than `maxBytes` cannot wedge the pipeline.
/// - Block ids only grow (`AUTOINCREMENT`), so a shipper can page with ``oldestBlocks(limit:after:)``.
/// - A block's bytes live in a segment file under `<data_dir>/spool/` (see `SpoolSegments`), written
///   before the row that points at them commits. One `Spool` per data directory per process.
///
/// All methods block on SQLite; call them off the cooperative thread pool.
///
/// ```swift
/// let spool = try Spool(database: db, configuration: SpoolConfiguration(maxBytes: 1 << 30, whenFull: .block))
/// // Events enter through the one writer and leave through a consumer per sink:
/// let writer = SpoolWriter(spool: spool, registry: registry)
/// _ = try writer.append(records, source: "file", checkpoint: FileCheckpoint(key: "2049:1234:ab12", path: "/var/log/a.log", offset: 4096))
/// let consumer = SpoolConsumer(spool: spool, sink: "local", registry: registry, logger: logger)
/// let read = try consumer.read(after: nil, limit: 4, maxBytes: 8 << 20)
/// try consumer.complete(read.views.map(\.blockID))
/// ```
public final class Spool: Sendable {
    public let configuration: SpoolConfiguration
    public let database: VigilDatabase
    /// Where ``append(_:checkpoint:deadLetters:)`` puts rejected lines.
    public let deadLetters: DeadLetterStore
    /// Segment files; every spool operation takes this lock first, then the database's.
    private let segments: Mutex<SpoolSegments>
    /// Buffers for blocks read by ``oldestBlockViews(limit:after:maxBytes:maxEvents:)``, reused once freed.
    private let readBuffers = SpoolBufferPool()
    /// Encoding buffers kept between appends (one per concurrent appender).
    private let scratchBuffers = Mutex<[ScratchBuffer]>([])

    private func takeScratch() -> ScratchBuffer { scratchBuffers.withLock { $0.popLast() } ?? ScratchBuffer() }
    private func returnScratch(_ buffer: ScratchBuffer) {
        // Keep at most two, and none that one huge batch made huge.
        guard buffer.capacity <= 8 << 20 else { return }
        scratchBuffers.withLock { if $0.count < 2 { $0.append(buffer) } }
    }

    public init(database: VigilDatabase, configuration: SpoolConfiguration, deadLetters: DeadLetterStore? = nil) throws {
        self.database = database
        self.configuration = configuration
        self.deadLetters = try deadLetters ?? DeadLetterStore(database: database)
        try database.sqlite.execute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        let referenced = try database.sqlite.withConnection { conn in
            Set(try conn.query("SELECT DISTINCT segment FROM spool_blocks WHERE segment IS NOT NULL") { $0.int64(0) })
        }
        segments = Mutex(try SpoolSegments(directory: FileSystem.join(database.directory, "spool"),
                                           segmentBytes: configuration.segmentBytes,
                                           fsyncEachWrite: configuration.synchronous == .full, referenced: referenced))
    }

    deinit {
        segments.withLock { $0.closeAll() }
    }

    /// Appends a batch as one block and advances `checkpoint`, in one transaction. Internal: everything
    /// outside this module appends through ``SpoolWriter``, the one way into the spool.
    @_specialize(where R == Event)
    @_specialize(where R == SpoolRecord)
    func append<R: SpoolEncodable>(_ records: [R], checkpoint: FileCheckpoint?) throws -> SpoolAppendResult {
        try append(records, checkpoint: checkpoint, deadLetters: [])
    }

    /// Appends a batch as one block, advances `checkpoint` and stores `deadLetters` (lines of the same
    /// read that were rejected), all in one transaction. Under `when_full: block` a full spool writes
    /// nothing and returns ``SpoolAppendResult/full``.
    @_specialize(where R == Event)
    @_specialize(where R == SpoolRecord)
    func append<R: SpoolEncodable>(_ records: [R], checkpoint: FileCheckpoint?, deadLetters rejected: [DeadLetterInput]) throws -> SpoolAppendResult {
        // Encode outside the lock (it is the only per-event work), into a buffer kept for the next append:
        // a fresh megabyte per block would come and go through the allocator hundreds of times a second.
        let scratch = records.isEmpty ? nil : takeScratch()
        defer { if let scratch { returnScratch(scratch) } }
        let data: UnsafeRawBufferPointer? = scratch.map { scratch in
            let size = SpoolBlockCodec.encodedSize(records)
            let base = scratch.reserve(size)
            SpoolBlockCodec.encode(records, size: size, into: base)
            return UnsafeRawBufferPointer(start: base, count: size)
        }
        let minTimestamp = records.lazy.map(\.timestampMillis).min() ?? 0
        let deadLetterStore = deadLetters
        let configuration = configuration
        let database = database
        return try segments.withLock { segments throws -> SpoolAppendResult in
            var written: (offset: Int64, size: Int64)?
            var released: Set<Int64> = []
            let result = try database.sqlite.transaction { conn -> SpoolAppendResult in
                if let data {
                    let size = Int64(data.count)
                    let state = try Self.readState(conn)
                    if state.blocks > 0 && state.bytes + size > configuration.maxBytes {
                        switch configuration.whenFull {
                        case .block:
                            return .full
                        case .dropOldest:
                            released = try Self.dropOldest(conn, toFit: size, state: state, maxBytes: configuration.maxBytes)
                        }
                    }
                    let place = try segments.reserve(size)
                    try segments.write(data, at: place.offset)
                    try conn.run("""
                        INSERT INTO spool_blocks(appended_at_ms, min_ts_ms, event_count, pending_count, bytes, delivered, data, segment, segment_offset)
                        VALUES (\(VigilDatabase.nowMillisSQL), ?, ?, ?, ?, NULL, zeroblob(0), ?, ?)
                        """, [.integer(minTimestamp), .integer(Int64(records.count)), .integer(Int64(records.count)), .integer(size),
                              .integer(place.segment), .integer(place.offset)])
                    try conn.run("UPDATE spool_state SET bytes = bytes + ?, events = events + ?, blocks = blocks + 1 WHERE id = 1",
                                 [.integer(size), .integer(Int64(records.count))])
                    written = (place.offset, size)
                }
                if let checkpoint { try Self.upsert(checkpoint, conn) }
                if !rejected.isEmpty { try deadLetterStore.insert(rejected, conn) }
                return .committed
            }
            // Only now is the write committed: a failed transaction leaves the offset for the next block.
            if let written { segments.committed(offset: written.offset, size: written.size) }
            try Self.releaseEmpty(released, segments: &segments, database: database)
            return result
        }
    }

    /// Deletes the segments in `candidates` that no row refers to any more.
    private static func releaseEmpty(_ candidates: Set<Int64>, segments: inout SpoolSegments, database: VigilDatabase) throws {
        guard !candidates.isEmpty else { return }
        let stillUsed = try database.sqlite.withConnection { conn in
            try candidates.filter { try conn.scalarInt("SELECT 1 FROM spool_blocks WHERE segment = ? LIMIT 1", [.integer($0)]) != nil }
        }
        for segment in candidates where !stillUsed.contains(segment) { segments.release(segment) }
    }

    struct State {
        var bytes: Int64
        var events: Int64
        var blocks: Int64
        var droppedTotal: Int64
    }

    static func readState(_ conn: SQLiteConnection) throws -> State {
        try conn.queryFirst("SELECT bytes, events, blocks, dropped_total FROM spool_state WHERE id = 1") {
            State(bytes: $0.int64(0), events: $0.int64(1), blocks: $0.int64(2), droppedTotal: $0.int64(3))
        } ?? State(bytes: 0, events: 0, blocks: 0, droppedTotal: 0)
    }

    /// Deletes oldest blocks until `size` more bytes fit (or the spool is empty); counts their undelivered
    /// events. Returns the segments the deleted blocks were in.
    private static func dropOldest(_ conn: SQLiteConnection, toFit size: Int64, state: State, maxBytes: Int64) throws -> Set<Int64> {
        var bytes = state.bytes
        var blocks = state.blocks
        var droppedBytes: Int64 = 0
        var droppedEvents: Int64 = 0
        var droppedBlocks: Int64 = 0
        var lastID: Int64 = 0
        var touched: Set<Int64> = []
        outer: while blocks > 0 && bytes + size > maxBytes {
            let candidates = try conn.query("SELECT id, bytes, pending_count, segment FROM spool_blocks WHERE id > ? ORDER BY id LIMIT 64", [.integer(lastID)]) {
                (id: $0.int64(0), bytes: $0.int64(1), pending: $0.int64(2), segment: $0.optionalInt64(3))
            }
            if candidates.isEmpty { break }
            for candidate in candidates {
                if bytes + size <= maxBytes { break outer }
                lastID = candidate.id
                bytes -= candidate.bytes
                blocks -= 1
                droppedBytes += candidate.bytes
                droppedEvents += candidate.pending
                droppedBlocks += 1
                if let segment = candidate.segment { touched.insert(segment) }
            }
        }
        guard droppedBlocks > 0 else { return touched }
        try conn.run("DELETE FROM spool_blocks WHERE id <= ?", [.integer(lastID)])
        try conn.run("""
            UPDATE spool_state SET bytes = bytes - ?, events = events - ?, blocks = blocks - ?, dropped_total = dropped_total + ?
            WHERE id = 1
            """, [.integer(droppedBytes), .integer(droppedEvents), .integer(droppedBlocks), .integer(droppedEvents)])
        return touched
    }

    private static func upsert(_ checkpoint: FileCheckpoint, _ conn: SQLiteConnection) throws {
        try conn.run("""
            INSERT INTO file_checkpoints(key, path, offset, updated_at_ms) VALUES (?, ?, ?, \(VigilDatabase.nowMillisSQL))
            ON CONFLICT(key) DO UPDATE SET path = excluded.path, offset = excluded.offset, updated_at_ms = excluded.updated_at_ms
            """, [.text(checkpoint.key), .text(checkpoint.path), .integer(checkpoint.offset)])
    }

    /// Every stored file checkpoint, ordered by key.
    public func loadCheckpoints() throws -> [FileCheckpoint] {
        try database.sqlite.withConnection { conn in
            try conn.query("SELECT key, path, offset FROM file_checkpoints ORDER BY key") {
                FileCheckpoint(key: $0.text(0), path: $0.text(1), offset: $0.int64(2))
            }
        }
    }

    /// Stores a checkpoint on its own (a read that produced no events, e.g. only blank lines).
    public func saveCheckpoint(_ checkpoint: FileCheckpoint) throws {
        try database.sqlite.transaction { try Self.upsert(checkpoint, $0) }
    }

    /// Forgets a file's checkpoint (the file is gone for good).
    public func removeCheckpoint(key: String) throws {
        try database.sqlite.transaction { try $0.run("DELETE FROM file_checkpoints WHERE key = ?", [.text(key)]) }
    }

    /// The oldest blocks (after block id `after`, when given), with their undelivered records.
    func oldestBlocks(limit: Int, after: Int64? = nil) throws -> [SpoolBlock] {
        try readBlocks(limit: limit, after: after, maxBytes: nil, maxEvents: .max).map { block in
            let bytes = try block.data.get()
            let decoded = try Self.decoding(block) {
                try bytes.withUnsafeBytes { buffer in try SpoolBlockCodec.decode(buffer, skip: { block.delivered?.contains($0) ?? false }) }
            }
            return SpoolBlock(blockID: block.id, records: decoded.records, indices: decoded.indices, appendedAtMillis: block.appendedAtMillis)
        }
    }

    /// Like ``oldestBlocks(limit:after:)`` but without copying records out of the blocks, and stopping once
    /// the blocks read hold `maxBytes` bytes or `maxEvents` undelivered events (at least one block is
    /// returned when there is one).
    func oldestBlockViews(limit: Int, after: Int64? = nil, maxBytes: Int, maxEvents: Int = .max) throws -> [SpoolBlockView] {
        try readBlocks(limit: limit, after: after, maxBytes: maxBytes, maxEvents: maxEvents).map { block in
            let bytes = try block.data.get()
            let entries = try Self.decoding(block) {
                try bytes.withUnsafeBytes { buffer in try SpoolBlockCodec.entries(buffer, skip: { block.delivered?.contains($0) ?? false }) }
            }
            return SpoolBlockView(blockID: block.id, appendedAtMillis: block.appendedAtMillis, bytes: bytes, entries: entries)
        }
    }

    private static func decoding<T>(_ block: CheckedBlock, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SpoolBlockCodec.DecodeError {
            throw SpoolCorruptBlockError(blockID: block.id, reason: error.reason, events: block.raw.pending)
        }
    }

    /// Takes a block that cannot be read out of the way, so it cannot wedge a sink: one dead letter (reason
    /// `corrupt_spool_block`, with the error and how many events it held) and the block's removal, in one
    /// transaction. Returns the number of events lost with it.
    @discardableResult
    func discardCorruptBlock(_ error: SpoolCorruptBlockError, sink: String) throws -> Int64 {
        let database = database, deadLetters = deadLetters
        return try segments.withLock { segments throws -> Int64 in
            var touched: Set<Int64> = []
            let lost = try database.sqlite.transaction { conn -> Int64 in
                guard let segment = try Self.remove(error.blockID, conn) else { return 0 }
                if let segment { touched.insert(segment) }
                try deadLetters.insert([DeadLetterInput(
                    source: sink, position: "spool-block:\(error.blockID)", reason: "corrupt_spool_block",
                    detail: "\(error.events) events lost: \(error.reason)", raw: [])], conn)
                return error.events
            }
            try Self.releaseEmpty(touched, segments: &segments, database: database)
            return lost
        }
    }

    /// Reads blocks' bytes under the locks; decoding happens outside them, so appends do not wait for it.
    /// A block that cannot be read or decoded throws ``SpoolCorruptBlockError`` when it is mapped.
    private func readBlocks(limit: Int, after: Int64?, maxBytes: Int?, maxEvents: Int) throws -> [CheckedBlock] {
        let database = database, readBuffers = readBuffers
        let raw = try segments.withLock { segments throws -> [RawBlock] in
            try database.sqlite.withConnection { conn in
                var total = 0
                var events = 0
                var blocks: [RawBlock] = []
                let rows = try conn.query("""
                    SELECT id, appended_at_ms, delivered, segment, segment_offset, bytes, pending_count FROM spool_blocks
                    WHERE id > ? ORDER BY id LIMIT ?
                    """, [.integer(after ?? 0), .integer(Int64(max(0, limit)))]) { row in
                    (id: row.int64(0), appended: row.int64(1), delivered: row.isNull(2) ? nil : DeliveredBitmap(bytes: row.blob(2)),
                     segment: row.optionalInt64(3), offset: row.int64(4), size: row.int(5), pending: row.int(6))
                }
                for row in rows {
                    if !blocks.isEmpty, total + row.size > maxBytes ?? .max || events >= maxEvents { break }
                    total += row.size
                    events += row.pending
                    let data: Result<SpoolBlockBuffer, SpoolIOError>
                    if let segment = row.segment {
                        do { data = .success(try segments.read(segment: segment, offset: row.offset, length: row.size, pool: readBuffers)) }
                        catch let error as SpoolIOError { data = .failure(error) }
                    } else {
                        // Rows written before segment files kept the block inline.
                        data = .success(SpoolBlockBuffer(copying: try conn.queryFirst("SELECT data FROM spool_blocks WHERE id = ?", [.integer(row.id)]) { $0.blob(0) } ?? []))
                    }
                    blocks.append(RawBlock(id: row.id, appendedAtMillis: row.appended, delivered: row.delivered, data: data, pending: Int64(row.pending)))
                }
                return blocks
            }
        }
        return raw.map { CheckedBlock(raw: $0) }
    }

    /// A block read from storage whose failures become ``SpoolCorruptBlockError`` naming it.
    private struct CheckedBlock {
        var raw: RawBlock
        var id: Int64 { raw.id }
        var appendedAtMillis: Int64 { raw.appendedAtMillis }
        var delivered: DeliveredBitmap? { raw.delivered }
        var data: CheckedData { CheckedData(id: raw.id, result: raw.data, pending: raw.pending) }
    }

    private struct CheckedData {
        var id: Int64
        var result: Result<SpoolBlockBuffer, SpoolIOError>
        var pending: Int64
        func get() throws -> SpoolBlockBuffer {
            do { return try result.get() } catch { throw SpoolCorruptBlockError(blockID: id, reason: error.description, events: pending) }
        }
    }

    private struct RawBlock: Sendable {
        var id: Int64
        var appendedAtMillis: Int64
        var delivered: DeliveredBitmap?
        var data: Result<SpoolBlockBuffer, SpoolIOError>
        var pending: Int64 = 0
    }

    /// Removes a block that is fully delivered or dead-lettered. Returns false when it was already gone
    /// (completed before, or dropped by `drop_oldest`).
    @discardableResult
    func complete(blockID: Int64) throws -> Bool {
        try complete(blockIDs: [blockID]) == 1
    }

    /// Removes several blocks in one transaction; returns how many existed.
    @discardableResult
    func complete(blockIDs: [Int64]) throws -> Int {
        let database = database
        return try segments.withLock { segments throws -> Int in
            var touched: Set<Int64> = []
            let removed = try database.sqlite.transaction { conn in
                var removed = 0
                for blockID in blockIDs {
                    guard let segment = try Self.remove(blockID, conn) else { continue }
                    removed += 1
                    if let segment { touched.insert(segment) }
                }
                return removed
            }
            try Self.releaseEmpty(touched, segments: &segments, database: database)
            return removed
        }
    }

    /// Deletes a block's row; nil when it did not exist, else the segment it was in (nil inside for inline rows).
    private static func remove(_ blockID: Int64, _ conn: SQLiteConnection) throws -> Int64?? {
        guard let row = try conn.queryFirst("SELECT bytes, pending_count, segment FROM spool_blocks WHERE id = ?", [.integer(blockID)], {
            (bytes: $0.int64(0), pending: $0.int64(1), segment: $0.optionalInt64(2))
        }) else { return nil }
        try conn.run("DELETE FROM spool_blocks WHERE id = ?", [.integer(blockID)])
        try conn.run("UPDATE spool_state SET bytes = bytes - ?, events = events - ?, blocks = blocks - 1 WHERE id = 1",
                     [.integer(row.bytes), .integer(row.pending)])
        return .some(row.segment)
    }

    /// Records that some records of a block are delivered (their positions in the block as appended,
    /// see ``SpoolBlock/indices``), so a resend carries only the rest. A block with nothing left is
    /// removed. Returns the number of records still undelivered (0 when the block is gone).
    @discardableResult
    func markDelivered(blockID: Int64, indices: [Int]) throws -> Int {
        let database = database
        return try segments.withLock { segments throws -> Int in
            var touched: Set<Int64> = []
            let left = try database.sqlite.transaction { conn -> Int in
                guard let row = try conn.queryFirst("SELECT event_count, pending_count, delivered FROM spool_blocks WHERE id = ?", [.integer(blockID)], {
                    (count: $0.int(0), pending: $0.int64(1), delivered: $0.isNull(2) ? nil : $0.blob(2))
                }) else { return 0 }
                var bitmap = row.delivered.map { DeliveredBitmap(bytes: $0) } ?? DeliveredBitmap(count: row.count)
                var newlyDelivered: Int64 = 0
                for index in indices where index >= 0 && index < row.count && bitmap.insert(index) { newlyDelivered += 1 }
                let pending = row.pending - newlyDelivered
                if pending <= 0 {
                    if case .some(.some(let segment)) = try Self.remove(blockID, conn) { touched.insert(segment) }
                    return 0
                }
                guard newlyDelivered > 0 else { return Int(pending) }
                try conn.run("UPDATE spool_blocks SET pending_count = ?, delivered = ? WHERE id = ?",
                             [.integer(pending), .blob(bitmap.bytes), .integer(blockID)])
                try conn.run("UPDATE spool_state SET events = events - ? WHERE id = 1", [.integer(newlyDelivered)])
                return Int(pending)
            }
            try Self.releaseEmpty(touched, segments: &segments, database: database)
            return left
        }
    }

    /// Current totals.
    public func stats() throws -> SpoolStats {
        try database.sqlite.withConnection { conn in
            let state = try Self.readState(conn)
            let oldest = try conn.queryFirst("SELECT min_ts_ms, appended_at_ms FROM spool_blocks ORDER BY id LIMIT 1") {
                (timestamp: $0.int64(0), appended: $0.int64(1))
            }
            return SpoolStats(bytes: state.bytes, events: state.events, blocks: state.blocks,
                              oldestTimestampMillis: oldest?.timestamp, oldestAppendedAtMillis: oldest?.appended,
                              droppedTotal: state.droppedTotal)
        }
    }
}

/// A growable raw buffer that one appender owns at a time (see `Spool.append`).
final class ScratchBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var capacity = 0

    /// At least `size` bytes; the contents are not kept when it grows.
    func reserve(_ size: Int) -> UnsafeMutableRawPointer {
        if size > capacity || base == nil {
            base?.deallocate()
            capacity = max(size, 4096)
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
        return base!
    }

    deinit { base?.deallocate() }
}
