/// The spool's segment files (`<data_dir>/spool/<id>.blocks`, see ``SegmentFiles``) and the descriptors it
/// reads them with. A block's bytes are written before its row commits and counted only once it has
/// (``committed(offset:size:)``), so a failed transaction leaves its offset to the next block.
///
/// Not thread-safe: the spool guards it with its lock.
struct SpoolSegments {
    private var files: SegmentFiles
    private let reader: SegmentReader

    /// Opens the segment folder: deletes segments no row refers to, starts a fresh active segment.
    init(directory: String, segmentBytes: Int64, fsyncEachWrite: Bool, referenced: Set<Int64>) throws {
        files = try SegmentFiles(.spool, directory: directory, segmentBytes: segmentBytes, fsyncEachWrite: fsyncEachWrite, referenced: referenced)
        reader = SegmentReader(.spool, directory: directory)
    }

    var activeID: Int64 { files.activeID }
    var activeSize: Int64 { files.activeSize }

    static func path(_ directory: String, _ id: Int64) -> String { SegmentFiles.path(directory, id, kind: .spool) }

    mutating func reserve(_ size: Int64) throws -> (segment: Int64, offset: Int64) { try files.reserve(size) }

    func write(_ data: [UInt8], at offset: Int64) throws { try data.withUnsafeBytes { try files.write($0, at: offset) } }

    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws { try files.write(buffer, at: offset) }

    mutating func committed(offset: Int64, size: Int64) { files.committed(offset: offset, size: size) }

    /// Reads the `length` bytes of a block.
    func read(segment: Int64, offset: Int64, length: Int) throws -> [UInt8] {
        try reader.read(segment: segment, offset: offset, count: length)
    }

    /// Reads the `length` bytes of a block into a buffer of the pool.
    func read(segment: Int64, offset: Int64, length: Int, pool: SpoolBufferPool) throws -> SpoolBlockBuffer {
        let (base, capacity) = pool.take(length)
        do {
            try reader.read(segment: segment, offset: offset, into: base, count: length)
        } catch {
            pool.giveBack(base, capacity: capacity)
            throw error
        }
        return SpoolBlockBuffer(base: base, capacity: capacity, count: length, pool: pool)
    }

    /// Deletes a segment that no row refers to any more (the active one is rewound instead).
    mutating func release(_ segment: Int64) {
        reader.forget(segment)
        files.release(segment)
    }

    func closeAll() { files.closeAll() }
}
