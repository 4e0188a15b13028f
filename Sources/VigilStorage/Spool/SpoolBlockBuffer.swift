import Synchronization

/// The bytes of a block read for shipping, in memory that goes back to a small pool when the last batch
/// holding the block lets go of it.
///
/// Blocks are about a megabyte (one read chunk of the tailer). Allocated fresh, each one would be a new
/// mmap whose pages fault in while `pread` fills them (measured at ~7% of the agent's CPU); taken from the
/// heap instead, they fragment the allocator's arenas (+10 MiB RSS). Reusing a few buffers avoids both.
public final class SpoolBlockBuffer: @unchecked Sendable {   // immutable once filled
    let base: UnsafeMutableRawPointer
    let capacity: Int
    /// Bytes of the block.
    public let count: Int
    private let pool: SpoolBufferPool?

    init(base: UnsafeMutableRawPointer, capacity: Int, count: Int, pool: SpoolBufferPool?) {
        self.base = base
        self.capacity = capacity
        self.count = count
        self.pool = pool
    }

    /// A buffer holding a copy of `bytes` (blocks stored inline in their row, and tests).
    public convenience init(copying bytes: [UInt8]) {
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: bytes.count) } }
        self.init(base: base, capacity: max(1, bytes.count), count: bytes.count, pool: nil)
    }

    deinit {
        if let pool { pool.giveBack(base, capacity: capacity) } else { base.deallocate() }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeRawBufferPointer(start: base, count: count)) }
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count)) }
    }

    /// A copy of the bytes in `range`.
    public subscript(range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the block")
        return withUnsafeBytes { Array($0[range]) }
    }
}

/// Free block buffers, kept up to a few and reused for blocks that fit.
final class SpoolBufferPool: Sendable {
    private struct Free: @unchecked Sendable { var base: UnsafeMutableRawPointer; var capacity: Int }
    private let free = Mutex<[Free]>([])
    let keep: Int

    init(keep: Int = 3) { self.keep = keep }

    deinit {
        free.withLock { for buffer in $0 { buffer.base.deallocate() } }
    }

    /// Memory for at least `count` bytes: a pooled buffer if one is large enough, else a new one.
    func take(_ count: Int) -> (UnsafeMutableRawPointer, capacity: Int) {
        if let reused = free.withLock({ list -> Free? in
            guard let i = list.firstIndex(where: { $0.capacity >= count }) else { return nil }
            return list.remove(at: i)
        }) {
            return (reused.base, reused.capacity)
        }
        // A little headroom so that slightly larger blocks still reuse the buffer.
        let capacity = max(4096, count + count / 8)
        return (UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16), capacity)
    }

    func giveBack(_ base: UnsafeMutableRawPointer, capacity: Int) {
        let kept = free.withLock { list -> Bool in
            guard list.count < keep, capacity <= 16 << 20 else { return false }
            list.append(Free(base: base, capacity: capacity))
            return true
        }
        if !kept { base.deallocate() }
    }
}
