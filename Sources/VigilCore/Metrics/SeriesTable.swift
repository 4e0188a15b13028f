import Synchronization

/// A series' pre-rendered byte lengths, from which the encoder bounds its output.
protocol ExposedSeries: AnyObject, Sendable {
    /// Bytes of the pre-rendered sample (or bucket) prefix.
    var prefixLength: Int { get }
    /// Bytes of its `{labels` block (0 without labels).
    var labelBlockLength: Int { get }
}

/// The series of a family at one instant, with the totals and maxima of their byte lengths (kept up to date at
/// insertion, so a render bounds its output without visiting every series twice).
struct SeriesSnapshot<Series> {
    var series: [Series]
    var prefixBytes: Int
    var labelBlockBytes: Int
    var largestPrefix: Int
    var largestLabelBlock: Int
}

/// The label-values → series map of one family, with the cardinality limit.
///
/// Invariants: `ordered` holds every series once, in creation order, and only grows, so a render can take it
/// as a snapshot (one retain) and read values outside the lock; at most `limit` label sets get their own
/// series, later ones share the single all-`other` series.
final class SeriesTable<Series: ExposedSeries>: Sendable {
    /// Label values with their hash computed once (seeded `Hasher`, so hostile label values cannot force
    /// collisions): a lookup hashes the strings once, and growing the dictionary rehashes only the integer.
    struct Key: Hashable {
        let values: [String]
        let hash: Int

        init(_ values: [String]) {
            var hasher = Hasher()
            for value in values { hasher.combine(value) }
            self.values = values
            self.hash = hasher.finalize()
        }

        static func == (a: Key, b: Key) -> Bool { a.hash == b.hash && a.values == b.values }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    struct State {
        var index: [Key: Series] = [:]
        var ordered: [Series] = []
        var overflow: Series?
        var prefixBytes = 0
        var labelBlockBytes = 0
        var largestPrefix = 0
        var largestLabelBlock = 0

        mutating func append(_ series: Series) {
            ordered.append(series)
            prefixBytes &+= series.prefixLength
            labelBlockBytes &+= series.labelBlockLength
            largestPrefix = max(largestPrefix, series.prefixLength)
            largestLabelBlock = max(largestLabelBlock, series.labelBlockLength)
        }
    }

    let name: String
    let labelNames: [String]
    let limit: Int
    private let state = Mutex(State())
    private let make: @Sendable ([String]) -> Series
    private let onOverflow: (@Sendable () -> Void)?

    init(name: String, labelNames: [String], limit: Int,
         onOverflow: (@Sendable () -> Void)?, make: @escaping @Sendable ([String]) -> Series) {
        precondition(limit >= 1, "a cardinality limit must be at least 1")
        self.name = name
        self.labelNames = labelNames
        self.limit = limit
        self.make = make
        self.onOverflow = onOverflow
        if labelNames.isEmpty {
            // A family without labels has exactly one series; expose it (at zero) from the start.
            _ = lookup([])
        }
    }

    func lookup(_ values: [String]) -> Series {
        precondition(values.count == labelNames.count,
                     "\(name) takes \(labelNames.count) label values, got \(values.count)")
        let key = Key(values)
        let (series, overflowed) = state.withLock { state -> (Series, Bool) in
            if let existing = state.index[key] { return (existing, false) }
            if state.index.count >= limit {
                if let overflow = state.overflow { return (overflow, true) }
                let overflow = make(Array(repeating: "other", count: labelNames.count))
                state.overflow = overflow
                state.append(overflow)
                return (overflow, true)
            }
            let created = make(values)
            state.index[key] = created
            state.append(created)
            return (created, false)
        }
        // Outside our lock: the overflow counter is a series of another family with its own lock.
        if overflowed { onOverflow?() }
        return series
    }

    /// The series in creation order and their byte-length totals, taken under one lock so they agree.
    var snapshot: SeriesSnapshot<Series> {
        state.withLock {
            SeriesSnapshot(series: $0.ordered, prefixBytes: $0.prefixBytes, labelBlockBytes: $0.labelBlockBytes,
                           largestPrefix: $0.largestPrefix, largestLabelBlock: $0.largestLabelBlock)
        }
    }

    var count: Int {
        state.withLock { $0.ordered.count }
    }
}
