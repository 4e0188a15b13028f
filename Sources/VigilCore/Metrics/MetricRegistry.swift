import Synchronization

/// Holds every metric family of the agent and renders them for `/metrics`.
///
/// Registration is idempotent: asking again for the same name, kind and label names (and buckets) returns the
/// same family; asking with a different shape, or an invalid name, is a programmer error (precondition).
/// Each family takes at most `cardinalityLimit` label sets (default `defaultCardinalityLimit`); later ones fold
/// into one series whose label values are all `other`, and each such lookup increments
/// `vigil_metric_series_overflow_total{metric="<family>"}`.
///
/// The registry also owns `vigil_metrics_render_duration_seconds`, which the HTTP server sets through
/// ``recordRenderDuration(seconds:)`` after each render (the core reads no clock).
///
/// ```swift
/// let registry = MetricRegistry(clock: { Date().timeIntervalSince1970 })
/// let requests = registry.counter("vigil_http_requests_total", help: "HTTP requests.", labelNames: ["route"])
/// requests.labels("/metrics").increment()
/// let body = registry.render(.prometheusText)
/// ```
public final class MetricRegistry: Sendable {
    enum Family: Sendable {
        case counter(CounterFamily)
        case gauge(GaugeFamily)
        case histogram(HistogramFamily)

        var name: String {
            switch self {
            case .counter(let f): f.name
            case .gauge(let f): f.name
            case .histogram(let f): f.name
            }
        }
    }

    private struct State {
        var byName: [String: Family] = [:]
        /// Registration order (the registry's own families first): stable output without sorting.
        var ordered: [Family] = []
        var collectors: [@Sendable () -> Void] = []
    }

    /// Prometheus's default buckets, for latencies in seconds.
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Name of the counter of label sets folded into `other`.
    public static let overflowMetricName = "vigil_metric_series_overflow_total"
    /// Name of the gauge set by ``recordRenderDuration(seconds:)``.
    public static let renderDurationMetricName = "vigil_metrics_render_duration_seconds"

    public let defaultCardinalityLimit: Int
    private let clock: (@Sendable () -> Double)?
    private let state: Mutex<State>
    private let overflowFamily: CounterFamily
    private let renderDuration: Gauge
    /// Memory `withRendered` renders into, kept between scrapes: a fresh multi-megabyte block each time
    /// costs more in page faults than the rendering itself.
    private let scratch = Mutex(RenderScratch())

    /// - Parameters:
    ///   - defaultCardinalityLimit: series per family before label sets fold into `other`.
    ///   - clock: unix time in seconds, used for OpenMetrics `_created` samples; without it they are omitted.
    public init(defaultCardinalityLimit: Int = 10_000, clock: (@Sendable () -> Double)? = nil) {
        precondition(defaultCardinalityLimit >= 1, "a cardinality limit must be at least 1")
        self.defaultCardinalityLimit = defaultCardinalityLimit
        self.clock = clock
        // One series per family at most, so this family needs no limit of its own.
        let overflow = CounterFamily(
            name: Self.overflowMetricName,
            help: "Label sets that exceeded a metric family's cardinality limit and were counted in its series labelled other.",
            labelNames: ["metric"], limit: Int.max, clock: clock, onOverflow: nil)
        let duration = GaugeFamily(
            name: Self.renderDurationMetricName,
            help: "Duration of the last render of the metrics exposition, in seconds.",
            labelNames: [], limit: 1, onOverflow: nil)
        overflowFamily = overflow
        renderDuration = duration.labels()
        var initial = State()
        for family in [Family.counter(overflow), .gauge(duration)] {
            initial.byName[family.name] = family
        }
        initial.ordered = [.counter(overflow), .gauge(duration)]
        state = Mutex(initial)
    }

    /// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    public static func isValidMetricName(_ name: String) -> Bool { MetricText.isValidMetricName(name) }

    /// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`).
    public static func isValidLabelName(_ name: String) -> Bool { MetricText.isValidLabelName(name) }

    /// Registers (or finds) a counter family. Name it with a `_total` suffix.
    public func counter(_ name: String, help: String, labelNames: [String] = [],
                        cardinalityLimit: Int? = nil) -> CounterFamily {
        validate(name: name, labelNames: labelNames, reserved: [])
        let limit = cardinalityLimit ?? defaultCardinalityLimit
        let found = register(name: name) {
            .counter(CounterFamily(name: name, help: help, labelNames: labelNames, limit: limit, clock: clock,
                                   onOverflow: overflowCallback(for: name)))
        }
        guard case .counter(let family) = found, family.labelNames == labelNames else {
            preconditionFailure("metric \(name) is already registered with another type or other label names")
        }
        return family
    }

    /// Registers (or finds) a gauge family.
    public func gauge(_ name: String, help: String, labelNames: [String] = [],
                      cardinalityLimit: Int? = nil) -> GaugeFamily {
        validate(name: name, labelNames: labelNames, reserved: [])
        let limit = cardinalityLimit ?? defaultCardinalityLimit
        let found = register(name: name) {
            .gauge(GaugeFamily(name: name, help: help, labelNames: labelNames, limit: limit,
                               onOverflow: overflowCallback(for: name)))
        }
        guard case .gauge(let family) = found, family.labelNames == labelNames else {
            preconditionFailure("metric \(name) is already registered with another type or other label names")
        }
        return family
    }

    /// Registers (or finds) a histogram family. `buckets` are finite upper bounds, strictly increasing
    /// (a trailing `+Inf` is accepted and dropped: it is always present).
    public func histogram(_ name: String, help: String, labelNames: [String] = [], buckets: [Double],
                          cardinalityLimit: Int? = nil) -> HistogramFamily {
        validate(name: name, labelNames: labelNames, reserved: ["le"])
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        for (i, bound) in bounds.enumerated() {
            precondition(bound.isFinite, "histogram \(name): bucket bounds must be finite numbers")
            precondition(i == 0 || bounds[i - 1] < bound,
                         "histogram \(name): bucket bounds must be strictly increasing")
        }
        let limit = cardinalityLimit ?? defaultCardinalityLimit
        let found = register(name: name) {
            .histogram(HistogramFamily(name: name, help: help, labelNames: labelNames, buckets: bounds,
                                       limit: limit, clock: clock, onOverflow: overflowCallback(for: name)))
        }
        guard case .histogram(let family) = found, family.labelNames == labelNames, family.buckets == bounds else {
            preconditionFailure("metric \(name) is already registered with another type, labels or buckets")
        }
        return family
    }

    /// Adds a closure run at the start of every render, to refresh values read from elsewhere
    /// (process statistics, spool size). It must be quick and must not call `render`.
    public func addCollector(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.collectors.append(body) }
    }

    /// Sets `vigil_metrics_render_duration_seconds`. The HTTP server calls this after each render with the
    /// time it measured, so the next scrape reports the duration of the previous one.
    public func recordRenderDuration(seconds: Double) {
        renderDuration.set(seconds)
    }

    /// Renders every family in `format`. Collectors run first; then the series lists are snapshotted (one
    /// lock per family, held only to copy an array reference) and values are read atomically while writing.
    public func render(_ format: ExpositionFormat) -> [UInt8] {
        ExpositionEncoder.render(prepareFamilies(), format: format)
    }

    /// Renders straight into memory the caller owns, such as a NIO `ByteBuffer`, saving the copy that
    /// wrapping `render(_:)`'s array would cost. `writer` gets the largest size the exposition can take and a
    /// function that writes it into a buffer of at least that size and returns the number of bytes written.
    /// ```swift
    /// var buffer = ByteBufferAllocator().buffer(capacity: 0)
    /// registry.render(.openMetrics) { maximumSize, write in
    ///     buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maximumSize) { write($0) }
    /// }
    /// ```
    public func render(_ format: ExpositionFormat,
                       using writer: (_ maximumSize: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) -> Void) {
        let prepared = ExpositionEncoder.prepare(prepareFamilies(), format: format)
        writer(prepared.maximumSize) { ExpositionEncoder.write(prepared, into: $0) }
    }

    /// Renders into a buffer the registry keeps between calls and lends it to `body` (valid only inside it),
    /// for callers that transform the bytes anyway, such as gzip. A call that finds the buffer lent out
    /// (concurrent scrapes) uses a buffer of its own.
    public func withRendered<R>(_ format: ExpositionFormat, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let prepared = ExpositionEncoder.prepare(prepareFamilies(), format: format)
        var buffer = scratch.withLock { $0.take() }
        defer {
            let spare = scratch.withLock { kept in
                // Keep the larger buffer; free the other.
                if kept.capacity >= buffer.capacity { return buffer }
                let old = kept
                kept = buffer
                return old
            }
            var toFree = spare
            toFree.release()
        }
        let memory = buffer.reserve(prepared.maximumSize)
        let count = ExpositionEncoder.write(prepared, into: memory)
        return try body(UnsafeRawBufferPointer(rebasing: memory[0..<count]))
    }

    private func prepareFamilies() -> [Family] {
        let collectors = state.withLock { $0.collectors }
        for collector in collectors { collector() }
        return state.withLock { $0.ordered }
    }

    deinit {
        scratch.withLock { $0.release() }
    }

    // MARK: - Registration helpers

    private func validate(name: String, labelNames: [String], reserved: Set<String>) {
        precondition(MetricText.isValidMetricName(name), "invalid metric name \(name)")
        for label in labelNames {
            precondition(MetricText.isValidLabelName(label), "invalid label name \(label) in \(name)")
            precondition(!reserved.contains(label), "label name \(label) is reserved in \(name)")
        }
        precondition(Set(labelNames).count == labelNames.count, "duplicate label names in \(name)")
    }

    private func register(name: String, make: () -> Family) -> Family {
        state.withLock { state in
            if let existing = state.byName[name] { return existing }
            let family = make()
            state.byName[name] = family
            state.ordered.append(family)
            return family
        }
    }

    private func overflowCallback(for name: String) -> @Sendable () -> Void {
        let overflowFamily = self.overflowFamily
        return { overflowFamily.labels(name).increment() }
    }
}

/// A growable raw buffer that shrinks again when the output has become much smaller. It has one owner at a
/// time: the registry's mutex hands it out (`take`) and gets it back, hence `@unchecked Sendable`.
struct RenderScratch: @unchecked Sendable {
    private var memory = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    var capacity: Int { memory.count }

    /// Moves the buffer out, leaving an empty one.
    mutating func take() -> RenderScratch {
        let taken = self
        self = RenderScratch()
        return taken
    }

    mutating func reserve(_ size: Int) -> UnsafeMutableRawBufferPointer {
        let tooSmall = memory.count < size
        let wasteful = memory.count > 1 << 20 && size < memory.count / 4
        if tooSmall || wasteful {
            release()
            memory = .allocate(byteCount: size + size / 4, alignment: 16)
        }
        return memory
    }

    mutating func release() {
        memory.deallocate()
        memory = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }
}
