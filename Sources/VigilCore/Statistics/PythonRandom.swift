/// CPython's `random.Random`: the MT19937 Mersenne Twister with CPython's integer seeding
/// (`init_by_array` over the seed's 32-bit words) and the exact `getrandbits`, `_randbelow` and
/// `sample` algorithms, so a seed gives the same draws as Python 3.11+.
///
/// Vigil uses it where a reference implementation draws from Python's generator (River's KSWIN), so the
/// same seed reproduces River's decisions exactly. It is a deterministic algorithm, not a source of entropy:
/// callers pass the seed in.
///
/// ```swift
/// var rng = PythonRandom(seed: 42)
/// rng.sample(populationSize: 70, count: 3)   // == random.Random(42).sample(range(70), 3)
/// ```
///
/// Reference: M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally equidistributed
/// uniform pseudo-random number generator", ACM TOMACS 8(1), 1998.
/// A source of random sample positions (`random.sample(range(n), k)` semantics): how KSWIN receives its
/// randomness. Implementations are values, so a copy taken at construction replays the same draws.
public protocol IndexSampler: Sendable {
    /// Fills `result` with `result.count` distinct positions in `0..<populationSize`, in selection order.
    mutating func sample(populationSize: Int, into result: inout [Int])
}

public struct PythonRandom: Sendable, RandomNumberGenerator, IndexSampler {
    private static let n = 624
    private static let m = 397
    private var state: [UInt32]
    private var index: Int

    /// Seeds like `random.Random(seed)` for an integer seed (the absolute value is used, as CPython does).
    public init(seed: Int64) {
        self.init(key: PythonRandom.key(for: seed.magnitude))
    }

    /// Seeds like `random.Random(seed)` for a non-negative seed above `Int64.max`'s range too.
    public init(unsignedSeed seed: UInt64) {
        self.init(key: PythonRandom.key(for: seed))
    }

    private static func key(for seed: UInt64) -> [UInt32] {
        if seed == 0 { return [0] }
        var key: [UInt32] = []
        var rest = seed
        while rest != 0 {
            key.append(UInt32(truncatingIfNeeded: rest))
            rest >>= 32
        }
        return key
    }

    private init(key: [UInt32]) {
        var mt = [UInt32](repeating: 0, count: PythonRandom.n)
        mt[0] = 19_650_218
        for i in 1..<PythonRandom.n {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
        var i = 1
        var j = 0
        for _ in 0..<max(PythonRandom.n, key.count) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1
            j += 1
            if i >= PythonRandom.n { mt[0] = mt[PythonRandom.n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(PythonRandom.n - 1) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= PythonRandom.n { mt[0] = mt[PythonRandom.n - 1]; i = 1 }
        }
        mt[0] = 0x8000_0000
        state = mt
        index = PythonRandom.n
    }

    private mutating func twist() {
        let n = PythonRandom.n, m = PythonRandom.m
        state.withUnsafeMutableBufferPointer { mt in
            @inline(__always) func mix(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32 {
                let y = (a & 0x8000_0000) | (b & 0x7FFF_FFFF)
                return c ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
            }
            for k in 0..<(n - m) { mt[k] = mix(mt[k], mt[k + 1], mt[k + m]) }
            for k in (n - m)..<(n - 1) { mt[k] = mix(mt[k], mt[k + 1], mt[k + m - n]) }
            mt[n - 1] = mix(mt[n - 1], mt[0], mt[m - 1])
        }
        index = 0
    }

    /// The next tempered 32-bit output (`genrand_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= PythonRandom.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `RandomNumberGenerator` conformance: two 32-bit outputs, low word first (as `getrandbits(64)`).
    public mutating func next() -> UInt64 { getrandbits(64) }

    /// `random.getrandbits(k)` for 0 ≤ k ≤ 64: words are generated least significant first.
    public mutating func getrandbits(_ k: Int) -> UInt64 {
        precondition(k >= 0 && k <= 64, "getrandbits supports 0...64 bits")
        if k == 0 { return 0 }
        if k <= 32 { return UInt64(nextUInt32() >> UInt32(32 - k)) }
        let low = UInt64(nextUInt32())
        let high = UInt64(nextUInt32() >> UInt32(64 - k))
        return low | (high << 32)
    }

    /// `random._randbelow(n)` (rejection sampling on `n.bit_length()` bits), for n ≥ 1.
    public mutating func randbelow(_ n: Int) -> Int {
        precondition(n > 0, "randbelow needs a positive bound")
        let k = Int.bitWidth - n.leadingZeroBitCount
        var r = getrandbits(k)
        while r >= UInt64(n) { r = getrandbits(k) }
        return Int(r)
    }

    /// `random.sample(range(populationSize), count)`: the positions in selection order.
    public mutating func sample(populationSize n: Int, count k: Int) -> [Int] {
        var result = [Int](repeating: 0, count: k)
        sample(populationSize: n, into: &result)
        return result
    }

    /// `sample` into a caller-owned buffer (its count is k), so hot loops need no allocation.
    public mutating func sample(populationSize n: Int, into result: inout [Int]) {
        let k = result.count
        precondition(k >= 0 && k <= n, "Sample larger than population or is negative")
        // CPython chooses between a pool shuffle and set-based rejection by this table-size heuristic.
        var setsize = 21
        if k > 5 {
            let exponent = Int(cCeil(cLog(Double(k * 3)) / cLog(4)))
            setsize += 1 << (2 * exponent)
        }
        if n <= setsize {
            var pool = Array(0..<n)
            for i in 0..<k {
                let j = randbelow(n - i)
                result[i] = pool[j]
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>(minimumCapacity: k)
            for i in 0..<k {
                var j = randbelow(n)
                while selected.contains(j) { j = randbelow(n) }
                selected.insert(j)
                result[i] = j
            }
        }
    }
}
