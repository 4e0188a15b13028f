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
/// or that a new segment leaves behind.
///
/// A segment with no rows left is recycled rather than deleted, up to ``maxFree`` of them
/// (`<data_dir>/spool/<n>.free`): the next new segment is a free one renamed, written over from its
/// start. Writing over pages the file already has costs the kernel a copy; writing a new file also costs
/// it a page-cache page, buffer heads and a delayed-allocation reservation per 4 KiB, and deleting the file
/// later costs as much again (together about a twentieth of the agent's CPU time when shipping as fast as it
/// can). Rows say where their bytes are, so what a recycled file held past them is never read. Free files
/// count against the disk, not against `spool.max_bytes` (at most `maxFree` segments more).
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
    /// Recycled segment files (`<n>.free`), newest last.
    private var free: [Int64] = []
    /// How many emptied segments are kept for reuse.
    static let maxFree = 2
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
        // A segment no row refers to (its rows never committed, or it was being recycled) becomes a free one.
        var free = try Self.list(directory, suffix: ".free").sorted()
        for id in existing.sorted() where !referenced.contains(id) {
            if free.count < Self.maxFree, rename(Self.path(directory, id), Self.path(directory, id, suffix: ".free")) == 0 {
                free.append(id)
            } else {
                unlink(Self.path(directory, id))
            }
        }
        while free.count > Self.maxFree { unlink(Self.path(directory, free.removeFirst(), suffix: ".free")) }
        self.free = free
        activeID = (existing.union(referenced).union(free).max() ?? 0) + 1
        activeFD = -1
        activeFD = try createSegment(activeID)
    }

    static func path(_ directory: String, _ id: Int64, suffix: String = ".blocks") -> String {
        let digits = String(id)
        return directory + "/" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + suffix
    }

    /// Opens segment `id` for writing: a free segment renamed (its old bytes are written over), or a new file.
    private mutating func createSegment(_ id: Int64) throws -> Int32 {
        let path = Self.path(directory, id)
        var flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        if let recycled = free.popLast() {
            if rename(Self.path(directory, recycled, suffix: ".free"), path) == 0 {
                flags = O_WRONLY | O_CLOEXEC
            } else {
                unlink(Self.path(directory, recycled, suffix: ".free"))
            }
        }
        var fd = open(path, flags, 0o644)
        if fd < 0 && flags & O_CREAT == 0 {
            flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
            fd = open(path, flags, 0o644)
        }
        guard fd >= 0 else { throw SpoolIOError(operation: "open", path: path, errno: errno) }
        if flags & O_CREAT != 0 { Preallocation.reserve(fd, bytes: segmentBytes) }
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

    static func list(_ directory: String, suffix: String = ".blocks") throws -> Set<Int64> {
        guard let dir = opendir(directory) else { throw SpoolIOError(operation: "opendir", path: directory, errno: errno) }
        defer { closedir(dir) }
        var ids: Set<Int64> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name.hasSuffix(suffix), let id = Int64(name.dropLast(suffix.utf8.count)), id > 0 else { continue }
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

    /// Recycles (or, with ``maxFree`` free ones already, deletes) a segment that no row refers to any
    /// more. The active segment is kept (and rewound when empty, so a drained spool does not grow its file).
    mutating func release(_ segment: Int64) {
        if let fd = readFDs.removeValue(forKey: segment) { close(fd) }
        if segment == activeID {
            activeSize = 0
            return
        }
        let path = Self.path(directory, segment)
        if free.count < Self.maxFree, rename(path, Self.path(directory, segment, suffix: ".free")) == 0 {
            free.append(segment)
        } else {
            unlink(path)
        }
    }

    func closeAll() {
        if activeFD >= 0 { close(activeFD) }
        close(lockFD)  // releases the flock
        for fd in readFDs.values { close(fd) }
    }
}

/// Disk blocks for a new segment reserved in one call, without changing its size (Linux `fallocate` with
/// `FALLOC_FL_KEEP_SIZE`): the writes that follow then find their blocks allocated instead of reserving
/// them 4 KiB at a time (delayed allocation), which costs the kernel about a third less CPU per byte written
/// (`Benchmarks/spool/segment-writes.c`). Best effort: where the call is missing (not Linux) or refused
/// (a file system without it, a full disk), writes allocate as they go, and a full disk is reported by them.
enum Preallocation {
    typealias Fallocate = @convention(c) (Int32, Int32, Int64, Int64) -> Int32
    /// glibc declares `fallocate` only under `_GNU_SOURCE`, which Swift's Glibc module does not set, so it is
    /// looked up by name once.
    static let fallocate: Fallocate? = {
        #if os(Linux)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "fallocate") else { return nil }
        return unsafeBitCast(symbol, to: Fallocate.self)
        #else
        return nil
        #endif
    }()
    static let keepSize: Int32 = 1   // FALLOC_FL_KEEP_SIZE

    /// Whether the blocks were reserved.
    @discardableResult
    static func reserve(_ fd: Int32, bytes: Int64) -> Bool {
        guard let fallocate, bytes > 0 else { return false }
        return fallocate(fd, keepSize, 0, bytes) == 0
    }
}
