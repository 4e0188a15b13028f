import Synchronization

/// The label-values → series map of one family, with the cardinality limit.
///
/// Invariants: `ordered` holds every series once, in creation order, and only grows, so a render can take it
/// as a snapshot (one retain) and read values outside the lock; at most `limit` label sets get their own
/// series, later ones share the single all-`other` series.
final class SeriesTable<Series: AnyObject & Sendable>: Sendable {
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
                state.ordered.append(overflow)
                return (overflow, true)
            }
            let created = make(values)
            state.index[key] = created
            state.ordered.append(created)
            return (created, false)
        }
        // Outside our lock: the overflow counter is a series of another family with its own lock.
        if overflowed { onOverflow?() }
        return series
    }

    var snapshot: [Series] {
        state.withLock { $0.ordered }
    }

    var count: Int {
        state.withLock { $0.ordered.count }
    }
}
