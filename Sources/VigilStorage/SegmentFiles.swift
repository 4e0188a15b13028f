#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
/// glibc's `fallocate(2)` wrapper, which the Glibc module does not export (it needs `_GNU_SOURCE`).
@_silgen_name("fallocate")
private func linuxFallocate(_ fd: Int32, _ mode: Int32, _ offset: Int64, _ length: Int64) -> Int32
#endif

/// A failed file operation on segment files (the spool's or the log store's).
public struct SegmentIOError: Error, Sendable, CustomStringConvertible {
    /// Whose files: "spool segment" or "log store".
    public var store: String
    public var operation: String
    public var path: String
    public var errno: Int32

    public var description: String {
        "\(store) \(operation) failed for \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The spool's segment errors (``SegmentIOError`` with `store` "spool segment").
public typealias SpoolIOError = SegmentIOError
/// The log store's segment errors (``SegmentIOError`` with `store` "log store").
public typealias LogStoreIOError = SegmentIOError

/// Append-only files that hold blocks beside a SQLite index: the spool's (`<data_dir>/spool/<id>.blocks`)
/// and the embedded log store's (`<data_dir>/logs.blocks/<id>.seg`).
///
/// Why files beside SQLite: a block stored as a BLOB is copied into SQLite's pages, written to the WAL, read
/// back and written again at each checkpoint, and overwritten when freed. Written to a segment with one
/// `pwrite`, its bytes cross into the kernel once; SQLite keeps only the row that says where they are. The
/// bytes are written before the row commits, so a committed row always points at complete bytes (after a
/// process crash: they are in the page cache; after a power loss: only with `fsyncEachWrite`, which
/// fdatasyncs the segment before the commit). Bytes whose row never committed are garbage that the next
/// append overwrites, or that a new segment leaves behind; a segment no row refers to is deleted.
///
/// One writer per folder, held by an exclusive `flock` on `LOCK`: a second writer would delete the first
/// one's fresh segment as an orphan. Readers (``SegmentReader``) share nothing with it but the files.
/// Not thread-safe: the owner guards it with its lock.
struct SegmentFiles {
    /// What the files are and how they are named.
    struct Kind: Sendable {
        /// For errors: "spool segment", "log store".
        var store: String
        /// File name ending, with the dot.
        var suffix: String
        /// The smallest segment size accepted.
        var minimumSegmentBytes: Int64
        /// Why the lock can be held by someone else, for the error.
        var lockHolder: String
        /// Whether releasing the active segment (no row refers to it any more) rewinds it to its start, so a
        /// drained folder does not grow its file. Only for owners that commit every written block's row before
        /// they release (the spool).
        var rewindActiveOnRelease: Bool

        static let spool = Kind(store: "spool segment", suffix: ".blocks", minimumSegmentBytes: 1,
                                lockHolder: "another spool, in this or another vigil process, uses this data directory",
                                rewindActiveOnRelease: true)
        static let logStore = Kind(store: "log store", suffix: ".seg", minimumSegmentBytes: 4096,
                                   lockHolder: "another vigil process writes this log store", rewindActiveOnRelease: false)

        func error(_ operation: String, _ path: String, _ code: Int32) -> SegmentIOError {
            SegmentIOError(store: store, operation: operation, path: path, errno: code)
        }
    }

    let kind: Kind
    let directory: String
    let segmentBytes: Int64
    let fsyncEachWrite: Bool
    private(set) var activeID: Int64 = 0
    private var activeFD: Int32 = -1
    /// Bytes of the active segment that belong to committed rows.
    private(set) var activeSize: Int64 = 0
    private var lockFD: Int32 = -1

    /// Opens for writing: takes the lock, deletes segments not in `referenced`, starts a new active segment.
    init(_ kind: Kind, directory: String, segmentBytes: Int64, fsyncEachWrite: Bool, referenced: Set<Int64>) throws {
        self.kind = kind
        self.directory = directory
        self.segmentBytes = max(kind.minimumSegmentBytes, segmentBytes)
        self.fsyncEachWrite = fsyncEachWrite
        try FileSystem.createDirectory(directory)
        let lockPath = directory + "/LOCK"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw kind.error("open", lockPath, errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw kind.error("lock (\(kind.lockHolder))", lockPath, code)
        }
        lockFD = fd
        let existing = try Self.list(directory, kind: kind)
        for id in existing where !referenced.contains(id) { unlink(Self.path(directory, id, kind: kind)) }
        activeID = (existing.union(referenced).max() ?? 0) + 1
        activeFD = try create(activeID)
    }

    static func path(_ directory: String, _ id: Int64, kind: Kind) -> String {
        let digits = String(id)
        return directory + "/" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + kind.suffix
    }

    func path(_ id: Int64) -> String { Self.path(directory, id, kind: kind) }

    private func create(_ id: Int64) throws -> Int32 {
        let path = path(id)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw kind.error("open", path, errno) }
        if fsyncEachWrite {
            // The new file's directory entry must survive a power loss too.
            let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 { fsync(dir); close(dir) }
        }
        return fd
    }

    static func list(_ directory: String, kind: Kind) throws -> Set<Int64> {
        guard let dir = opendir(directory) else { throw kind.error("opendir", directory, errno) }
        defer { closedir(dir) }
        var ids: Set<Int64> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name.hasSuffix(kind.suffix), let id = Int64(name.dropLast(kind.suffix.count)), id > 0 else { continue }
            ids.insert(id)
        }
        return ids
    }

    /// Where the next block of `size` bytes goes; moves to a new segment when the active one is full.
    mutating func reserve(_ size: Int64) throws -> (segment: Int64, offset: Int64) {
        if activeSize > 0 && activeSize + size > segmentBytes {
            let next = activeID + 1
            let fd = try create(next)
            close(activeFD)
            activeFD = fd
            activeID = next
            activeSize = 0
        }
        return (activeID, activeSize)
    }

    /// Writes a block at `offset` of the active segment (before its row commits).
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < buffer.count {
            let n = pwrite(activeFD, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw kind.error("write", path(activeID), errno)
            }
            done += n
        }
        if fsyncEachWrite && fdatasync(activeFD) != 0 {
            throw kind.error("fdatasync", path(activeID), errno)
        }
    }

    /// Records that the block written at `offset` is committed (or about to be: the next block goes after it).
    mutating func committed(offset: Int64, size: Int64) {
        activeSize = max(activeSize, offset + size)
    }

    /// Reserves, writes and counts a block in one step; returns where it went. The caller commits its row
    /// afterwards (a failed commit leaves garbage that no row points at).
    mutating func append(_ bytes: [UInt8]) throws -> (segment: Int64, offset: Int64) {
        let place = try reserve(Int64(bytes.count))
        try bytes.withUnsafeBytes { try write($0, at: place.offset) }
        committed(offset: place.offset, size: Int64(bytes.count))
        return place
    }

    /// Deletes a segment that no row refers to any more. The active segment is kept (and rewound when the
    /// kind says so).
    mutating func release(_ segment: Int64) {
        if segment == activeID {
            if kind.rewindActiveOnRelease { activeSize = 0 }
            return
        }
        unlink(path(segment))
    }

    /// Gives the bytes of an expired block back to the file system (best effort; the file keeps its size).
    func punchHole(segment: Int64, offset: Int64, length: Int64) {
        #if os(Linux)
        let fd = open(path(segment), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        // FALLOC_FL_PUNCH_HOLE (2) | FALLOC_FL_KEEP_SIZE (1)
        _ = linuxFallocate(fd, 3, offset, length)
        close(fd)
        #endif
    }

    func closeAll() {
        if activeFD >= 0 { close(activeFD) }
        if lockFD >= 0 { close(lockFD) }  // releases the flock
    }
}

/// Read access to segment files, one descriptor per segment, kept until ``forget(_:)`` or the reader's end.
/// Not thread-safe: used by one search or one retention pass at a time, or by the spool under its lock (hence
/// `@unchecked Sendable`: the spool's `Mutex` is what makes handing it across threads safe).
final class SegmentReader: @unchecked Sendable {
    let kind: SegmentFiles.Kind
    let directory: String
    private var fds: [Int64: Int32] = [:]

    init(_ kind: SegmentFiles.Kind, directory: String) {
        self.kind = kind
        self.directory = directory
    }

    deinit { for fd in fds.values { close(fd) } }

    private func fd(_ segment: Int64) throws -> Int32 {
        if let fd = fds[segment] { return fd }
        let path = SegmentFiles.path(directory, segment, kind: kind)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw kind.error("open", path, errno) }
        fds[segment] = fd
        return fd
    }

    /// Closes the descriptor of a segment that is being deleted.
    func forget(_ segment: Int64) {
        if let fd = fds.removeValue(forKey: segment) { close(fd) }
    }

    func read(segment: Int64, offset: Int64, into base: UnsafeMutableRawPointer, count: Int) throws {
        let fd = try fd(segment)
        var done = 0
        while done < count {
            let n = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw kind.error("read", SegmentFiles.path(directory, segment, kind: kind), errno)
            }
            if n == 0 { throw kind.error("read (file shorter than the block)", SegmentFiles.path(directory, segment, kind: kind), EIO) }
            done += n
        }
    }

    func read(segment: Int64, offset: Int64, count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { try read(segment: segment, offset: offset, into: UnsafeMutableRawPointer(buffer.baseAddress!), count: count) }
            initialized = count
        }
    }
}
