/// A blocked bloom filter of the tokens of one log block: each token sets `bitsPerToken` bits inside one
/// 512-bit line chosen by its hash, so a lookup reads one 64-byte line (one `pread` from disk, one cache
/// line in memory), as in Putze, Sanders and Singler, "Cache-, Hash- and Space-Efficient Bloom Filters" (2007).
///
/// It is built large (``init(lines:)``, a power of two) while a block fills, then folded in half
/// (line `i` OR line `i + lines/2`, which is the filter the same tokens build at half the size because the
/// line is `hash & (lines - 1)`) while the fill stays under ``maxFill``: a block's filter ends up sized to its
/// distinct tokens without counting them.
///
/// Invariant: no false negatives — every inserted hash is found by ``mayContain(_:)``, before and after folds.
///
/// ```swift
/// var filter = TokenBloomFilter(lines: 1024)
/// filter.insert(LogTokenizer.hash(Array("timeout".utf8)))
/// filter.foldToFit()
/// filter.mayContain(LogTokenizer.hash(Array("timeout".utf8)))   // true
/// ```
struct TokenBloomFilter: Equatable {
    static let bitsPerToken = 6
    static let wordsPerLine = 8
    /// Folding stops when the next fold would set more than this share of the bits: with 6 bits a token,
    /// a fill of 0.4 answers "maybe" for an absent token about 0.5% of the time (a bit more in a blocked filter).
    static let maxFill = 0.40

    /// 64-bit words, `lines * 8`.
    private(set) var words: [UInt64]

    var lines: Int { words.count / Self.wordsPerLine }

    init(lines: Int) {
        precondition(lines > 0 && lines & (lines - 1) == 0, "lines must be a power of two")
        words = [UInt64](repeating: 0, count: lines * Self.wordsPerLine)
    }

    init(words: [UInt64]) {
        precondition(!words.isEmpty && words.count % Self.wordsPerLine == 0 && (words.count / Self.wordsPerLine) & (words.count / Self.wordsPerLine - 1) == 0)
        self.words = words
    }

    /// The line of `hash` in a filter of `lines` lines: the hash's top bits.
    @inline(__always)
    static func line(_ hash: UInt64, lines: Int) -> Int {
        lines == 1 ? 0 : Int(truncatingIfNeeded: hash >> UInt64(64 - lines.trailingZeroBitCount))
    }

    /// Bit positions inside the line come from the low 54 bits, 9 bits each (0..<512).
    @inline(__always)
    static func forEachBit(_ hash: UInt64, _ body: (Int, UInt64) -> Void) {
        var bits = hash
        for _ in 0 ..< bitsPerToken {
            let bit = Int(bits & 511)
            body(bit >> 6, 1 << UInt64(bit & 63))
            bits >>= 9
        }
    }

    @inline(__always)
    mutating func insert(_ hash: UInt64) {
        let base = Self.line(hash, lines: lines) * Self.wordsPerLine
        words.withUnsafeMutableBufferPointer { w in
            Self.forEachBit(hash) { word, mask in w[base + word] |= mask }
        }
    }

    /// Inserts every token of `bytes` (see ``LogTokenizer``).
    mutating func insertTokens(of bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        let lines = self.lines
        words.withUnsafeMutableBufferPointer { w in
            LogTokenizer.forEachToken(bytes) { start, end in
                let hash = LogTokenizer.hash(base + start, count: end - start)
                let line = Self.line(hash, lines: lines) * Self.wordsPerLine
                Self.forEachBit(hash) { word, mask in w[line + word] |= mask }
            }
        }
    }

    func mayContain(_ hash: UInt64) -> Bool {
        let base = Self.line(hash, lines: lines) * Self.wordsPerLine
        return words.withUnsafeBufferPointer { w in Self.lineMayContain(UnsafeBufferPointer(rebasing: w[base ..< base + Self.wordsPerLine]), hash) }
    }

    /// Checks one line as read from disk (8 words).
    static func lineMayContain(_ line: UnsafeBufferPointer<UInt64>, _ hash: UInt64) -> Bool {
        var all = true
        forEachBit(hash) { word, mask in if line[word] & mask == 0 { all = false } }
        return all
    }

    /// The share of bits set.
    var fill: Double {
        Double(words.reduce(0) { $0 + $1.nonzeroBitCount }) / Double(words.count * 64)
    }

    /// Folds in half while the result stays at most ``maxFill`` full (and at least one line is left).
    mutating func foldToFit() {
        let w = Self.wordsPerLine
        while lines > 1 {
            let half = lines / 2
            var set = 0
            for line in 0 ..< half {
                for k in 0 ..< w { set += (words[2 * line * w + k] | words[(2 * line + 1) * w + k]).nonzeroBitCount }
            }
            guard Double(set) / Double(half * w * 64) <= Self.maxFill else { return }
            for line in 0 ..< half {
                for k in 0 ..< w { words[line * w + k] = words[2 * line * w + k] | words[(2 * line + 1) * w + k] }
            }
            words.removeLast(half * w)
        }
    }

    mutating func reset(lines: Int) {
        if words.count == lines * Self.wordsPerLine {
            for i in words.indices { words[i] = 0 }
        } else {
            words = [UInt64](repeating: 0, count: lines * Self.wordsPerLine)
        }
    }

    /// Little-endian bytes, as stored in a block.
    var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(words.count * 8)
        for word in words { withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }
}
