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

/// A failed file operation on the log store's block files.
public struct LogStoreIOError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public var description: String {
        "log store \(operation) failed for \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The append-only files that hold log blocks (`<data_dir>/logs.blocks/<id>.seg`).
///
/// As in the spool: a block's bytes are written before the index row that points at them commits, so a
/// committed row always points at complete bytes (after a power loss only with `synchronous: full`,
/// which fdatasyncs first); bytes whose row never committed are never read, and each open starts a new
/// active segment after them. A segment no row refers to is deleted; the space of expired blocks inside a
/// segment still in use is returned with `fallocate(PUNCH_HOLE)` where the file system supports it.
///
/// The writer (one per data directory, held by an `flock` on `LOCK`) and readers (any number, in this
/// process or `vigil logs search`) share nothing but the files.
struct LogSegments {
    let directory: String
    let segmentBytes: Int64
    let fsyncEachWrite: Bool
    private(set) var activeID: Int64 = 0
    private var activeFD: Int32 = -1
    private(set) var activeSize: Int64 = 0
    private var lockFD: Int32 = -1

    /// Opens for writing: takes the lock, deletes segments not in `referenced`, starts a new active segment.
    init(writing directory: String, segmentBytes: Int64, fsyncEachWrite: Bool, referenced: Set<Int64>) throws {
        self.directory = directory
        self.segmentBytes = max(4096, segmentBytes)
        self.fsyncEachWrite = fsyncEachWrite
        try FileSystem.createDirectory(directory)
        let lockPath = directory + "/LOCK"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogStoreIOError(operation: "open", path: lockPath, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw LogStoreIOError(operation: "lock (another vigil process writes this log store)", path: lockPath, errno: code)
        }
        lockFD = fd
        let existing = try Self.list(directory)
        for id in existing where !referenced.contains(id) { unlink(Self.path(directory, id)) }
        activeID = (existing.union(referenced).max() ?? 0) + 1
        activeFD = try create(activeID)
    }

    static func path(_ directory: String, _ id: Int64) -> String {
        let digits = String(id)
        return directory + "/" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".seg"
    }

    private func create(_ id: Int64) throws -> Int32 {
        let path = Self.path(directory, id)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogStoreIOError(operation: "open", path: path, errno: errno) }
        if fsyncEachWrite {
            let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 { fsync(dir); close(dir) }
        }
        return fd
    }

    static func list(_ directory: String) throws -> Set<Int64> {
        guard let dir = opendir(directory) else { throw LogStoreIOError(operation: "opendir", path: directory, errno: errno) }
        defer { closedir(dir) }
        var ids: Set<Int64> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name.hasSuffix(".seg"), let id = Int64(name.dropLast(4)), id > 0 else { continue }
            ids.insert(id)
        }
        return ids
    }

    /// Appends a block to the active segment (moving to a new one when it is full); returns where it went.
    /// The caller commits the index row afterwards.
    mutating func append(_ bytes: [UInt8]) throws -> (segment: Int64, offset: Int64) {
        if activeSize > 0 && activeSize + Int64(bytes.count) > segmentBytes {
            let next = activeID + 1
            let fd = try create(next)
            close(activeFD)
            activeFD = fd
            activeID = next
            activeSize = 0
        }
        let offset = activeSize
        let path = Self.path(directory, activeID)
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = pwrite(activeFD, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LogStoreIOError(operation: "write", path: path, errno: errno)
                }
                done += n
            }
        }
        if fsyncEachWrite && fdatasync(activeFD) != 0 {
            throw LogStoreIOError(operation: "fdatasync", path: path, errno: errno)
        }
        activeSize = offset + Int64(bytes.count)
        return (activeID, offset)
    }

    /// Deletes a segment that no row refers to (the active one is kept).
    func release(_ segment: Int64) {
        guard segment != activeID else { return }
        unlink(Self.path(directory, segment))
    }

    /// Gives the bytes of an expired block back to the file system (best effort; the file keeps its size).
    func punchHole(segment: Int64, offset: Int64, length: Int64) {
        #if os(Linux)
        let fd = open(Self.path(directory, segment), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        // FALLOC_FL_PUNCH_HOLE (2) | FALLOC_FL_KEEP_SIZE (1)
        _ = linuxFallocate(fd, 3, offset, length)
        close(fd)
        #endif
    }

    func closeAll() {
        if activeFD >= 0 { close(activeFD) }
        if lockFD >= 0 { close(lockFD) }
    }
}

/// Read access to segment files, one descriptor per segment, for one search (or one retention pass).
final class LogSegmentReader {
    let directory: String
    private var fds: [Int64: Int32] = [:]

    init(directory: String) { self.directory = directory }

    deinit { for fd in fds.values { close(fd) } }

    private func fd(_ segment: Int64) throws -> Int32 {
        if let fd = fds[segment] { return fd }
        let path = LogSegments.path(directory, segment)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogStoreIOError(operation: "open", path: path, errno: errno) }
        fds[segment] = fd
        return fd
    }

    func read(segment: Int64, offset: Int64, into base: UnsafeMutableRawPointer, count: Int) throws {
        let fd = try fd(segment)
        var done = 0
        while done < count {
            let n = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw LogStoreIOError(operation: "read", path: LogSegments.path(directory, segment), errno: errno)
            }
            if n == 0 { throw LogStoreIOError(operation: "read (file shorter than the block)", path: LogSegments.path(directory, segment), errno: EIO) }
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
