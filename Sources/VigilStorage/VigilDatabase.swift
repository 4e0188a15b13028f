/// The agent's state database, `<data_dir>/vigil.db` (WAL): spool, file checkpoints, dead letters,
/// pending predictions, state snapshots and the audit log.
///
/// Invariants:
/// - The schema version is `PRAGMA user_version`; migrations run in order inside one transaction at open.
/// - One connection per process, shared by every store built on it (``Spool``, ``DeadLetterStore``, …).
///
/// ```swift
/// let db = try VigilDatabase(dataDirectory: dataDirectory)   // e.g. "/var/lib/vigil"
/// let spool = try Spool(database: db, configuration: SpoolConfiguration())
/// ```
public final class VigilDatabase: Sendable {
    /// The underlying connection (for the stores in this module and for tests).
    public let sqlite: SQLiteDatabase
    public var path: String { sqlite.path }
    /// The folder holding `vigil.db` (and the spool's segment files).
    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The newest schema version this build knows.
    public static let schemaVersion: Int64 = 3

    /// Opens (creating when needed) `<dataDirectory>/vigil.db`. The directory is created if missing.
    public convenience init(dataDirectory: String, synchronous: SQLiteSynchronous = .normal) throws {
        try FileSystem.createDirectory(dataDirectory)
        try self.init(path: FileSystem.join(dataDirectory, "vigil.db"), synchronous: synchronous)
    }

    /// Opens (creating when needed) the database at `path`.
    public init(path: String, synchronous: SQLiteSynchronous = .normal) throws {
        var options = SQLiteOptions()
        options.synchronous = synchronous
        // 16 KiB pages: spool blocks are large blobs; bigger pages mean shorter overflow chains.
        options.pageSize = 16_384
        // Spooled events are already redacted, and zeroing every freed block page would double the
        // spool's writes.
        options.secureDelete = false
        options.mmapSize = 256 << 20
        sqlite = try SQLiteDatabase(path: path, options: options)
        try migrate()
    }

    private func migrate() throws {
        try sqlite.transaction { conn in
            let version = try conn.scalarInt("PRAGMA user_version") ?? 0
            guard version < Self.schemaVersion else {
                if version > Self.schemaVersion {
                    throw SQLiteError(code: 1, message: "vigil.db has schema version \(version), newer than this build's \(Self.schemaVersion)")
                }
                return
            }
            if version < 1 { try conn.execute(Self.schemaV1) }
            if version < 2 { try conn.execute(Self.schemaV2) }
            if version < 3 { try conn.execute(Self.schemaV3) }
            try conn.execute("PRAGMA user_version = \(Self.schemaVersion)")
        }
    }

    /// Milliseconds since the Unix epoch from SQLite's clock, for rows whose caller passes no time.
    static let nowMillisSQL = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"

    /// v3: fleet mode's outbox to the shared label join (``SharedJoinOutbox``): predictions to record and labels to
    /// join in PostgreSQL, kept here from acceptance until the shared store has them.
    private static let schemaV3 = """
    CREATE TABLE shared_join_outbox(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind INTEGER NOT NULL,
        payload BLOB NOT NULL,
        queued_at_ms INTEGER NOT NULL,
        retry_at_ms INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    """

    /// v2: block bytes live in segment files (`spool/`); the row keeps where. Rows with a NULL segment
    /// carry their bytes inline in `data` (v1 rows).
    private static let schemaV2 = """
    ALTER TABLE spool_blocks ADD COLUMN segment INTEGER;
    ALTER TABLE spool_blocks ADD COLUMN segment_offset INTEGER;
    CREATE INDEX spool_blocks_segment ON spool_blocks(segment);
    """

    private static let schemaV1 = """
    CREATE TABLE spool_blocks(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        appended_at_ms INTEGER NOT NULL,
        min_ts_ms INTEGER NOT NULL,
        event_count INTEGER NOT NULL,
        pending_count INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        delivered BLOB,
        data BLOB NOT NULL
    );
    CREATE TABLE spool_state(
        id INTEGER PRIMARY KEY CHECK (id = 1),
        bytes INTEGER NOT NULL,
        events INTEGER NOT NULL,
        blocks INTEGER NOT NULL,
        dropped_total INTEGER NOT NULL
    );
    INSERT INTO spool_state(id, bytes, events, blocks, dropped_total) VALUES (1, 0, 0, 0, 0);
    CREATE TABLE file_checkpoints(
        key TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        offset INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE dead_letters(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time_ms INTEGER NOT NULL,
        source TEXT NOT NULL,
        position TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT,
        status INTEGER,
        raw BLOB NOT NULL,
        raw_length INTEGER NOT NULL,
        bytes INTEGER NOT NULL
    );
    CREATE INDEX dead_letters_reason ON dead_letters(reason, id);
    CREATE TABLE dead_letter_state(
        id INTEGER PRIMARY KEY CHECK (id = 1),
        bytes INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        added_total INTEGER NOT NULL,
        evicted_total INTEGER NOT NULL
    );
    INSERT INTO dead_letter_state(id, bytes, rows, added_total, evicted_total) VALUES (1, 0, 0, 0, 0);
    CREATE TABLE pending_predictions(
        request_id TEXT NOT NULL,
        model TEXT NOT NULL,
        payload BLOB,
        expires_at_ms INTEGER NOT NULL,
        joined INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (request_id, model)
    ) WITHOUT ROWID;
    CREATE INDEX pending_predictions_expiry ON pending_predictions(expires_at_ms);
    CREATE TABLE state_snapshots(
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        updated_at_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE audit_log(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        reason TEXT NOT NULL,
        evidence TEXT NOT NULL
    );
    CREATE INDEX audit_log_subject ON audit_log(subject, id);
    """
}
