/// A window of the most recent samples, bounded by count and optionally by age.
///
/// Invariants: at most `capacity` samples; after `evict(before:)`, no sample is older than the cutoff; samples
/// are kept in arrival order (timestamps are expected to be non-decreasing; an older one is kept, not reordered).
/// Time is passed in (milliseconds), never read.
///
/// ```swift
/// var window = SlidingWindow<Double>(capacity: 3, maxAgeMillis: nil)
/// for x in [1.0, 2, 3, 4] { _ = window.append(x, at: 0) }
/// window.elements   // [2.0, 3.0, 4.0]
/// ```
public struct SlidingWindow<Element: Sendable>: Sendable {
    public let capacity: Int
    public let maxAgeMillis: Int64?
    private var storage: [(element: Element, at: Int64)] = []
    private var head = 0

    public init(capacity: Int, maxAgeMillis: Int64? = nil) {
        precondition(capacity > 0, "window capacity must be positive")
        self.capacity = capacity
        self.maxAgeMillis = maxAgeMillis
        storage.reserveCapacity(min(capacity, 4096))
    }

    public var count: Int { storage.count - head }
    public var isEmpty: Bool { count == 0 }

    /// Samples from oldest to newest.
    public var elements: [Element] { storage[head...].map(\.element) }

    /// Appends `element` stamped `at`; returns what fell out (over capacity or too old), oldest first.
    @discardableResult
    public mutating func append(_ element: Element, at millis: Int64) -> [Element] {
        storage.append((element, millis))
        var evicted: [Element] = []
        while count > capacity {
            evicted.append(storage[head].element)
            head += 1
        }
        evicted += evict(now: millis)
        compactIfNeeded()
        return evicted
    }

    /// Drops samples older than `now − maxAgeMillis`; returns them, oldest first.
    @discardableResult
    public mutating func evict(now millis: Int64) -> [Element] {
        guard let maxAgeMillis else { return [] }
        var evicted: [Element] = []
        while head < storage.count, storage[head].at < millis - maxAgeMillis {
            evicted.append(storage[head].element)
            head += 1
        }
        compactIfNeeded()
        return evicted
    }

    private mutating func compactIfNeeded() {
        // Amortised O(1): drop the consumed prefix once it is as large as the live part.
        if head > 64, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}
