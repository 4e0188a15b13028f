/// How the log store splits text into words, for its bloom filters, its scans and its queries alike.
///
/// A token is a maximal run of ASCII letters, ASCII digits and non-ASCII bytes (so a UTF-8 letter never
/// splits a word); everything else (JSON punctuation, spaces, `/`, `-`, `_`, `.`, `:`) separates tokens.
/// Matching is case-insensitive for ASCII letters. `/v1/predict` is the tokens `v1` and `predict`;
/// `latency_ms` is `latency` and `ms`.
///
/// The bloom filter hashes tokens with every byte OR-ed with 0x20: lossy (some non-ASCII bytes collide),
/// but a query token always hashes as the same token does in a body, so the filter has no false negatives;
/// the scan that follows compares exactly.
enum LogTokenizer {
    /// 1 for token bytes, 0 for separators.
    static let isTokenByte: [Bool] = (0 ..< 256).map { byte in
        (0x30 ... 0x39).contains(byte) || (0x41 ... 0x5A).contains(byte) || (0x61 ... 0x7A).contains(byte) || byte >= 0x80
    }

    /// ``isTokenByte`` as a raw table that lives for the whole process (no array access checks in hot loops).
    nonisolated(unsafe) static let tokenTable: UnsafePointer<Bool> = {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        for byte in 0 ..< 256 { table[byte] = isTokenByte[byte] }
        return UnsafePointer(table)
    }()

    /// Calls `body(start, end)` for each token of `bytes`.
    @inline(__always)
    static func forEachToken(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        isTokenByte.withUnsafeBufferPointer { table in
            var i = 0
            let n = bytes.count
            while i < n {
                while i < n && !table[Int(bytes[i])] { i += 1 }
                guard i < n else { return }
                let start = i
                while i < n && table[Int(bytes[i])] { i += 1 }
                body(start, i)
            }
        }
    }

    /// The filter hash of `bytes[start..<end]`: 8 bytes at a time, each byte OR 0x20 (ASCII case folding,
    /// lossy elsewhere), mixed as in wyhash's final multiply.
    @inline(__always)
    static func hash(_ base: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var at = 0
        let fold: UInt64 = 0x2020_2020_2020_2020
        while at + 8 <= count {
            let word = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self) | fold
            h = mix(h ^ word)
            at += 8
        }
        if at < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while at < count {
                word |= UInt64(base[at] | 0x20) << shift
                shift += 8
                at += 1
            }
            h = mix(h ^ word)
        }
        return h
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: 0xA076_1D64_78BD_642F)
        return product.high ^ product.low
    }

    /// The hash of a token given as text (a query word).
    static func hash(_ token: [UInt8]) -> UInt64 {
        token.withUnsafeBufferPointer { hash($0.baseAddress!, count: $0.count) }
    }

    /// The tokens of `text`, lowercased (ASCII).
    static func tokens(_ text: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        text.withUnsafeBufferPointer { buffer in
            forEachToken(buffer) { start, end in out.append(buffer[start ..< end].map(lowercase)) }
        }
        return out
    }

    @inline(__always)
    static func lowercase(_ byte: UInt8) -> UInt8 { (0x41 ... 0x5A).contains(byte) ? byte | 0x20 : byte }

    /// Whether `bytes[start..<end]` equals `token` (already lowercased), ASCII case-insensitively, or starts
    /// with it when `prefix`.
    @inline(__always)
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ token: [UInt8], prefix: Bool) -> Bool {
        let length = end - start
        guard prefix ? length >= token.count : length == token.count else { return false }
        for k in 0 ..< token.count where lowercase(bytes[start + k]) != token[k] { return false }
        return true
    }
}
