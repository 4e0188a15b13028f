/// One compiled `metrics_from_logs` mapping with a cache of series handles per label-value tuple.
///
/// The cache is keyed by a 64-bit hash of the raw label bytes and confirmed by comparing them, so the hot
/// path neither builds `String`s nor asks the registry for a series it has already seen. It is cleared
/// when it grows past `maxCachedSeries`, which bounds memory whatever the input.
struct DerivedMetric: Sendable {
    enum Condition: Sendable {
        /// The event's kind equals this (nil: a kind name that never matches).
        case kind(EventKind?)
        /// The top-level field's text equals these bytes.
        case field(Int, [UInt8])
    }

    enum Family: Sendable {
        case counter(CounterFamily)
        case histogram(HistogramFamily)
    }

    enum Handle: Sendable {
        case counter(Counter)
        case histogram(Histogram)
    }

    struct CacheEntry: Sendable {
        var labelBytes: [UInt8]
        var handle: Handle
    }

    static let maxCachedSeries = 4096

    let mapping: LogMetricMapping
    let family: Family
    let labelSlots: [Int]
    let valueSlot: Int
    let conditions: [Condition]
    private var cache: [UInt64: CacheEntry] = [:]
    private var keyBytes: [UInt8] = []

    init(mapping: LogMetricMapping, registry: MetricRegistry, labelSlots: [Int], valueSlot: Int, conditions: [Condition]) {
        self.mapping = mapping
        self.labelSlots = labelSlots
        self.valueSlot = valueSlot
        self.conditions = conditions
        let names = mapping.labels.map(\.name)
        switch mapping.kind {
        case .counter:
            family = .counter(registry.counter(mapping.name, help: mapping.help, labelNames: names,
                                               cardinalityLimit: mapping.cardinalityLimit))
        case .histogram:
            family = .histogram(registry.histogram(mapping.name, help: mapping.help, labelNames: names,
                                                   buckets: mapping.buckets, cardinalityLimit: mapping.cardinalityLimit))
        }
    }

    mutating func observe(slots: [JSONValueSpan], bytes: UnsafeBufferPointer<UInt8>, kind: EventKind) {
        for c in conditions {
            switch c {
            case .kind(let k):
                if k != kind { return }
            case .field(let slot, let expected):
                let span = slots[slot]
                guard span.kind != .absent, span.end - span.start == expected.count else { return }
                for k in 0..<expected.count where bytes[span.start + k] != expected[k] { return }
            }
        }
        var value = 1.0
        if valueSlot >= 0 {
            let span = slots[valueSlot]
            guard span.kind == .number || span.kind == .string,
                  let v = JSONString.parseDouble(UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])) else { return }
            value = v * mapping.scale
        }
        // Hash the label values in place; the cache entry holds each value's bytes followed by 0xFF
        // (never valid inside UTF-8 text), compared without copying on a hit.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for slot in labelSlots {
            let span = slots[slot]
            if span.kind == .string || span.kind == .number || span.kind == .true || span.kind == .false {
                var k = span.start
                while k < span.end {
                    hash = (hash ^ UInt64(bytes[k])) &* 0x0000_0100_0000_01B3
                    k += 1
                }
                if span.hasEscapes { hash = (hash ^ 0xFE) &* 0x0000_0100_0000_01B3 }
            }
            hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01B3
        }
        let handle: Handle
        if let entry = cache[hash], matches(entry.labelBytes, slots: slots, bytes: bytes) {
            handle = entry.handle
        } else {
            keyBytes.removeAll(keepingCapacity: true)
            for slot in labelSlots {
                let span = slots[slot]
                if span.kind == .string || span.kind == .number || span.kind == .true || span.kind == .false {
                    keyBytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]))
                    if span.hasEscapes { keyBytes.append(0xFE) }
                }
                keyBytes.append(0xFF)
            }
            handle = lookup(slots: slots, bytes: bytes)
            if cache.count >= Self.maxCachedSeries { cache.removeAll(keepingCapacity: true) }
            cache[hash] = CacheEntry(labelBytes: keyBytes, handle: handle)
        }
        switch handle {
        case .counter(let c): c.increment(by: value)
        case .histogram(let h): h.observe(value)
        }
    }

    /// Whether `stored` (values separated by 0xFF) equals the current label values.
    private func matches(_ stored: [UInt8], slots: [JSONValueSpan], bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        stored.withUnsafeBufferPointer { st in
            var j = 0
            for slot in labelSlots {
                let span = slots[slot]
                if span.kind == .string || span.kind == .number || span.kind == .true || span.kind == .false {
                    var k = span.start
                    while k < span.end {
                        guard j < st.count, st[j] == bytes[k] else { return false }
                        j += 1
                        k += 1
                    }
                    if span.hasEscapes {
                        guard j < st.count, st[j] == 0xFE else { return false }
                        j += 1
                    }
                }
                guard j < st.count, st[j] == 0xFF else { return false }
                j += 1
            }
            return j == st.count
        }
    }

    private func lookup(slots: [JSONValueSpan], bytes: UnsafeBufferPointer<UInt8>) -> Handle {
        let values = labelSlots.map { slot -> String in
            let span = slots[slot]
            switch span.kind {
            case .string, .number, .true, .false: return EventPipeline.text(span, bytes)
            default: return ""
            }
        }
        switch family {
        case .counter(let f): return .counter(f.labels(values))
        case .histogram(let f): return .histogram(f.labels(values))
        }
    }
}
