/// Sorting of `Double` samples for the batch statistics: an LSD radix sort on the IEEE-754 bit patterns
/// (order-preserving key transform, 11-bit digits) for large arrays, the standard library's sort for small
/// ones. Radix sort keeps KS on 1,000,000 × 1,000,000 values well inside its time budget.
enum Sorting {
    static let radixThreshold = 4_096

    /// Sorts ascending. NaNs are not allowed (callers drop them first).
    static func sort(_ values: inout [Double]) {
        if values.count < radixThreshold {
            values.sort()
            return
        }
        let n = values.count
        var keys = [UInt64](repeating: 0, count: n)
        var scratch = [UInt64](repeating: 0, count: n)
        values.withUnsafeBufferPointer { src in
            keys.withUnsafeMutableBufferPointer { k in
                for i in 0..<n {
                    let bits = src[i].bitPattern
                    // Negative numbers: flip all bits; positive: flip the sign bit. Unsigned order == numeric order.
                    k[i] = (bits & (1 << 63)) != 0 ? ~bits : bits | (1 << 63)
                }
            }
        }
        let digitBits = 11
        let buckets = 1 << digitBits
        var counts = [Int](repeating: 0, count: buckets)
        keys.withUnsafeMutableBufferPointer { kp in
            scratch.withUnsafeMutableBufferPointer { sp in
                counts.withUnsafeMutableBufferPointer { cp in
                    var from = kp, to = sp
                    var shift: UInt64 = 0
                    while shift < 64 {
                        for b in 0..<buckets { cp[b] = 0 }
                        for i in 0..<n { cp[Int((from[i] >> shift) & UInt64(buckets - 1))] += 1 }
                        // A digit that is the same everywhere needs no pass.
                        if cp[Int((from[0] >> shift) & UInt64(buckets - 1))] == n {
                            shift += UInt64(digitBits)
                            continue
                        }
                        var sum = 0
                        for b in 0..<buckets { let c = cp[b]; cp[b] = sum; sum += c }
                        for i in 0..<n {
                            let key = from[i]
                            let d = Int((key >> shift) & UInt64(buckets - 1))
                            to[cp[d]] = key
                            cp[d] += 1
                        }
                        swap(&from, &to)
                        shift += UInt64(digitBits)
                    }
                    values.withUnsafeMutableBufferPointer { out in
                        for i in 0..<n {
                            let key = from[i]
                            let bits = (key & (1 << 63)) != 0 ? key & ~(1 << 63) : ~key
                            out[i] = Double(bitPattern: bits)
                        }
                    }
                }
            }
        }
    }
}
