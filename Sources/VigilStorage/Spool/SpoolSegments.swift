#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation on a spool segment.
public struct SpoolIOError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public var description: String {
        "spool segment \(operation) failed for \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The append-only files that hold spool block bytes (`<data_dir>/spool/<id>.blocks`).
///
/// Why files beside SQLite: a block stored as a BLOB is copied into SQLite's pages, written to the
/// WAL, read back and written again at each checkpoint, and overwritten when freed. Written to a segment
/// with one `pwrite`, its bytes cross into the kernel once; SQLite keeps only the row that says where
/// they are, committed in the same transaction as the file checkpoint. The bytes are written before
/// the row commits, so a committed row always points at complete bytes (after a process crash: they
/// are in the page cache; after a power loss: only with `synchronous: full`, which fsyncs the segment
/// before the commit). Bytes whose row never committed are garbage that the next append overwrites,
/// or that a new segment leaves behind; a segment with no rows left is deleted.
///
/// Not thread-safe: the spool guards it with its lock.
struct SpoolSegments {
    let directory: String
    let segmentBytes: Int64
    let fsyncEachWrite: Bool
    private(set) var activeID: Int64
    private var activeFD: Int32
    /// Bytes of the active segment that belong to committed rows.
    private(set) var activeSize: Int64 = 0
    private var readFDs: [Int64: Int32] = [:]
    /// Holds an exclusive `flock` on `spool/LOCK` while open: a second spool on the same folder (in this
    /// process or another) would delete the first one's fresh segment as an orphan.
    private let lockFD: Int32

    /// Opens the segment folder: deletes segments no row refers to, starts a fresh active segment.
    init(directory: String, segmentBytes: Int64, fsyncEachWrite: Bool, referenced: Set<Int64>) throws {
        self.directory = directory
        self.segmentBytes = max(1, segmentBytes)
        self.fsyncEachWrite = fsyncEachWrite
        try FileSystem.createDirectory(directory)
        let lockPath = directory + "/LOCK"
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw SpoolIOError(operation: "open", path: lockPath, errno: errno) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(lockFD)
            throw SpoolIOError(operation: "lock (another spool, in this or another vigil process, uses this data directory)", path: lockPath, errno: code)
        }
        self.lockFD = lockFD
        let existing = try Self.list(directory)
        for id in existing where !referenced.contains(id) { unlink(Self.path(directory, id)) }
        activeID = (existing.union(referenced).max() ?? 0) + 1
        activeFD = -1
        activeFD = try createSegment(activeID)
    }

    static func path(_ directory: String, _ id: Int64) -> String {
        let digits = String(id)
        return directory + "/" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".blocks"
    }

    private func createSegment(_ id: Int64) throws -> Int32 {
        let path = Self.path(directory, id)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolIOError(operation: "open", path: path, errno: errno) }
        if fsyncEachWrite {
            // The new file's directory entry must survive a power loss too.
            let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 {
                fsync(dir)
                close(dir)
            }
        }
        return fd
    }

    static func list(_ directory: String) throws -> Set<Int64> {
        guard let dir = opendir(directory) else { throw SpoolIOError(operation: "opendir", path: directory, errno: errno) }
        defer { closedir(dir) }
        var ids: Set<Int64> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name.hasSuffix(".blocks"), let id = Int64(name.dropLast(7)), id > 0 else { continue }
            ids.insert(id)
        }
        return ids
    }

    /// Where the next block of `size` bytes goes; moves to a new segment when the active one is full.
    mutating func reserve(_ size: Int64) throws -> (segment: Int64, offset: Int64) {
        if activeSize > 0 && activeSize + size > segmentBytes {
            let next = activeID + 1
            let fd = try createSegment(next)
            close(activeFD)
            activeFD = fd
            activeID = next
            activeSize = 0
        }
        return (activeID, activeSize)
    }

    /// Writes a block at `offset` of the active segment (before its row commits).
    func write(_ data: [UInt8], at offset: Int64) throws {
        try data.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Writes a block at `offset` of the active segment (before its row commits).
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        do {
            var done = 0
            while done < buffer.count {
                let n = pwrite(activeFD, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SpoolIOError(operation: "write", path: Self.path(directory, activeID), errno: errno)
                }
                done += n
            }
        }
        if fsyncEachWrite && fdatasync(activeFD) != 0 {
            throw SpoolIOError(operation: "fdatasync", path: Self.path(directory, activeID), errno: errno)
        }
    }

    /// Records that the block written at `offset` is committed.
    mutating func committed(offset: Int64, size: Int64) {
        activeSize = max(activeSize, offset + size)
    }

    /// Reads the `length` bytes of a block.
    mutating func read(segment: Int64, offset: Int64, length: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            try read(segment: segment, offset: offset, length: length, into: UnsafeMutableRawPointer(buffer.baseAddress!))
            initialized = length
        }
    }

    /// Reads the `length` bytes of a block into a buffer of the pool.
    mutating func read(segment: Int64, offset: Int64, length: Int, pool: SpoolBufferPool) throws -> SpoolBlockBuffer {
        let (base, capacity) = pool.take(length)
        do {
            try read(segment: segment, offset: offset, length: length, into: base)
        } catch {
            pool.giveBack(base, capacity: capacity)
            throw error
        }
        return SpoolBlockBuffer(base: base, capacity: capacity, count: length, pool: pool)
    }

    /// Reads the `length` bytes of a block to `base`.
    mutating func read(segment: Int64, offset: Int64, length: Int, into base: UnsafeMutableRawPointer) throws {
        let path = Self.path(directory, segment)
        let fd: Int32
        if let cached = readFDs[segment] {
            fd = cached
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SpoolIOError(operation: "open", path: path, errno: errno) }
            readFDs[segment] = fd
        }
        var done = 0
        while done < length {
            let n = pread(fd, base + done, length - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolIOError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { throw SpoolIOError(operation: "read (file shorter than the block)", path: path, errno: EIO) }
            done += n
        }
    }

    /// Deletes a segment that no row refers to any more. The active segment is kept (and rewound
    /// when empty, so a drained spool does not grow its file).
    mutating func release(_ segment: Int64) {
        if let fd = readFDs.removeValue(forKey: segment) { close(fd) }
        if segment == activeID {
            activeSize = 0
            return
        }
        unlink(Self.path(directory, segment))
    }

    func closeAll() {
        if activeFD >= 0 { close(activeFD) }
        close(lockFD)  // releases the flock
        for fd in readFDs.values { close(fd) }
    }
}
