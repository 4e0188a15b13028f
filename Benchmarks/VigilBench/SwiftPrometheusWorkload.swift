#if canImport(Prometheus)
import Prometheus

/// The same series in swift-prometheus 2.4.1, rendered through its fastest public path
/// (`emitToBuffer`, which reuses an internal buffer sized on the first call).
enum SwiftPrometheusWorkload {
    static let available = true

    static func fill(_ workload: Workload) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        for f in 0..<Workload.familiesPerKind {
            let counter = MetricNameDescriptor(metricName: Workload.counterName(f), unitName: "",
                                               helpText: "Benchmark requests.")
            let histogram = MetricNameDescriptor(metricName: Workload.histogramName(f), unitName: "",
                                                 helpText: "Benchmark latency.")
            for i in 0..<workload.countersPerFamily {
                let v = Workload.counterLabels(i)
                registry.makeCounter(descriptor: counter, labels: [("service", v[0]), ("route", v[1]), ("status", v[2])])
                    .increment(by: Int64(Workload.counterIncrement(i)))
            }
            for i in 0..<workload.histogramsPerFamily {
                let v = Workload.histogramLabels(i)
                let h = registry.makeValueHistogram(descriptor: histogram, labels: [("service", v[0]), ("route", v[1])],
                                                    buckets: Workload.buckets)
                for value in Workload.observations(i) { h.record(value) }
            }
        }
        return registry
    }

    static func render(_ registry: PrometheusCollectorRegistry) -> Int {
        registry.emitToBuffer().count
    }

    /// Registers `count` counter series in one family; returns the registry so the caller controls its lifetime.
    static func register(_ count: Int) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        let descriptor = MetricNameDescriptor(metricName: "bench_registration_total", unitName: "",
                                              helpText: "Registration benchmark.")
        for i in 0..<count {
            let v = Workload.counterLabels(i)
            _ = registry.makeCounter(descriptor: descriptor, labels: [("service", v[0]), ("route", v[1]), ("status", v[2])])
        }
        return registry
    }
}
#else
enum SwiftPrometheusWorkload {
    static let available = false
}
#endif
