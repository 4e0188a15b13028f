/// Finds the members of a JSON object's top level without building a tree, so that the shipper can add
/// fields to a document by splicing bytes instead of re-serialising it.
///
/// The scan trusts that the input was validated upstream (the ingestion pipeline parses every event);
/// on malformed input it returns nil rather than guessing.
public enum JSONObjectScanner {
    /// One top-level member: byte ranges of the key token (quotes included) and of the value token.
    public struct Member: Sendable, Equatable {
        public var key: Range<Int>
        public var value: Range<Int>
        /// The first byte of the value: `"`, `{`, `[`, `t`, `f`, `n` or a number's first character.
        public var valueStart: UInt8
    }

    /// The members of the object that `bytes` holds, and the offsets of its `{` and `}`; nil when
    /// `bytes` is not a single JSON object.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (open: Int, close: Int, members: [Member])? {
        var i = 0
        let n = bytes.count
        func skipSpace() { while i < n, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 } }
        // Skips a string token starting at its opening quote; false when unterminated.
        func skipString() -> Bool {
            i += 1
            while i < n {
                let c = bytes[i]
                if c == UInt8(ascii: "\\") { i += 2; continue }
                i += 1
                if c == UInt8(ascii: "\"") { return true }
            }
            return false
        }
        // Skips any value; containers are skipped by bracket depth, strings by their quotes.
        func skipValue() -> Bool {
            guard i < n else { return false }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { return skipString() }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                var depth = 0
                while i < n {
                    let d = bytes[i]
                    if d == UInt8(ascii: "\"") { if !skipString() { return false }; continue }
                    if d == UInt8(ascii: "{") || d == UInt8(ascii: "[") { depth += 1 }
                    else if d == UInt8(ascii: "}") || d == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    }
                    i += 1
                }
                return false
            }
            // Scalars (numbers, true, false, null) end at a delimiter.
            let start = i
            while i < n {
                let d = bytes[i]
                if d == UInt8(ascii: ",") || d == UInt8(ascii: "}") || d == UInt8(ascii: "]") || d == 0x20 || d == 0x09 || d == 0x0A || d == 0x0D { break }
                i += 1
            }
            return i > start
        }

        skipSpace()
        guard i < n, bytes[i] == UInt8(ascii: "{") else { return nil }
        let open = i
        i += 1
        var members: [Member] = []
        skipSpace()
        if i < n, bytes[i] == UInt8(ascii: "}") {
            let close = i
            i += 1
            skipSpace()
            return i == n ? (open, close, members) : nil
        }
        while true {
            skipSpace()
            guard i < n, bytes[i] == UInt8(ascii: "\"") else { return nil }
            let keyStart = i
            guard skipString() else { return nil }
            let key = keyStart..<i
            skipSpace()
            guard i < n, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            let valueStart = i
            guard i < n else { return nil }
            let first = bytes[i]
            guard skipValue() else { return nil }
            members.append(Member(key: key, value: valueStart..<i, valueStart: first))
            skipSpace()
            guard i < n else { return nil }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard bytes[i] == UInt8(ascii: "}") else { return nil }
            let close = i
            i += 1
            skipSpace()
            return i == n ? (open, close, members) : nil
        }
    }
}
