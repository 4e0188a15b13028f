/// Finds the members of a JSON object's top level without building a tree, so that the shipper can add
/// fields to a document by splicing bytes instead of re-serialising it.
///
/// The scan trusts that the input was validated upstream (the ingestion pipeline parses every event);
/// on malformed input it returns nil rather than guessing. Strings are skipped eight bytes at a time.
public enum JSONObjectScanner {
    /// One top-level member: byte ranges of the key token (quotes included) and of the value token.
    public struct Member: Sendable, Equatable {
        public var key: Range<Int>
        public var value: Range<Int>
        /// The first byte of the value: `"`, `{`, `[`, `t`, `f`, `n` or a number's first character.
        public var valueStart: UInt8
    }

    /// Where the object's braces are, and whether any raw byte below 0x20 (a CR or LF between tokens of a
    /// pretty-printed object, or a control character inside a string of an unvalidated one) was seen.
    public struct Shape: Sendable, Equatable {
        public var open: Int
        public var close: Int
        public var hasControlBytes: Bool
    }

    /// The members of the object that `bytes` holds, and the offsets of its `{` and `}`; nil when
    /// `bytes` is not a single JSON object.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (open: Int, close: Int, members: [Member])? {
        var members: [Member] = []
        guard let shape = scan(bytes, into: &members) else { return nil }
        return (shape.open, shape.close, members)
    }

    /// Like ``scan(_:)`` but reuses `members` (cleared first) so a hot loop allocates nothing.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>, into members: inout [Member]) -> Shape? {
        members.removeAll(keepingCapacity: true)
        guard let p = bytes.baseAddress else { return nil }
        var cursor = Cursor(p: p, n: bytes.count)
        cursor.skipSpace()
        guard cursor.i < cursor.n, p[cursor.i] == UInt8(ascii: "{") else { return nil }
        let open = cursor.i
        cursor.i += 1
        cursor.skipSpace()
        if cursor.i < cursor.n, p[cursor.i] == UInt8(ascii: "}") {
            let close = cursor.i
            cursor.i += 1
            cursor.skipSpace()
            return cursor.i == cursor.n ? Shape(open: open, close: close, hasControlBytes: cursor.control) : nil
        }
        while true {
            cursor.skipSpace()
            guard cursor.i < cursor.n, p[cursor.i] == UInt8(ascii: "\"") else { return nil }
            let keyStart = cursor.i
            guard cursor.skipString() else { return nil }
            let key = keyStart..<cursor.i
            cursor.skipSpace()
            guard cursor.i < cursor.n, p[cursor.i] == UInt8(ascii: ":") else { return nil }
            cursor.i += 1
            cursor.skipSpace()
            let valueStart = cursor.i
            guard cursor.i < cursor.n else { return nil }
            let first = p[cursor.i]
            guard cursor.skipValue() else { return nil }
            members.append(Member(key: key, value: valueStart..<cursor.i, valueStart: first))
            cursor.skipSpace()
            guard cursor.i < cursor.n else { return nil }
            if p[cursor.i] == UInt8(ascii: ",") { cursor.i += 1; continue }
            guard p[cursor.i] == UInt8(ascii: "}") else { return nil }
            let close = cursor.i
            cursor.i += 1
            cursor.skipSpace()
            return cursor.i == cursor.n ? Shape(open: open, close: close, hasControlBytes: cursor.control) : nil
        }
    }

    private struct Cursor {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0
        var control = false

        init(p: UnsafePointer<UInt8>, n: Int) {
            self.p = p
            self.n = n
        }

        @inline(__always)
        mutating func skipSpace() {
            while i < n {
                let b = p[i]
                if b == 0x20 || b == 0x09 { i += 1; continue }
                if b == 0x0A || b == 0x0D { control = true; i += 1; continue }
                return
            }
        }

        /// Skips a string token starting at its opening quote; false when unterminated.
        @inline(__always)
        mutating func skipString() -> Bool {
            i += 1
            while true {
                // Eight bytes at a time while none is a quote, a backslash or a control byte.
                while i + 8 <= n {
                    let x = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                    let special = SWAR.quoteBackslashOrControl(x)
                    if special == 0 { i += 8 } else { i += special.trailingZeroBitCount >> 3; break }
                }
                guard i < n else { return false }
                let c = p[i]
                if c == UInt8(ascii: "\"") { i += 1; return true }
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c < 0x20 { control = true }
                i += 1
            }
        }

        /// Skips any value; containers are skipped by bracket depth, strings by their quotes.
        mutating func skipValue() -> Bool {
            guard i < n else { return false }
            let c = p[i]
            if c == UInt8(ascii: "\"") { return skipString() }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                var depth = 0
                while i < n {
                    let d = p[i]
                    if d == UInt8(ascii: "\"") { if !skipString() { return false }; continue }
                    if d == UInt8(ascii: "{") || d == UInt8(ascii: "[") { depth += 1 }
                    else if d == UInt8(ascii: "}") || d == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    } else if d < 0x20 { control = true }
                    i += 1
                }
                return false
            }
            // Scalars (numbers, true, false, null) end at a delimiter.
            let start = i
            while i < n {
                let d = p[i]
                if d == UInt8(ascii: ",") || d == UInt8(ascii: "}") || d == UInt8(ascii: "]") || d == 0x20 || d == 0x09 || d == 0x0A || d == 0x0D { break }
                i += 1
            }
            return i > start
        }
    }
}
