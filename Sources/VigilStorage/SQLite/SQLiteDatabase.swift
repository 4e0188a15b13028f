import CSQLite
import Synchronization

/// How hard SQLite works to make a commit durable (`PRAGMA synchronous`).
///
/// In WAL mode:
/// - `.normal` syncs the WAL only at checkpoints. A committed transaction is in the WAL file (in the
///   operating system's page cache) when `COMMIT` returns, so it survives the *process* dying at any
///   point, including `kill -9`. A power loss or kernel crash can lose the last few transactions
///   (never corrupt the database). This is Vigil's default: "safe against process crashes".
/// - `.full` also fsyncs the WAL at every commit: durable against power loss, at the cost of one
///   fsync per transaction.
/// - `.off` never syncs: fastest, and only safe against process crashes while the OS stays up.
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    case off = "OFF"
    case normal = "NORMAL"
    case full = "FULL"
}

/// A value read from or bound to SQLite.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A failed SQLite call, with the result code, SQLite's message and the statement that failed.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, ...).
    public var code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, ...).
    public var extendedCode: Int32
    public var message: String
    /// The SQL text, when the failure belongs to a statement.
    public var sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// True for `SQLITE_BUSY` and `SQLITE_LOCKED`: another connection holds the lock; retrying may work.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (SQL: \(sql))" }
        return text
    }
}

/// Options for opening a database file.
public struct SQLiteOptions: Sendable {
    /// Open read-only (the file must exist).
    public var readOnly: Bool = false
    /// WAL journal mode (ignored when read-only).
    public var walMode: Bool = true
    public var synchronous: SQLiteSynchronous = .normal
    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    public var busyTimeoutMillis: Int32 = 10_000
    /// Page size for a new database file (ignored for an existing one). Large pages suit the spool's blobs.
    public var pageSize: Int? = nil
    /// `PRAGMA auto_vacuum = INCREMENTAL` for a new database file, so deleted space can be returned to the OS.
    public var incrementalVacuum: Bool = false
    /// `PRAGMA secure_delete`; nil keeps the library's default (Debian builds it ON, which rewrites every
    /// freed page with zeros: for a spool, whose rows are deleted as fast as they are written, that
    /// doubles the writes).
    public var secureDelete: Bool? = nil
    /// `PRAGMA mmap_size`: reads through a memory map instead of `read()` copies; nil keeps the default (0).
    public var mmapSize: Int? = nil
    /// Prepared statements kept per connection.
    public var statementCacheSize: Int = 64

    public init() {}
}

/// A thread-safe handle on one SQLite connection.
///
/// Every call takes a `Mutex` around the connection, so the class is `Sendable` and calls from many
/// threads are serialised. Calls block (disk I/O, lock waits up to the busy timeout): async callers
/// should run them off the cooperative thread pool (a dedicated thread or a blocking-I/O pool).
///
/// ```swift
/// let db = try SQLiteDatabase(path: directory + "/x.db")
/// try db.execute("CREATE TABLE IF NOT EXISTS t(a INTEGER)")
/// try db.transaction { conn in try conn.run("INSERT INTO t(a) VALUES (?)", [.integer(1)]) }
/// ```
public final class SQLiteDatabase: Sendable {
    /// The file this connection opened.
    public let path: String
    /// Guards `connection`. The connection is a non-Sendable class handed to caller closures, which
    /// region checking cannot follow through `Mutex<SQLiteConnection>`; every access goes through `lock`.
    private let lock = Mutex<Void>(())
    nonisolated(unsafe) private let connection: SQLiteConnection

    public init(path: String, options: SQLiteOptions = SQLiteOptions()) throws {
        self.path = path
        self.connection = try SQLiteConnection(path: path, options: options)
    }

    /// Runs `body` with exclusive use of the connection (no transaction is opened).
    @discardableResult
    public func withConnection<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        try lock.withLock { _ throws -> R in try body(connection) }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`; rolls back when `body` throws.
    ///
    /// `BEGIN IMMEDIATE` takes the write lock at the start, so a transaction never fails half-way with
    /// `SQLITE_BUSY` on its first write.
    @discardableResult
    public func transaction<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        try withConnection { conn in try conn.transaction { try body(conn) } }
    }

    /// Executes one or more SQL statements without results.
    public func execute(_ sql: String) throws {
        try withConnection { try $0.execute(sql) }
    }
}

/// One open SQLite connection with a prepared-statement cache. Not thread-safe: reach it through
/// ``SQLiteDatabase/withConnection(_:)`` or ``SQLiteDatabase/transaction(_:)``.
public final class SQLiteConnection {
    let handle: OpaquePointer
    private var cache: [String: SQLiteStatement] = [:]
    private let cacheLimit: Int

    init(path: String, options: SQLiteOptions) throws {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX
        flags |= options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        sqlite3_extended_result_codes(db, 1)
        self.handle = db
        self.cacheLimit = max(1, options.statementCacheSize)
        sqlite3_busy_timeout(db, options.busyTimeoutMillis)
        if !options.readOnly {
            if let pageSize = options.pageSize { try execute("PRAGMA page_size = \(pageSize)") }
            if options.incrementalVacuum { try execute("PRAGMA auto_vacuum = INCREMENTAL") }
            if options.walMode { try execute("PRAGMA journal_mode = WAL") }
        }
        try execute("PRAGMA synchronous = \(options.synchronous.rawValue)")
        if let mmapSize = options.mmapSize { try execute("PRAGMA mmap_size = \(mmapSize)") }
        if let secureDelete = options.secureDelete { try execute("PRAGMA secure_delete = \(secureDelete ? "ON" : "OFF")") }
    }

    deinit {
        for statement in cache.values { statement.finalize() }
        cache.removeAll()
        // close_v2: should a statement still be alive somewhere, the handle closes when it is finalized.
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(handle),
                    message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Executes one or more statements that return no rows (DDL, PRAGMA, …).
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A prepared statement from the cache (reset, bindings cleared), prepared on first use.
    public func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc, sql: sql) }
        let statement = SQLiteStatement(handle: raw, connection: handle, sql: sql)
        if cache.count >= cacheLimit {
            // A workload with more distinct statements than the limit is unusual; start over rather
            // than track recency. Statements a caller still holds stay valid: each finalizes itself
            // when its last reference goes.
            cache.removeAll(keepingCapacity: true)
        }
        cache[sql] = statement
        return statement
    }

    /// Runs a statement to completion, ignoring any rows. Returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return changes
    }

    /// Runs a query and maps each row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// Runs a query and maps its first row, if any.
    public func queryFirst<T>(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> T? {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        return try statement.step() ? row(statement) : nil
    }

    /// Reads a single integer (`SELECT count(*) …`, `PRAGMA page_count`); nil when there is no row or it is NULL.
    public func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int64? {
        try queryFirst(sql, values) { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True when no transaction is open.
    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Runs `body` in `BEGIN IMMEDIATE` … `COMMIT`, or in a savepoint when a transaction is already open.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        if !isAutocommit {
            try execute("SAVEPOINT vigil_nested")
            do {
                let result = try body()
                try execute("RELEASE vigil_nested")
                return result
            } catch {
                try? execute("ROLLBACK TO vigil_nested; RELEASE vigil_nested")
                throw error
            }
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
    }
}

/// The destructor value that tells SQLite to copy bound bytes (`SQLITE_TRANSIENT`, a macro Swift cannot import).
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Indices of parameters start at 1, of columns at 0 (as in SQLite's C API).
public final class SQLiteStatement {
    let handle: OpaquePointer
    private let connection: OpaquePointer
    public let sql: String
    private var finalized = false

    init(handle: OpaquePointer, connection: OpaquePointer, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { finalize() }

    func finalize() {
        guard !finalized else { return }
        finalized = true
        sqlite3_finalize(handle)
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(connection),
                              message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
    }

    /// Resets the statement and clears its bindings (keeps it prepared).
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let v): try bind(v, at: index)
        case .real(let v): try bind(v, at: index)
        case .text(let v): try bind(v, at: index)
        case .blob(let v): try bind(blob: v, at: index)
        }
    }

    public func bindNull(at index: Int32) throws { try check(sqlite3_bind_null(handle, index)) }
    public func bind(_ value: Int64, at index: Int32) throws { try check(sqlite3_bind_int64(handle, index, value)) }
    public func bind(_ value: Int, at index: Int32) throws { try bind(Int64(value), at: index) }
    public func bind(_ value: Double, at index: Int32) throws { try check(sqlite3_bind_double(handle, index, value)) }

    public func bind(_ value: String, at index: Int32) throws {
        var value = value
        try value.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                try check(sqlite3_bind_text(handle, index, "", 0, sqliteTransient))
                return
            }
            try check(sqlite3_bind_text64(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                          sqlite3_uint64(utf8.count), sqliteTransient, UInt8(SQLITE_UTF8)))
        }
    }

    /// Binds UTF-8 bytes as TEXT (copied), without building a String.
    public func bind(utf8: [UInt8], at index: Int32) throws {
        try utf8.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                try check(sqlite3_bind_text(handle, index, "", 0, sqliteTransient))
                return
            }
            try check(sqlite3_bind_text64(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                          sqlite3_uint64(buffer.count), sqliteTransient, UInt8(SQLITE_UTF8)))
        }
    }

    public func bind(_ value: String?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds bytes as a BLOB (copied). An empty array binds an empty blob, not NULL.
    public func bind(blob: [UInt8], at index: Int32) throws {
        try blob.withUnsafeBytes { try bind(blob: $0, at: index) }
    }

    /// Binds bytes without copying them (`SQLITE_STATIC`): `bytes` must stay valid and unchanged until
    /// the statement is stepped to completion and reset, so bind, step and reset inside `body`.
    public func withBorrowedBlob<R>(_ bytes: [UInt8], at index: Int32, _ body: () throws -> R) throws -> R {
        try bytes.withUnsafeBytes { buffer in
            if buffer.isEmpty || buffer.baseAddress == nil {
                try check(sqlite3_bind_zeroblob(handle, index, 0))
            } else {
                try check(sqlite3_bind_blob64(handle, index, buffer.baseAddress, sqlite3_uint64(buffer.count), nil))
            }
            defer { reset() }
            return try body()
        }
    }

    public func bind(blob: UnsafeRawBufferPointer, at index: Int32) throws {
        if blob.isEmpty || blob.baseAddress == nil {
            try check(sqlite3_bind_zeroblob(handle, index, 0))
        } else {
            try check(sqlite3_bind_blob64(handle, index, blob.baseAddress, sqlite3_uint64(blob.count), sqliteTransient))
        }
    }

    /// Advances to the next row: true when a row is available, false when the statement is done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(code: rc, extendedCode: sqlite3_extended_errcode(connection),
                                    message: String(cString: sqlite3_errmsg(connection)), sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    public var columnCount: Int32 { sqlite3_column_count(handle) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    public func blob(_ column: Int32) -> [UInt8] {
        withBlob(column) { [UInt8]($0) }
    }

    /// Reads a BLOB column without copying; the buffer is valid only inside `body`.
    public func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: count == 0 ? nil : pointer, count: count))
    }

    public func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(text(column))
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .null
        }
    }
}
