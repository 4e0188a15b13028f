/// Exponential backoff with full jitter: attempt `n` waits a uniformly random time in
/// `[0, min(maximum, initial · 2ⁿ)]` (the "full jitter" of Brooker, "Exponential Backoff And Jitter",
/// AWS Architecture Blog, 2015), which spreads retries of many clients instead of synchronising them.
///
/// ```swift
/// var rng = SystemRandomNumberGenerator()
/// let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
/// let wait = backoff.delay(attempt: 3, using: &rng)   // somewhere in 0...800 ms
/// ```
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30)) {
        precondition(initial > .zero && maximum >= initial, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The upper bound of the wait before retry number `attempt` (0 for the first retry).
    public func ceiling(attempt: Int) -> Duration {
        let initialSeconds = Self.seconds(initial), maxSeconds = Self.seconds(maximum)
        let exponent = Double(min(max(attempt, 0), 62))
        return .nanoseconds(Int64(min(maxSeconds, initialSeconds * pow2(exponent)) * 1e9))
    }

    /// A random wait for retry number `attempt`, drawn from `generator`.
    public func delay<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> Duration {
        let bound = ceiling(attempt: attempt)
        let nanos = Int64(Self.seconds(bound) * 1e9)
        guard nanos > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanos, using: &generator))
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) * 1e-18
    }

    private func pow2(_ e: Double) -> Double {
        var r = 1.0
        for _ in 0..<Int(e) { r *= 2; if r > 1e18 { break } }
        return r
    }
}
