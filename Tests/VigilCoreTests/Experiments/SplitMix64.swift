import Foundation

/// A tiny seeded generator for the simulation tests (Steele, Lea, Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): the same seed gives the same streams on every platform, so the simulated error rates
/// are exact numbers, not flaky ones.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// A standard normal draw (Box–Muller; one of the pair is dropped for simplicity).
    mutating func normal() -> Double {
        let u1 = 1 - uniform()   // (0, 1]: log never sees 0
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
