import Testing
import VigilCore

/// `MetricRegistry.snapshot()` gives the same samples as the text exposition, with labels sorted by name.
@Suite struct MetricRegistrySnapshotTests {
    @Test func snapshotMatchesTheExposition() {
        let registry = MetricRegistry()
        registry.counter("test_requests_total", help: "Requests.", labelNames: ["route", "code"]).labels("/a", "200").increment(by: 3)
        registry.gauge("test_temperature", help: "Temperature.").labels().set(-1.5)
        let histogram = registry.histogram("test_latency_seconds", help: "Latency.", labelNames: ["route", "a"], buckets: [0.1, 1])
        histogram.labels("/b", "x").observe(0.0625)
        histogram.labels("/b", "x").observe(0.5)
        histogram.labels("/b", "x").observe(4)

        let families = Dictionary(uniqueKeysWithValues: registry.snapshot().map { ($0.name, $0) })
        let counter = families["test_requests_total"]!
        #expect(counter.kind == .counter)
        #expect(counter.samples == [.init(name: "test_requests_total",
                                          labels: [.init(name: "code", value: "200"), .init(name: "route", value: "/a")], value: 3)])
        #expect(families["test_temperature"]!.samples == [.init(name: "test_temperature", labels: [], value: -1.5)])
        let base = [MetricLabel(name: "a", value: "x"), MetricLabel(name: "route", value: "/b")]
        func bucket(_ le: String, _ value: Double) -> MetricFamilySnapshot.Sample {
            .init(name: "test_latency_seconds_bucket",
                  labels: [base[0], MetricLabel(name: "le", value: le), base[1]], value: value)
        }
        #expect(families["test_latency_seconds"]!.samples == [
            bucket("0.1", 1), bucket("1.0", 2), bucket("+Inf", 3),
            .init(name: "test_latency_seconds_sum", labels: base, value: 4.5625),
            .init(name: "test_latency_seconds_count", labels: base, value: 3),
        ])
        // Every sample of the snapshot is a line of the text exposition with the same value.
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains("test_latency_seconds_bucket{route=\"/b\",a=\"x\",le=\"1.0\"} 2"))
        #expect(text.contains("test_requests_total{route=\"/a\",code=\"200\"} 3"))
        // The registry's own families are there too.
        #expect(families[MetricRegistry.overflowMetricName] != nil)
    }
}
