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
/// let registry = MetricRegistry()
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
    /// Whether OpenMetrics renders carry `_created` samples (see ``init(defaultCardinalityLimit:clock:openMetricsCreatedSamples:)``).
    public let openMetricsCreatedSamples: Bool
    private let clock: (@Sendable () -> Double)?
    private let state: Mutex<State>
    private let overflowFamily: CounterFamily
    private let renderDuration: Gauge

    /// - Parameters:
    ///   - defaultCardinalityLimit: series per family before label sets fold into `other`.
    ///   - clock: unix time in seconds, read once per series for its OpenMetrics `_created` sample.
    ///   - openMetricsCreatedSamples: whether OpenMetrics output carries a `_created` sample for every counter and
    ///     histogram series (needs `clock`). Off by default, as in client_golang and client_java: it doubles the
    ///     lines of a counter-heavy scrape, and Prometheus ignores these samples unless its
    ///     `created-timestamp-zero-ingestion` feature is on. Prometheus text never has them.
    public init(defaultCardinalityLimit: Int = 10_000, clock: (@Sendable () -> Double)? = nil,
                openMetricsCreatedSamples: Bool = false) {
        precondition(defaultCardinalityLimit >= 1, "a cardinality limit must be at least 1")
        self.defaultCardinalityLimit = defaultCardinalityLimit
        // Without created samples the creation time is never written: do not read the clock for it.
        self.clock = openMetricsCreatedSamples ? clock : nil
        self.openMetricsCreatedSamples = openMetricsCreatedSamples && clock != nil
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
        ExpositionEncoder.render(prepareFamilies(), format: format, createdSamples: openMetricsCreatedSamples)
    }

    /// Renders straight into memory the caller owns, such as a NIO `ByteBuffer`, saving the copy that
    /// wrapping `render(_:)`'s array would cost. `writer` gets the largest size the exposition can take and a
    /// function that writes it into a buffer of at least that size and returns the number of bytes written.
    /// (With a NIO `ByteBuffer`: `buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maximumSize) { write($0) }`.)
    /// ```swift
    /// var body: [UInt8] = []
    /// registry.render(.openMetrics) { maximumSize, write in
    ///     body = [UInt8](unsafeUninitializedCapacity: maximumSize) { bytes, count in
    ///         count = write(UnsafeMutableRawBufferPointer(bytes))
    ///     }
    /// }
    /// ```
    public func render(_ format: ExpositionFormat,
                       using writer: (_ maximumSize: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) -> Void) {
        let prepared = ExpositionEncoder.prepare(prepareFamilies(), format: format,
                                                 createdSamples: openMetricsCreatedSamples)
        writer(prepared.maximumSize) { ExpositionEncoder.write(prepared, into: $0) }
    }

    /// Renders in pieces of about `chunkBytes` (more when one series or header needs it), each ending at a line
    /// end, and hands each to `consume` (valid only during the call) — for callers that transform the bytes
    /// anyway, such as a streaming compressor. The exposition never exists in memory as a whole, and the
    /// pieces stay in the processor's cache between rendering and compressing.
    /// ```swift
    /// var body: [UInt8] = []
    /// registry.render(.prometheusText, chunkBytes: 64 << 10) { body.append(contentsOf: $0) }
    /// ```
    public func render<E: Error>(_ format: ExpositionFormat, chunkBytes: Int,
                                 _ consume: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        let prepared = ExpositionEncoder.prepare(prepareFamilies(), format: format,
                                                 createdSamples: openMetricsCreatedSamples)
        // Never more than the whole exposition: a small registry renders in one piece.
        let size = max(prepared.largestPiece, min(chunkBytes, prepared.maximumSize))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { chunk.deallocate() }
        var cursor = ExpositionEncoder.Cursor()
        while !cursor.isFinished {
            let written = ExpositionEncoder.write(prepared, into: chunk, from: &cursor)
            // The largest piece fits an empty chunk by construction; stop rather than spin if that ever breaks.
            precondition(written > 0 || cursor.isFinished, "a render piece did not fit an empty chunk")
            if written > 0 { try consume(UnsafeRawBufferPointer(rebasing: chunk[0..<written])) }
        }
    }

    /// The families after running the collectors, for ``snapshot()``.
    func prepareFamiliesForSnapshot() -> [Family] { prepareFamilies() }

    private func prepareFamilies() -> [Family] {
        let collectors = state.withLock { $0.collectors }
        for collector in collectors { collector() }
        return state.withLock { $0.ordered }
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
