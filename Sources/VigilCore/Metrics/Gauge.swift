import Synchronization

/// One series of a gauge family: a value that can go up and down.
/// ```swift
/// let spoolBytes = registry.gauge("vigil_spool_bytes", help: "Bytes in the spool.").labels()
/// spoolBytes.set(4096)
/// ```
public final class Gauge: ExposedSeries {
    private let bits = Atomic<UInt64>(0)

    let labelValues: [String]
    /// `name{labels} ` in both formats.
    let samplePrefix: [UInt8]

    init(labelValues: [String], samplePrefix: [UInt8]) {
        self.labelValues = labelValues
        self.samplePrefix = samplePrefix
    }

    /// Replaces the value.
    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Adds `amount` (may be negative).
    public func increment(by amount: Double = 1) {
        var old = bits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + amount).bitPattern
            let (exchanged, original) = bits.weakCompareExchange(expected: old, desired: new, ordering: .relaxed)
            if exchanged { return }
            old = original
        }
    }

    /// Subtracts `amount`.
    public func decrement(by amount: Double = 1) {
        increment(by: -amount)
    }

    /// The current value.
    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }
}

extension Gauge {
    var prefixLength: Int { samplePrefix.count }
    var labelBlockLength: Int { 0 }
}
