import Synchronization
import Testing
@testable import VigilCore

/// Golden output for both formats. The registry's own two families (overflow counter, render duration) are
/// always present, so every golden text includes them: they double as the "empty family" and "unlabelled
/// gauge" cases.
@Suite struct ExpositionGoldenTests {
    static func text(_ registry: MetricRegistry, _ format: ExpositionFormat) -> String {
        String(decoding: registry.render(format), as: UTF8.self)
    }

    static let ownPrometheus = """
        # HELP vigil_metric_series_overflow_total Label sets that exceeded a metric family's cardinality limit and were counted in its series labelled other.
        # TYPE vigil_metric_series_overflow_total counter
        # HELP vigil_metrics_render_duration_seconds Duration of the last render of the metrics exposition, in seconds.
        # TYPE vigil_metrics_render_duration_seconds gauge
        vigil_metrics_render_duration_seconds 0

        """

    static let ownOpenMetrics = """
        # TYPE vigil_metric_series_overflow counter
        # HELP vigil_metric_series_overflow Label sets that exceeded a metric family's cardinality limit and were counted in its series labelled other.
        # TYPE vigil_metrics_render_duration_seconds gauge
        # HELP vigil_metrics_render_duration_seconds Duration of the last render of the metrics exposition, in seconds.
        vigil_metrics_render_duration_seconds 0

        """

    @Test func emptyRegistry() {
        let registry = MetricRegistry()
        #expect(Self.text(registry, .prometheusText) == Self.ownPrometheus)
        #expect(Self.text(registry, .openMetrics) == Self.ownOpenMetrics + "# EOF\n")
    }

    @Test func countersAndGaugesWithEscaping() {
        let registry = MetricRegistry(clock: { 1_700_000_000.25 }, openMetricsCreatedSamples: true)
        let requests = registry.counter("app_requests_total", help: "Requests \"served\".\nSecond line \\ end.",
                                        labelNames: ["path", "code"])
        requests.labels("/a\"b", "200").increment()
        requests.labels("c:\\dir\nnext", "500").increment(by: 2.5)
        let temperature = registry.gauge("app_temperature_celsius", help: "Temperature.")
        temperature.labels().set(-3.75)
        let limits = registry.gauge("app_limit", help: "", labelNames: ["kind"])
        limits.labels("nan").set(.nan)
        limits.labels("pos").set(.infinity)
        limits.labels("neg").set(-.infinity)
        limits.labels("big").set(1e21)
        limits.labels("small").set(1.5e-7)

        #expect(Self.text(registry, .prometheusText) == Self.ownPrometheus + """
            # HELP app_requests_total Requests "served".\\nSecond line \\\\ end.
            # TYPE app_requests_total counter
            app_requests_total{path="/a\\"b",code="200"} 1
            app_requests_total{path="c:\\\\dir\\nnext",code="500"} 2.5
            # HELP app_temperature_celsius Temperature.
            # TYPE app_temperature_celsius gauge
            app_temperature_celsius -3.75
            # TYPE app_limit gauge
            app_limit{kind="nan"} NaN
            app_limit{kind="pos"} +Inf
            app_limit{kind="neg"} -Inf
            app_limit{kind="big"} 1e+21
            app_limit{kind="small"} 1.5e-07

            """)

        #expect(Self.text(registry, .openMetrics) == Self.ownOpenMetrics + """
            # TYPE app_requests counter
            # HELP app_requests Requests \\"served\\".\\nSecond line \\\\ end.
            app_requests_total{path="/a\\"b",code="200"} 1
            app_requests_created{path="/a\\"b",code="200"} 1700000000.25
            app_requests_total{path="c:\\\\dir\\nnext",code="500"} 2.5
            app_requests_created{path="c:\\\\dir\\nnext",code="500"} 1700000000.25
            # TYPE app_temperature_celsius gauge
            # HELP app_temperature_celsius Temperature.
            app_temperature_celsius -3.75
            # TYPE app_limit gauge
            app_limit{kind="nan"} NaN
            app_limit{kind="pos"} +Inf
            app_limit{kind="neg"} -Inf
            app_limit{kind="big"} 1e+21
            app_limit{kind="small"} 1.5e-07
            # EOF

            """)
    }

    @Test func histograms() {
        let registry = MetricRegistry(clock: { 1_700_000_000 }, openMetricsCreatedSamples: true)
        let plain = registry.histogram("job_size_bytes", help: "Job sizes.", buckets: [1024])
        plain.labels().observe(.nan)
        let latency = registry.histogram("rpc_duration_seconds", help: "RPC latency.", labelNames: ["method"],
                                         buckets: [0.005, 0.1, 1, 100_000, 1e6])
        let get = latency.labels("GET")
        for value in [0.001, 0.005, 0.05, 0.5, 3, 2e6] { get.observe(value) }
        _ = latency.labels("PUT")

        #expect(Self.text(registry, .prometheusText) == Self.ownPrometheus + """
            # HELP job_size_bytes Job sizes.
            # TYPE job_size_bytes histogram
            job_size_bytes_bucket{le="1024.0"} 0
            job_size_bytes_bucket{le="+Inf"} 1
            job_size_bytes_count 1
            job_size_bytes_sum NaN
            # HELP rpc_duration_seconds RPC latency.
            # TYPE rpc_duration_seconds histogram
            rpc_duration_seconds_bucket{method="GET",le="0.005"} 2
            rpc_duration_seconds_bucket{method="GET",le="0.1"} 3
            rpc_duration_seconds_bucket{method="GET",le="1.0"} 4
            rpc_duration_seconds_bucket{method="GET",le="100000.0"} 5
            rpc_duration_seconds_bucket{method="GET",le="1e+06"} 5
            rpc_duration_seconds_bucket{method="GET",le="+Inf"} 6
            rpc_duration_seconds_count{method="GET"} 6
            rpc_duration_seconds_sum{method="GET"} 2000003.556
            rpc_duration_seconds_bucket{method="PUT",le="0.005"} 0
            rpc_duration_seconds_bucket{method="PUT",le="0.1"} 0
            rpc_duration_seconds_bucket{method="PUT",le="1.0"} 0
            rpc_duration_seconds_bucket{method="PUT",le="100000.0"} 0
            rpc_duration_seconds_bucket{method="PUT",le="1e+06"} 0
            rpc_duration_seconds_bucket{method="PUT",le="+Inf"} 0
            rpc_duration_seconds_count{method="PUT"} 0
            rpc_duration_seconds_sum{method="PUT"} 0

            """)

        #expect(Self.text(registry, .openMetrics) == Self.ownOpenMetrics + """
            # TYPE job_size_bytes histogram
            # HELP job_size_bytes Job sizes.
            job_size_bytes_bucket{le="1024.0"} 0
            job_size_bytes_bucket{le="+Inf"} 1
            job_size_bytes_count 1
            job_size_bytes_sum NaN
            job_size_bytes_created 1700000000.0
            # TYPE rpc_duration_seconds histogram
            # HELP rpc_duration_seconds RPC latency.
            rpc_duration_seconds_bucket{method="GET",le="0.005"} 2
            rpc_duration_seconds_bucket{method="GET",le="0.1"} 3
            rpc_duration_seconds_bucket{method="GET",le="1.0"} 4
            rpc_duration_seconds_bucket{method="GET",le="100000.0"} 5
            rpc_duration_seconds_bucket{method="GET",le="1e+06"} 5
            rpc_duration_seconds_bucket{method="GET",le="+Inf"} 6
            rpc_duration_seconds_count{method="GET"} 6
            rpc_duration_seconds_sum{method="GET"} 2000003.556
            rpc_duration_seconds_created{method="GET"} 1700000000.0
            rpc_duration_seconds_bucket{method="PUT",le="0.005"} 0
            rpc_duration_seconds_bucket{method="PUT",le="0.1"} 0
            rpc_duration_seconds_bucket{method="PUT",le="1.0"} 0
            rpc_duration_seconds_bucket{method="PUT",le="100000.0"} 0
            rpc_duration_seconds_bucket{method="PUT",le="1e+06"} 0
            rpc_duration_seconds_bucket{method="PUT",le="+Inf"} 0
            rpc_duration_seconds_count{method="PUT"} 0
            rpc_duration_seconds_sum{method="PUT"} 0
            rpc_duration_seconds_created{method="PUT"} 1700000000.0
            # EOF

            """)
    }

    /// The default: no `_created` samples, and the clock is never read for them. Prometheus text is the same
    /// whichever the setting.
    @Test(arguments: [false, true])
    func createdSamplesOffByDefault(clockGiven: Bool) {
        final class Reads: Sendable { let count = Atomic(0) }
        let reads = Reads()
        let counting: @Sendable () -> Double = { reads.count.add(1, ordering: .relaxed); return 1_700_000_000 }
        let clock = clockGiven ? counting : nil
        let registry = MetricRegistry(clock: clock)
        #expect(!registry.openMetricsCreatedSamples)
        let requests = registry.counter("app_requests_total", help: "Requests.", labelNames: ["code"])
        requests.labels("200").increment()
        registry.counter("legacy_hits", help: "Hits.").labels().increment(by: 3)
        let latency = registry.histogram("rpc_duration_seconds", help: "RPC latency.", labelNames: ["method"],
                                         buckets: [0.1, 1])
        latency.labels("GET").observe(0.5)
        registry.histogram("job_size_bytes", help: "Job sizes.", buckets: [1024]).labels().observe(2048)

        #expect(reads.count.load(ordering: .relaxed) == 0)
        #expect(Self.text(registry, .openMetrics) == Self.ownOpenMetrics + """
            # TYPE app_requests counter
            # HELP app_requests Requests.
            app_requests_total{code="200"} 1
            # TYPE legacy_hits counter
            # HELP legacy_hits Hits.
            legacy_hits_total 3
            # TYPE rpc_duration_seconds histogram
            # HELP rpc_duration_seconds RPC latency.
            rpc_duration_seconds_bucket{method="GET",le="0.1"} 0
            rpc_duration_seconds_bucket{method="GET",le="1.0"} 1
            rpc_duration_seconds_bucket{method="GET",le="+Inf"} 1
            rpc_duration_seconds_count{method="GET"} 1
            rpc_duration_seconds_sum{method="GET"} 0.5
            # TYPE job_size_bytes histogram
            # HELP job_size_bytes Job sizes.
            job_size_bytes_bucket{le="1024.0"} 0
            job_size_bytes_bucket{le="+Inf"} 1
            job_size_bytes_count 1
            job_size_bytes_sum 2048
            # EOF

            """)

        let withCreated = MetricRegistry(clock: { 1_700_000_000 }, openMetricsCreatedSamples: true)
        withCreated.counter("app_requests_total", help: "Requests.", labelNames: ["code"]).labels("200").increment()
        withCreated.counter("legacy_hits", help: "Hits.").labels().increment(by: 3)
        withCreated.histogram("rpc_duration_seconds", help: "RPC latency.", labelNames: ["method"], buckets: [0.1, 1])
            .labels("GET").observe(0.5)
        withCreated.histogram("job_size_bytes", help: "Job sizes.", buckets: [1024]).labels().observe(2048)
        #expect(Self.text(withCreated, .openMetrics) == Self.ownOpenMetrics + """
            # TYPE app_requests counter
            # HELP app_requests Requests.
            app_requests_total{code="200"} 1
            app_requests_created{code="200"} 1700000000.0
            # TYPE legacy_hits counter
            # HELP legacy_hits Hits.
            legacy_hits_total 3
            legacy_hits_created 1700000000.0
            # TYPE rpc_duration_seconds histogram
            # HELP rpc_duration_seconds RPC latency.
            rpc_duration_seconds_bucket{method="GET",le="0.1"} 0
            rpc_duration_seconds_bucket{method="GET",le="1.0"} 1
            rpc_duration_seconds_bucket{method="GET",le="+Inf"} 1
            rpc_duration_seconds_count{method="GET"} 1
            rpc_duration_seconds_sum{method="GET"} 0.5
            rpc_duration_seconds_created{method="GET"} 1700000000.0
            # TYPE job_size_bytes histogram
            # HELP job_size_bytes Job sizes.
            job_size_bytes_bucket{le="1024.0"} 0
            job_size_bytes_bucket{le="+Inf"} 1
            job_size_bytes_count 1
            job_size_bytes_sum 2048
            job_size_bytes_created 1700000000.0
            # EOF

            """)
        #expect(Self.text(registry, .prometheusText) == Self.text(withCreated, .prometheusText))
    }

    /// Asking for created samples without a clock gives none (there is no creation time to write).
    @Test func createdSamplesNeedAClock() {
        let registry = MetricRegistry(openMetricsCreatedSamples: true)
        registry.counter("app_requests_total", help: "Requests.").labels().increment()
        #expect(!registry.openMetricsCreatedSamples)
        #expect(!Self.text(registry, .openMetrics).contains("_created"))
    }

    @Test func emptyFamiliesAndCounterWithoutTotalSuffix() {
        let registry = MetricRegistry()
        _ = registry.counter("jobs_done_total", help: "Jobs.", labelNames: ["queue"])
        registry.counter("legacy_hits", help: "Hits.").labels().increment(by: 3)
        _ = registry.histogram("wait_seconds", help: "Waits.", labelNames: ["queue"], buckets: [1])

        #expect(Self.text(registry, .prometheusText) == Self.ownPrometheus + """
            # HELP jobs_done_total Jobs.
            # TYPE jobs_done_total counter
            # HELP legacy_hits Hits.
            # TYPE legacy_hits counter
            legacy_hits 3
            # HELP wait_seconds Waits.
            # TYPE wait_seconds histogram

            """)
        #expect(Self.text(registry, .openMetrics) == Self.ownOpenMetrics + """
            # TYPE jobs_done counter
            # HELP jobs_done Jobs.
            # TYPE legacy_hits counter
            # HELP legacy_hits Hits.
            legacy_hits_total 3
            # TYPE wait_seconds histogram
            # HELP wait_seconds Waits.
            # EOF

            """)
    }

    @Test func renderDurationIsReported() {
        let registry = MetricRegistry()
        registry.recordRenderDuration(seconds: 0.0125)
        #expect(Self.text(registry, .prometheusText).contains("\nvigil_metrics_render_duration_seconds 0.0125\n"))
    }

    @Test func collectorsRunBeforeEachRender() {
        let registry = MetricRegistry()
        let gauge = registry.gauge("collected", help: "Set by a collector.").labels()
        let counter = registry.counter("collected_total", help: "Mirrored.").labels()
        registry.addCollector {
            gauge.increment()
            counter.set(total: gauge.value * 10)
        }
        _ = registry.render(.prometheusText)
        let text = Self.text(registry, .prometheusText)
        #expect(text.contains("\ncollected 2\n"))
        #expect(text.contains("\ncollected_total 20\n"))
    }
}
