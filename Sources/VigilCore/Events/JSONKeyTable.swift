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
    }

    private var names: [UInt8] = []
    private var nameStarts: [Int] = []
    private var nameLengths: [Int] = []
    public private(set) var entries: [Entry] = []
    private var buckets: [Int] = []
    private var mask: Int = 0

    /// The number of slots (top-level names to extract).
    public private(set) var slotCount: Int = 0

    /// Creates a table.
    /// - Parameters:
    ///   - slots: top-level member names whose values are extracted; slot `i` is `slots[i]`.
    ///     Duplicate names share the first slot index.
    ///   - fields: names with a field rule (index = position in this array) and whether it drops the member.
    public init(slots: [String], fields: [(name: String, drop: Bool)] = []) {
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
        var size = 8
        while size < entries.count * 3 { size <<= 1 }
        mask = size - 1
        buckets = [Int](repeating: -1, count: size)
        for e in entries.indices {
            let h = names.withUnsafeBufferPointer { buf in
                Self.hash(buf.baseAddress! + nameStarts[e], nameLengths[e])
            }
            var b = h & mask
            while buckets[b] >= 0 { b = (b + 1) & mask }
            buckets[b] = e
        }
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
        if entries.isEmpty { return -1 }
        var b = Self.hash(p, len) & mask
        return names.withUnsafeBufferPointer { nameBuf -> Int in
            buckets.withUnsafeBufferPointer { bucketBuf -> Int in
                while true {
                    let e = bucketBuf[b]
                    if e < 0 { return -1 }
                    if nameLengths[e] == len {
                        let q = nameBuf.baseAddress! + nameStarts[e]
                        var k = 0
                        while k < len && q[k] == p[k] { k += 1 }
                        if k == len { return e }
                    }
                    b = (b + 1) & mask
                }
            }
        }
    }

    /// The entry index for a name given as a string, or -1.
    public func lookup(_ name: String) -> Int {
        // A trailing 0 keeps the buffer's base address non-nil for the empty name.
        let bytes = Array(name.utf8) + [0]
        return bytes.withUnsafeBufferPointer { lookup($0.baseAddress!, $0.count - 1) }
    }
}
