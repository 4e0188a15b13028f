/// The 64-bit hashes of the last `capacity` event ids the log store took, to skip an event delivered twice.
///
/// The store keeps no per-event index (that is what made the FTS5 store slow), so exact de-duplication
/// over all history is not on offer; re-delivery after a crash comes as the same spool block and is caught
/// whole by the spool watermark, and this window catches the rest (the same id arriving again soon).
/// Two different ids with the same 64-bit hash would drop the second: with 2^17 ids in the window that is
/// about one chance in 10^14 per event.
struct RecentIDs {
    let capacity: Int
    private var set: Set<UInt64>
    private var ring: [UInt64]
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        set = Set(minimumCapacity: self.capacity)
        ring = []
        ring.reserveCapacity(self.capacity)
    }

    /// Adds `hash`; false when it is in the window already.
    @inline(__always)
    mutating func insert(_ hash: UInt64) -> Bool {
        guard set.insert(hash).inserted else { return false }
        if ring.count < capacity {
            ring.append(hash)
        } else {
            set.remove(ring[next])
            ring[next] = hash
            next = next + 1 == capacity ? 0 : next + 1
        }
        return true
    }

    /// A hash of id bytes (case-sensitive, unlike the token hash).
    @inline(__always)
    static func hash(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(truncatingIfNeeded: id.count)
        guard let base = id.baseAddress else { return LogTokenizer.mix(h) }
        var at = 0
        while at + 8 <= id.count {
            h = LogTokenizer.mix(h ^ UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self))
            at += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while at < id.count {
            tail |= UInt64(base[at]) << shift
            shift += 8
            at += 1
        }
        return LogTokenizer.mix(h ^ tail ^ 0x1F)
    }
}
