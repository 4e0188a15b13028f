import VigilCore

/// The benchmark's series: half counters with 3 labels, half histograms with 10 buckets and 2 labels, spread
/// over 10 families of each kind (so every family stays under the default cardinality limit up to 200,000
/// series in total). Every series gets a few updates, and the histogram sums are non-integral, as in real use.
struct Workload {
    /// What `seriesCount` counts: label sets (a histogram with 10 buckets is one series, 13 samples), or
    /// samples, Prometheus's time series (a histogram is then 13 series).
    enum Unit: String { case children, samples }

    static let familiesPerKind = 10
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    static let statuses = ["200", "404", "500"]

    let seriesCount: Int
    var unit: Unit = .children

    var countersPerFamily: Int { seriesCount / 2 / Self.familiesPerKind }
    var histogramsPerFamily: Int {
        let histogramSeries = seriesCount / 2 / Self.familiesPerKind
        return unit == .children ? histogramSeries : histogramSeries / (Self.buckets.count + 3)
    }

    static func counterName(_ family: Int) -> String { "bench_requests_\(family)_total" }
    static func histogramName(_ family: Int) -> String { "bench_request_duration_\(family)_seconds" }

    static func counterLabels(_ i: Int) -> [String] {
        ["svc-\(i % 20)", "/api/v1/resource/\(i / 20)", statuses[i % 3]]
    }

    static func histogramLabels(_ i: Int) -> [String] {
        ["svc-\(i % 20)", "/api/v1/resource/\(i / 20)"]
    }

    static func counterIncrement(_ i: Int) -> Int { i % 1000 + 1 }
    static func observations(_ i: Int) -> [Double] {
        [Double(i % 100) * 0.0031, Double(i % 7) * 0.13 + 0.002, Double(i % 13) * 0.77]
    }

    /// With `createdSamples`, OpenMetrics output has a `_created` sample per counter and histogram series
    /// (the agent's `server.metrics.created_samples: true`).
    func fillVigil(createdSamples: Bool = false) -> MetricRegistry {
        let registry = MetricRegistry(clock: { 1_700_000_000.125 }, openMetricsCreatedSamples: createdSamples)
        for f in 0..<Self.familiesPerKind {
            let counters = registry.counter(Self.counterName(f), help: "Benchmark requests.",
                                            labelNames: ["service", "route", "status"])
            for i in 0..<countersPerFamily {
                counters.labels(Self.counterLabels(i)).increment(by: Self.counterIncrement(i))
            }
            let histograms = registry.histogram(Self.histogramName(f), help: "Benchmark latency.",
                                                labelNames: ["service", "route"], buckets: Self.buckets)
            for i in 0..<histogramsPerFamily {
                let h = histograms.labels(Self.histogramLabels(i))
                for value in Self.observations(i) { h.observe(value) }
            }
        }
        return registry
    }
}
