/// A small, immutable hash table from object key names to what the scanner should do with them.
///
/// The scanner looks up every key of every object, so the lookup hashes only the length and three
/// bytes of the key and confirms with a byte comparison; a key that is not in the table usually costs
/// one probe and no comparison.
///
/// ```swift
/// let table = JSONKeyTable(slots: ["type", "service"], fields: [("password", true)])
/// ```
public struct JSONKeyTable: Sendable {
    /// What one key name is used for.
    public struct Entry: Sendable {
        /// Index into ``JSONScanner/slots`` for a top-level member with this name, or -1.
        public var slot: Int
        /// Index of the field rule for members with this name at any depth, or -1.
        public var field: Int
        /// Whether the field rule removes the member (so the scanner computes the removal range).
        public var drop: Bool
        /// Whether a top-level member with this name is recorded (for a ``DocumentShape``).
        public var member: Bool = false
    }

    /// Every entry, by entry index.
    public let entries: [Entry]
    /// The number of slots (top-level names to extract).
    public let slotCount: Int
    private let storage: Storage

    /// Creates a table.
    /// - Parameters:
    ///   - slots: top-level member names whose values are extracted; slot `i` is `slots[i]`.
    ///     Duplicate names share the first slot index.
    ///   - fields: names with a field rule (index = position in this array) and whether it drops the member.
    ///   - members: names whose top-level members the scanner records when asked to.
    public init(slots: [String], fields: [(name: String, drop: Bool)] = [], members: [String] = []) {
        var names: [UInt8] = []
        var nameStarts: [Int] = []
        var nameLengths: [Int] = []
        var entries: [Entry] = []
        var byName: [String: Int] = [:]
        func entryIndex(_ name: String) -> Int {
            if let index = byName[name] { return index }
            let index = entries.count
            byName[name] = index
            nameStarts.append(names.count)
            names.append(contentsOf: name.utf8)
            nameLengths.append(name.utf8.count)
            entries.append(Entry(slot: -1, field: -1, drop: false))
            return index
        }
        for (i, name) in slots.enumerated() {
            let e = entryIndex(name)
            if entries[e].slot < 0 { entries[e].slot = i }
        }
        slotCount = slots.count
        for (i, rule) in fields.enumerated() {
            let e = entryIndex(rule.name)
            if entries[e].field < 0 {
                entries[e].field = i
                entries[e].drop = rule.drop
            }
        }
        for name in members { entries[entryIndex(name)].member = true }
        var size = 8
        while size < entries.count * 3 { size <<= 1 }
        var buckets = [Int](repeating: -1, count: size)
        for e in entries.indices {
            let h = names.withUnsafeBufferPointer { buf in
                Self.hash(buf.baseAddress! + nameStarts[e], nameLengths[e])
            }
            var b = h & (size - 1)
            while buckets[b] >= 0 { b = (b + 1) & (size - 1) }
            buckets[b] = e
        }
        self.entries = entries
        storage = Storage(names: names, nameStarts: nameStarts, nameLengths: nameLengths, entries: entries, buckets: buckets)
    }

    /// The table's arrays copied once into memory it owns, so that a lookup works on plain pointers: the
    /// scanner copies a ``Probe`` (no reference counting per line) instead of five arrays.
    final class Storage: @unchecked Sendable {   // immutable after init
        let probe: Probe

        init(names: [UInt8], nameStarts: [Int], nameLengths: [Int], entries: [Entry], buckets: [Int]) {
            func copy<T>(_ array: [T]) -> UnsafePointer<T> {
                let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, array.count))
                p.initialize(from: array, count: array.count)
                return UnsafePointer(p)
            }
            probe = Probe(names: copy(names), nameStarts: copy(nameStarts), nameLengths: copy(nameLengths), entries: copy(entries),
                          buckets: copy(buckets), mask: buckets.count - 1, count: entries.count)
        }

        deinit {
            UnsafeMutablePointer(mutating: probe.names).deallocate()
            UnsafeMutablePointer(mutating: probe.nameStarts).deallocate()
            UnsafeMutablePointer(mutating: probe.nameLengths).deallocate()
            UnsafeMutablePointer(mutating: probe.entries).deallocate()
            UnsafeMutablePointer(mutating: probe.buckets).deallocate()
        }
    }

    /// Pointers into a table's storage; valid only while the ``JSONKeyTable`` it came from is alive.
    struct Probe {
        let names: UnsafePointer<UInt8>
        let nameStarts: UnsafePointer<Int>
        let nameLengths: UnsafePointer<Int>
        let entries: UnsafePointer<Entry>
        let buckets: UnsafePointer<Int>
        let mask: Int
        let count: Int

        /// The entry index for the key bytes `p[0..<len]`, or -1.
        @inline(__always)
        func lookup(_ p: UnsafePointer<UInt8>, _ len: Int) -> Int {
            if count == 0 { return -1 }
            var b = JSONKeyTable.hash(p, len) & mask
            while true {
                let e = buckets[b]
                if e < 0 { return -1 }
                if nameLengths[e] == len && JSONKeyTable.equalBytes(names + nameStarts[e], p, len) { return e }
                b = (b + 1) & mask
            }
        }
    }

    /// The pointer view the scanner uses (keep `self` alive while using it).
    var probe: Probe { storage.probe }

    /// `a[0..<len] == b[0..<len]`, eight bytes at a time (never reading past `len`).
    @inline(__always)
    static func equalBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ len: Int) -> Bool {
        var k = 0
        while k + 8 <= len {
            if UnsafeRawPointer(a + k).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + k).loadUnaligned(as: UInt64.self) { return false }
            k += 8
        }
        if k + 4 <= len {
            if UnsafeRawPointer(a + k).loadUnaligned(as: UInt32.self) != UnsafeRawPointer(b + k).loadUnaligned(as: UInt32.self) { return false }
            k += 4
        }
        while k < len {
            if a[k] != b[k] { return false }
            k += 1
        }
        return true
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ len: Int) -> Int {
        guard len > 0 else { return 0 }
        var h = UInt64(truncatingIfNeeded: len) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(p[0]) | UInt64(p[len - 1]) << 8 | UInt64(p[len >> 1]) << 16
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }

    /// The entry index for the key bytes `p[0..<len]`, or -1.
    @inline(__always)
    public func lookup(_ p: UnsafePointer<UInt8>, _ len: Int) -> Int {
        withExtendedLifetime(storage) { storage.probe.lookup(p, len) }
    }

    /// The entry index for a name given as a string, or -1.
    public func lookup(_ name: String) -> Int {
        // A trailing 0 keeps the buffer's base address non-nil for the empty name.
        let bytes = Array(name.utf8) + [0]
        return bytes.withUnsafeBufferPointer { lookup($0.baseAddress!, $0.count - 1) }
    }
}
