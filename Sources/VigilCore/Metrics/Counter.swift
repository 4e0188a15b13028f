import Synchronization

/// One series of a counter family: a value that only goes up.
///
/// Keep the handle on hot paths; every update is a single atomic operation.
/// ```swift
/// let received = registry.counter("vigil_events_received_total", help: "Events read.", labelNames: ["source"])
/// let fromFile = received.labels("file")
/// fromFile.increment()
/// ```
public final class Counter: ExposedSeries {
    // Whole-number increments (the common case) are one lock-free add; fractional ones go to a separate
    // double updated with compare-and-swap. The value is their sum.
    private let integerPart = Atomic<UInt64>(0)
    private let fractionalBits = Atomic<UInt64>(0)

    let labelValues: [String]
    /// `name{labels} ` as the sample prefix of the total in both formats.
    let samplePrefix: [UInt8]
    /// Where `{labels` (open) sits in `samplePrefix` (empty without labels): for the `_created` line.
    let labelBlock: Range<Int>
    /// Unix seconds when the series was created; NaN when the registry has no clock.
    let created: Double

    init(labelValues: [String], samplePrefix: [UInt8], labelBlock: Range<Int>, created: Double) {
        self.labelValues = labelValues
        self.samplePrefix = samplePrefix
        self.labelBlock = labelBlock
        self.created = created
    }

    /// Adds `amount` (must not be negative: counters never go down).
    public func increment(by amount: Int) {
        precondition(amount >= 0, "a counter cannot decrease")
        integerPart.wrappingAdd(UInt64(amount), ordering: .relaxed)
    }

    /// Adds `amount` (must not be negative: counters never go down).
    public func increment(by amount: Double = 1) {
        precondition(!(amount < 0), "a counter cannot decrease")
        if amount < 9_007_199_254_740_992, amount == amount.rounded(.towardZero) {
            integerPart.wrappingAdd(UInt64(amount), ordering: .relaxed)
            return
        }
        var old = fractionalBits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + amount).bitPattern
            let (exchanged, original) = fractionalBits.weakCompareExchange(
                expected: old, desired: new, ordering: .relaxed)
            if exchanged { return }
            old = original
        }
    }

    /// Replaces the total. For collectors that mirror a counter kept elsewhere (for example the kernel's
    /// CPU time in `process_cpu_seconds_total`); instrumented code uses `increment`.
    public func set(total: Double) {
        if total >= 0, total < 9_007_199_254_740_992, total == total.rounded(.towardZero) {
            fractionalBits.store(0, ordering: .relaxed)
            integerPart.store(UInt64(total), ordering: .relaxed)
        } else {
            integerPart.store(0, ordering: .relaxed)
            fractionalBits.store(total.bitPattern, ordering: .relaxed)
        }
    }

    /// The current total.
    public var value: Double {
        let fraction = fractionalBits.load(ordering: .relaxed)
        let whole = integerPart.load(ordering: .relaxed)
        return fraction == 0 ? Double(whole) : Double(whole) + Double(bitPattern: fraction)
    }
}

extension Counter {
    var prefixLength: Int { samplePrefix.count }
    var labelBlockLength: Int { labelBlock.count }
}
