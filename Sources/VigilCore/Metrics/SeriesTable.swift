import Synchronization

/// The label-values → series map of one family, with the cardinality limit.
///
/// Invariants: `ordered` holds every series once, in creation order, and only grows, so a render can take it
/// as a snapshot (one retain) and read values outside the lock; at most `limit` label sets get their own
/// series, later ones share the single all-`other` series.
final class SeriesTable<Series: AnyObject & Sendable>: Sendable {
    struct State {
        var index: [[String]: Series] = [:]
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
        let (series, overflowed) = state.withLock { state -> (Series, Bool) in
            if let existing = state.index[values] { return (existing, false) }
            if state.index.count >= limit {
                if let overflow = state.overflow { return (overflow, true) }
                let overflow = make(Array(repeating: "other", count: labelNames.count))
                state.overflow = overflow
                state.ordered.append(overflow)
                return (overflow, true)
            }
            let created = make(values)
            state.index[values] = created
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
