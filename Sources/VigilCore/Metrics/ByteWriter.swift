/// Writes exposition bytes into memory that the encoder sized beforehand from an upper bound, so a scrape
/// is a sequence of `memcpy`s and integer formatting with no growth checks beyond one comparison.
struct ByteWriter: ~Copyable {
    /// Widest rendering of any number we write (`Double.description` is at most 24 bytes).
    static let maxNumberWidth = 32

    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0

    /// Bytes still free.
    var room: Int { capacity &- count }

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    @inline(__always)
    private func ensure(_ n: Int) {
        // The encoder's bound is computed from the same snapshot it renders, so this only fires on a bug.
        precondition(count &+ n <= capacity, "exposition size bound exceeded")
    }

    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        let n = bytes.count
        ensure(n)
        let to = base + count
        if n <= 16 {
            // Most pieces are a few bytes (`0.25"} `, `} `): a call to memmove costs more than the copy.
            var i = 0
            while i < n { to[i] = from[i]; i &+= 1 }
        } else {
            to.update(from: from, count: n)
        }
        count &+= n
    }

    @inline(__always)
    mutating func write(_ byte: UInt8) {
        ensure(1)
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func write(_ text: StaticString) {
        ensure(text.utf8CodeUnitCount)
        (base + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count &+= text.utf8CodeUnitCount
    }

    mutating func write(_ value: UInt64) {
        var digits = 1
        var probe = value
        while probe >= 10 { probe /= 10; digits &+= 1 }
        ensure(digits)
        var v = value
        var i = count &+ digits &- 1
        repeat {
            base[i] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0")
            v /= 10
            i &-= 1
        } while v != 0
        count &+= digits
    }

    /// Integers without a point (as both formats prefer for counts), `NaN`, `+Inf`, `-Inf`, else the
    /// shortest round-tripping decimal.
    mutating func write(_ value: Double) {
        if value.isNaN { write("NaN"); return }
        if value.isInfinite { write(value < 0 ? "-Inf" : "+Inf"); return }
        if value.magnitude < 1e15, value == value.rounded(.towardZero) {
            if value < 0 {
                write(UInt8(ascii: "-"))
                write(UInt64(-value))
            } else {
                write(UInt64(value))
            }
            return
        }
        var text = value.description
        text.withUTF8 { src in
            ensure(src.count)
            (base + count).update(from: src.baseAddress!, count: src.count)
            count &+= src.count
        }
    }
}
