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
        let passes = (64 + digitBits - 1) / digitBits
        let mask = UInt64(buckets - 1)
        // One read pass builds every digit's histogram.
        var counts = [Int](repeating: 0, count: buckets * passes)
        keys.withUnsafeMutableBufferPointer { kp in
            scratch.withUnsafeMutableBufferPointer { sp in
                counts.withUnsafeMutableBufferPointer { cp in
                    for i in 0..<n {
                        let key = kp[i]
                        for p in 0..<passes {
                            cp[p * buckets + Int((key >> UInt64(p * digitBits)) & mask)] += 1
                        }
                    }
                    var from = kp, to = sp
                    for p in 0..<passes {
                        let shift = UInt64(p * digitBits)
                        let base = p * buckets
                        // A digit that is the same everywhere needs no pass.
                        if cp[base + Int((from[0] >> shift) & mask)] == n { continue }
                        var sum = 0
                        for b in 0..<buckets { let c = cp[base + b]; cp[base + b] = sum; sum += c }
                        for i in 0..<n {
                            let key = from[i]
                            let d = base + Int((key >> shift) & mask)
                            to[cp[d]] = key
                            cp[d] += 1
                        }
                        swap(&from, &to)
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
