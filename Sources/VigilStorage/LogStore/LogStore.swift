import Synchronization

/// Settings of the embedded log store (`sinks.local` in the YAML file).
public struct LogStoreConfiguration: Sendable, Equatable {
    /// Events older than this (by event time) are deleted by ``LogStore/enforceRetention(nowMillis:)``. Default 7 days.
    public var retentionSeconds: Int64
    /// Bound on the store's bytes (blocks plus index); the oldest blocks go first. Default 2 GiB.
    public var maxBytes: Int64
    public var synchronous: SQLiteSynchronous
    /// Events per block (a block is sealed at the first spool-block boundary past this). Default 8192.
    public var blockEvents: Int
    /// Longest time an appended event waits before ``LogStore/flushIfDue(nowMillis:)`` commits it. Default 1 s.
    public var flushIntervalMillis: Int64
    /// Size at which a new segment file is started. Default 64 MiB.
    public var segmentBytes: Int64
    /// ISA-L igzip level (0...3) for block parts. Default 1.
    public var compressionLevel: Int32

    public init(retentionSeconds: Int64 = 7 * 86_400, maxBytes: Int64 = 2 << 30, synchronous: SQLiteSynchronous = .normal,
                blockEvents: Int = 8192, flushIntervalMillis: Int64 = 1000, segmentBytes: Int64 = 64 << 20, compressionLevel: Int32 = 1) {
        self.retentionSeconds = retentionSeconds
        self.maxBytes = maxBytes
        self.synchronous = synchronous
        self.blockEvents = max(1, blockEvents)
        self.flushIntervalMillis = flushIntervalMillis
        self.segmentBytes = segmentBytes
        self.compressionLevel = compressionLevel
    }
}

/// What one ``LogStore/flush()`` committed.
public struct LogStoreFlush: Sendable, Equatable {
    /// Events newly stored.
    public var stored: Int
    /// Events skipped because their id was stored already (a re-delivered event).
    public var duplicates: Int
    /// Spool blocks whose every event is now committed (complete them in the spool).
    public var spoolBlockIDs: [Int64]
    /// Blocks written.
    public var blocks: Int

    public init(stored: Int = 0, duplicates: Int = 0, spoolBlockIDs: [Int64] = [], blocks: Int = 0) {
        self.stored = stored
        self.duplicates = duplicates
        self.spoolBlockIDs = spoolBlockIDs
        self.blocks = blocks
    }
}

/// The default sink when no Elasticsearch is configured: log events in compressed blocks with per-block
/// token bloom filters, searchable by `vigil logs search` and `GET /v1/logs/search`.
///
/// Design (after Loki's chunks and VictoriaLogs' blocks): events are appended to a block of about 8,192
/// events. Sealing a block writes three parts to an append-only segment file under `<data_dir>/logs.blocks/`:
/// a blocked bloom filter of every token of every body (6 bits in one 512-bit line per token, folded to the
/// block's distinct tokens), the event columns (timestamps, kinds, dictionary-coded service, level and
/// source, ids, body lengths) and the bodies, each gzip-compressed by ISA-L. A row per block in `logs.db`
/// (SQLite) holds its place, time range, event count and service and level sets: that row is the commit.
/// Nothing is indexed per event, so ingestion costs a tokenizing pass, a hash and six bit-sets per token and
/// the compression. A search reads the rows for its time range newest first, drops blocks whose
/// service/level sets or bloom lines (one 64-byte `pread` per word) rule them out, then decompresses the
/// columns, and the bodies only for text matches or hits, and stops as soon as no older block can hold a
/// newer hit than the `limit` it has.
///
/// Invariants:
/// - A block's bytes are on disk before its row commits; rows are the only truth (orphan bytes are ignored).
/// - Each flush commits its blocks' rows and the highest spool block id they complete in one transaction,
///   so a spool block re-delivered after a crash is skipped whole; an event whose id is among the last
///   ``recentIDCapacity`` stored is skipped too (a replay through another path).
/// - Search matches tokens exactly as ``LogTokenizer`` splits them, in the body or the decoded message;
///   the bloom filter has no false negatives, so pruning never loses a hit.
/// - Retention runs only when asked (``enforceRetention(nowMillis:)``): whole blocks past the age go, a
///   block straddling the cutoff is rewritten without its expired events, then the oldest blocks go until
///   the bytes are under `maxBytes`.
///
/// ```swift
/// let store = try LogStore(dataDirectory: dataDirectory)   // e.g. "/var/lib/vigil"
/// for view in try consumer.read(after: nil, limit: 8, maxBytes: 8 << 20).views { try store.append(view, nowMillis: now) }
/// let done = try store.flush()
/// try consumer.complete(done.spoolBlockIDs)   // a SpoolConsumer: the one way out of the spool
/// let hits = try store.search(LogQuery(text: "timeout", level: "error", limit: 20))
/// ```
public final class LogStore: Sendable {
    public let configuration: LogStoreConfiguration
    public let sqlite: SQLiteDatabase
    /// Where the segment files are.
    public let blockDirectory: String
    /// Holds nil when opened for reading only.
    let writer: Mutex<Writer?>
    static let schemaVersion: Int64 = 3
    /// How many recent event ids are remembered to skip re-deliveries that do not come as the same spool block.
    public static let recentIDCapacity = 1 << 17
    /// Bodies past this size seal a block early (bounds the builder's memory).
    static let maxBlockBodyBytes = 16 << 20

    /// The writer's state: the block being filled, blocks written but not yet committed, the ids window.
    struct Writer {
        var segments: SegmentFiles
        var builder = LogBlockBuilder()
        var pending: [PendingRow] = []
        var appliedSpoolBlock: Int64
        var pendingSpoolBlocks: [Int64] = []
        var recent: RecentIDs
        var bufferedSinceMillis: Int64?
        var pendingStored = 0
        var pendingDuplicates = 0
    }

    struct PendingRow {
        var segment: Int64
        var offset: Int64
        var info: LogBlock.Info
        /// Set when a rewritten block keeps the place of the one it replaces (ties in time sort by it).
        var seq: Int64? = nil
    }

    public convenience init(dataDirectory: String, configuration: LogStoreConfiguration = LogStoreConfiguration()) throws {
        try FileSystem.createDirectory(dataDirectory)
        try self.init(path: FileSystem.join(dataDirectory, "logs.db"), configuration: configuration)
    }

    /// The segment folder that belongs to the index at `path` (`logs.db` → `logs.blocks`).
    static func blockDirectory(for path: String) -> String {
        (path.hasSuffix(".db") ? String(path.dropLast(3)) : path) + ".blocks"
    }

    /// Opens (creating or migrating) the store whose index is at `path`, for writing.
    public init(path: String, configuration: LogStoreConfiguration = LogStoreConfiguration()) throws {
        self.configuration = configuration
        blockDirectory = Self.blockDirectory(for: path)
        var options = SQLiteOptions()
        options.synchronous = configuration.synchronous
        options.incrementalVacuum = true
        sqlite = try SQLiteDatabase(path: path, options: options)
        let version = try sqlite.withConnection { try $0.scalarInt("PRAGMA user_version") ?? 0 }
        if version > Self.schemaVersion {
            throw SQLiteError(code: 1, message: "\(path) has schema version \(version), newer than this build's \(Self.schemaVersion)")
        }
        let referenced = version == Self.schemaVersion
            ? try sqlite.withConnection { Set(try $0.query("SELECT DISTINCT segment FROM log_blocks") { $0.int64(0) }) }
            : []
        let segments = try SegmentFiles(.logStore, directory: blockDirectory, segmentBytes: configuration.segmentBytes,
                                       fsyncEachWrite: configuration.synchronous == .full, referenced: referenced)
        do {
            try sqlite.transaction { conn in
                if version < Self.schemaVersion {
                    try conn.execute(Self.schema)
                    try conn.execute("PRAGMA user_version = \(Self.schemaVersion)")
                }
            }
            let applied = try sqlite.withConnection { try $0.scalarInt("SELECT applied_spool_block FROM log_store_state WHERE id = 1") } ?? 0
            var writer = Writer(segments: segments, appliedSpoolBlock: applied, recent: RecentIDs(capacity: Self.recentIDCapacity))
            // Also when the version is current: a crash between the schema change and the move leaves the old table.
            try Self.migrateFTSStore(sqlite, writer: &writer, configuration: configuration)
            try Self.loadRecentIDs(sqlite, directory: blockDirectory, into: &writer.recent)
            self.writer = Mutex(writer)
        } catch {
            segments.closeAll()
            throw error
        }
    }

    /// Opens an existing store read-only (for `vigil logs search` beside a running agent).
    public init(readingPath path: String) throws {
        configuration = LogStoreConfiguration()
        blockDirectory = Self.blockDirectory(for: path)
        var options = SQLiteOptions()
        options.readOnly = true
        sqlite = try SQLiteDatabase(path: path, options: options)
        let version = try sqlite.withConnection { try $0.scalarInt("PRAGMA user_version") ?? 0 }
        guard version == Self.schemaVersion else {
            throw SQLiteError(code: 1, message: "\(path) has schema version \(version), this build reads \(Self.schemaVersion) (start the agent once to convert it)")
        }
        writer = Mutex(nil)
    }

    deinit {
        writer.withLock { $0?.segments.closeAll() }
    }

    private static let schema = """
    CREATE TABLE log_blocks(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        segment INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        bloom_lines INTEGER NOT NULL,
        meta_len INTEGER NOT NULL,
        raw_meta_len INTEGER NOT NULL,
        bodies_len INTEGER NOT NULL,
        raw_bodies_len INTEGER NOT NULL,
        count INTEGER NOT NULL,
        min_ts INTEGER NOT NULL,
        max_ts INTEGER NOT NULL,
        services TEXT NOT NULL,
        levels TEXT NOT NULL
    );
    CREATE INDEX log_blocks_max_ts ON log_blocks(max_ts);
    CREATE TABLE log_store_state(id INTEGER PRIMARY KEY CHECK (id = 1), applied_spool_block INTEGER NOT NULL);
    INSERT INTO log_store_state(id, applied_spool_block) VALUES (1, 0);
    """

    /// Separates the service and level names in an index row.
    static let listSeparator: Character = "\u{1F}"

    func withWriter<R>(_ body: (inout Writer) throws -> R) throws -> R {
        try writer.withLock { (w: inout Writer?) throws -> R in
            guard w != nil else { throw SQLiteError(code: 8, message: "the log store at \(sqlite.path) is open for reading only") }
            return try body(&w!)  // in place: no copy of the block being filled
        }
    }

    // MARK: Writing

    /// Adds the undelivered events of a spool block to the block being filled (not yet searchable or
    /// durable: ``flush()`` commits). A spool block already committed (id at or below the last one applied)
    /// or already appended is skipped. Returns the number of events taken.
    @discardableResult
    public func append(_ view: SpoolBlockView, nowMillis: Int64) throws -> Int {
        try withWriter { w in
            guard w.pendingSpoolBlocks.last.map({ view.blockID > $0 }) ?? true else { return 0 }  // appended already
            if w.bufferedSinceMillis == nil { w.bufferedSinceMillis = nowMillis }
            guard view.blockID > w.appliedSpoolBlock else {
                // Committed before (the spool's completion was lost in a crash): nothing to store, but the
                // next flush hands it back for completion.
                w.pendingSpoolBlocks.append(view.blockID)
                w.pendingDuplicates += view.entries.count
                return 0
            }
            let taken = try view.bytes.withUnsafeBufferPointer { bytes throws -> Int in
                var taken = 0
                for entry in view.entries {
                    let id = UnsafeBufferPointer(rebasing: bytes[entry.id])
                    if try Self.add(id: id, kind: entry.kind, ts: entry.timestampMillis, source: UnsafeBufferPointer(rebasing: bytes[entry.source]),
                                    body: UnsafeBufferPointer(rebasing: bytes[entry.body]), to: &w, configuration: configuration) {
                        taken += 1
                    }
                }
                return taken
            }
            w.pendingSpoolBlocks.append(view.blockID)
            try Self.sealIfLarge(&w, configuration: configuration)
            return taken
        }
    }

    /// Adds one event; false when its id is among the recent ones (a duplicate).
    private static func add(id: UnsafeBufferPointer<UInt8>, kind: UInt8, ts: Int64, source: UnsafeBufferPointer<UInt8>,
                            body: UnsafeBufferPointer<UInt8>, to w: inout Writer, configuration: LogStoreConfiguration) throws -> Bool {
        guard w.recent.insert(RecentIDs.hash(id)) else {
            w.pendingDuplicates += 1
            return false
        }
        if !w.builder.add(id: id, kind: kind, timestampMillis: ts, source: source, body: body) {
            // A dictionary is full: this block is done, the event starts the next one.
            try seal(&w, configuration: configuration)
            let added = w.builder.add(id: id, kind: kind, timestampMillis: ts, source: source, body: body)
            precondition(added, "an event does not fit an empty block")
        }
        w.pendingStored += 1
        return true
    }

    private static func sealIfLarge(_ w: inout Writer, configuration: LogStoreConfiguration) throws {
        if w.builder.count >= configuration.blockEvents || w.builder.bodyBytes >= maxBlockBodyBytes {
            try seal(&w, configuration: configuration)
        }
    }

    /// Encodes the block being filled and writes it to the active segment (its row commits at the next flush).
    private static func seal(_ w: inout Writer, configuration: LogStoreConfiguration) throws {
        guard w.builder.count > 0 else { return }
        let block = w.builder.seal(compressionLevel: configuration.compressionLevel)
        let (segment, offset) = try w.segments.append(block.bytes)
        w.pending.append(PendingRow(segment: segment, offset: offset, info: block.info))
    }

    /// Drops everything appended but not committed (after a failed write or flush) and reloads the recent-id
    /// window from the committed blocks; the caller re-reads the spool from its oldest block.
    public func rewind() throws {
        try withWriter { w in
            w.builder = LogBlockBuilder()
            w.pending.removeAll()
            w.pendingSpoolBlocks.removeAll()
            w.pendingStored = 0
            w.pendingDuplicates = 0
            w.bufferedSinceMillis = nil
            w.recent = RecentIDs(capacity: Self.recentIDCapacity)
            try Self.loadRecentIDs(sqlite, directory: blockDirectory, into: &w.recent)
        }
    }

    /// Events appended and not yet committed.
    public var bufferedEvents: Int {
        writer.withLock { $0?.pendingStored ?? 0 }
    }

    /// Commits when a block is sealed or the oldest appended event has waited `flushIntervalMillis`; nil when
    /// nothing was due.
    public func flushIfDue(nowMillis: Int64) throws -> LogStoreFlush? {
        let due = try withWriter { w -> Bool in
            guard !w.pendingSpoolBlocks.isEmpty || w.builder.count > 0 || !w.pending.isEmpty else { return false }
            return !w.pending.isEmpty || nowMillis - (w.bufferedSinceMillis ?? nowMillis) >= configuration.flushIntervalMillis
        }
        return due ? try flush() : nil
    }

    /// Seals the block being filled and commits every written block, with the spool watermark, in one
    /// transaction. On failure nothing is lost: the blocks stay pending and the next flush retries.
    @discardableResult
    public func flush() throws -> LogStoreFlush {
        try withWriter { w in
            try Self.seal(&w, configuration: configuration)
            let rows = w.pending
            let applied = max(w.appliedSpoolBlock, w.pendingSpoolBlocks.max() ?? 0)
            try sqlite.transaction { conn in
                try Self.insertRows(rows, conn)
                if applied != w.appliedSpoolBlock {
                    try conn.run("UPDATE log_store_state SET applied_spool_block = ? WHERE id = 1", [.integer(applied)])
                }
            }
            let result = LogStoreFlush(stored: w.pendingStored, duplicates: w.pendingDuplicates, spoolBlockIDs: w.pendingSpoolBlocks, blocks: rows.count)
            w.pending.removeAll()
            w.appliedSpoolBlock = applied
            w.pendingSpoolBlocks.removeAll()
            w.pendingStored = 0
            w.pendingDuplicates = 0
            w.bufferedSinceMillis = nil
            return result
        }
    }

    static func insertRows(_ rows: [PendingRow], _ conn: SQLiteConnection) throws {
        guard !rows.isEmpty else { return }
        let statement = try conn.statement("""
            INSERT INTO log_blocks(segment, offset, bloom_lines, meta_len, raw_meta_len, bodies_len, raw_bodies_len, count, min_ts, max_ts, services, levels, seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in rows {
            defer { statement.reset() }
            let info = row.info
            try statement.bind([.integer(row.segment), .integer(row.offset), .integer(Int64(info.bloomLines)), .integer(Int64(info.metaLength)),
                                .integer(Int64(info.rawMetaLength)), .integer(Int64(info.bodiesLength)), .integer(Int64(info.rawBodiesLength)),
                                .integer(Int64(info.count)), .integer(info.minTs), .integer(info.maxTs),
                                .text(info.services.joined(separator: String(listSeparator))),
                                .text(info.levels.joined(separator: String(listSeparator))),
                                row.seq.map { .integer($0) } ?? .null])
            _ = try statement.step()
        }
    }

    /// Stores records directly (tests, migration, benchmarks): appends them and flushes. Returns how many
    /// were new; records whose id was stored recently are skipped.
    @discardableResult
    public func insert(_ records: [SpoolRecord]) throws -> Int {
        guard !records.isEmpty else { return 0 }
        try withWriter { w in
            for record in records {
                var id = record.id, source = record.source
                try id.withUTF8 { id in
                    try source.withUTF8 { source in
                        try record.body.withUnsafeBufferPointer { body in
                            _ = try Self.add(id: id, kind: record.kind, ts: record.timestampMillis, source: source, body: body,
                                             to: &w, configuration: configuration)
                        }
                    }
                }
                if w.builder.count >= configuration.blockEvents { try Self.seal(&w, configuration: configuration) }
            }
        }
        return try flush().stored
    }

    // MARK: Reading the index

    /// One block's index row.
    struct BlockRow {
        var seq: Int64
        var segment: Int64
        var offset: Int64
        var info: LogBlock.Info
    }

    static let rowColumns = "seq, segment, offset, bloom_lines, meta_len, raw_meta_len, bodies_len, raw_bodies_len, count, min_ts, max_ts, services, levels"

    static func blockRow(_ s: SQLiteStatement) -> BlockRow {
        func list(_ text: String) -> [String] { text.isEmpty ? [] : text.split(separator: listSeparator, omittingEmptySubsequences: false).map(String.init) }
        return BlockRow(seq: s.int64(0), segment: s.int64(1), offset: s.int64(2),
                        info: LogBlock.Info(count: s.int(8), minTs: s.int64(9), maxTs: s.int64(10), bloomLines: s.int(3),
                                            metaLength: s.int(4), rawMetaLength: s.int(5), bodiesLength: s.int(6), rawBodiesLength: s.int(7),
                                            services: list(s.text(11)), levels: list(s.text(12))))
    }

    func readMeta(_ row: BlockRow, _ reader: SegmentReader) throws -> LogBlock.Meta {
        let packed = try reader.read(segment: row.segment, offset: row.offset + Int64(row.info.bloomBytes), count: row.info.metaLength)
        return try LogBlock.decodeMeta(packed, info: row.info)
    }

    func readBodies(_ row: BlockRow, _ reader: SegmentReader) throws -> [UInt8] {
        let packed = try reader.read(segment: row.segment, offset: row.offset + Int64(row.info.bloomBytes + row.info.metaLength),
                                     count: row.info.bodiesLength)
        return try LogBlock.decodeBodies(packed, info: row.info)
    }

    /// Fills the recent-id window from the newest blocks (so a restart still skips re-delivered events).
    private static func loadRecentIDs(_ sqlite: SQLiteDatabase, directory: String, into recent: inout RecentIDs) throws {
        let rows = try sqlite.withConnection { conn in
            try conn.query("SELECT \(rowColumns) FROM log_blocks ORDER BY seq DESC LIMIT 4096", [], blockRow)
        }
        var chosen: [BlockRow] = []
        var total = 0
        for row in rows where total < recent.capacity {
            chosen.append(row)
            total += row.info.count
        }
        let reader = SegmentReader(.logStore, directory: directory)
        for row in chosen.reversed() {
            let packed = try reader.read(segment: row.segment, offset: row.offset + Int64(row.info.bloomBytes), count: row.info.metaLength)
            let meta = try LogBlock.decodeMeta(packed, info: row.info)
            meta.idBytes.withUnsafeBufferPointer { ids in
                for i in 0 ..< meta.count { _ = recent.insert(RecentIDs.hash(UnsafeBufferPointer(rebasing: ids[meta.idRange(i)]))) }
            }
        }
    }

    /// Stored (committed) events.
    public func count() throws -> Int {
        Int(try sqlite.withConnection { try $0.scalarInt("SELECT coalesce(sum(count), 0) FROM log_blocks") } ?? 0)
    }

    /// Blocks in the index.
    public func blockCount() throws -> Int {
        Int(try sqlite.withConnection { try $0.scalarInt("SELECT count(*) FROM log_blocks") } ?? 0)
    }

    /// Bytes of the committed blocks (bloom filters and compressed parts).
    public func blockBytes() throws -> Int64 {
        try sqlite.withConnection { try $0.scalarInt("SELECT coalesce(sum(bloom_lines * 64 + meta_len + bodies_len), 0) FROM log_blocks") } ?? 0
    }

    /// Bytes the store holds: its blocks plus the used pages of the index database (the WAL is not counted).
    public func usedBytes() throws -> Int64 {
        let index = try sqlite.withConnection { conn in
            let pages = try conn.scalarInt("PRAGMA page_count") ?? 0
            let free = try conn.scalarInt("PRAGMA freelist_count") ?? 0
            let size = try conn.scalarInt("PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
        return try blockBytes() + index
    }

    /// The id of the last spool block whose events are committed (0 when none).
    public func appliedSpoolBlock() throws -> Int64 {
        try sqlite.withConnection { try $0.scalarInt("SELECT applied_spool_block FROM log_store_state WHERE id = 1") } ?? 0
    }
}
