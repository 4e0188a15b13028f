import Testing
@testable import VigilCore

@Suite struct MetricRegistryTests {
    static func text(_ registry: MetricRegistry, _ format: ExpositionFormat = .prometheusText) -> String {
        String(decoding: registry.render(format), as: UTF8.self)
    }

    @Test func registrationIsIdempotent() {
        let registry = MetricRegistry()
        let a = registry.counter("x_total", help: "X.", labelNames: ["k"])
        let b = registry.counter("x_total", help: "X.", labelNames: ["k"])
        #expect(a === b)
        #expect(a.labels("v") === b.labels("v"))
        let h1 = registry.histogram("h", help: "H.", buckets: [1, 2])
        let h2 = registry.histogram("h", help: "H.", buckets: [1, 2, .infinity])
        #expect(h1 === h2)
        #expect(h1.buckets == [1, 2])
    }

    @Test(arguments: [
        ("http_requests_total", true), ("a:b_c9", true), ("_x", true), (":x", true),
        ("9x", false), ("", false), ("a-b", false), ("ä", false), ("a b", false),
    ])
    func metricNames(name: String, valid: Bool) {
        #expect(MetricRegistry.isValidMetricName(name) == valid)
    }

    @Test(arguments: [
        ("route", true), ("_x", true), ("a9", true),
        ("__name__", false), ("__x", false), ("a:b", false), ("9a", false), ("", false),
    ])
    func labelNames(name: String, valid: Bool) {
        #expect(MetricRegistry.isValidLabelName(name) == valid)
    }

    @Test(arguments: [
        (0.0, "0.0"), (0.001, "0.001"), (0.005, "0.005"), (0.01, "0.01"), (0.1, "0.1"), (0.9, "0.9"),
        (0.95, "0.95"), (0.99, "0.99"), (0.999, "0.999"), (1.0, "1.0"), (1.7, "1.7"), (10.0, "10.0"),
        (1e-10, "1e-10"), (1e-9, "1e-09"), (1e-5, "1e-05"), (1e-4, "0.0001"), (100_000.0, "100000.0"),
        (1e6, "1e+06"), (1e10, "1e+10"), (1.1e23, "1.1e+23"), (2.5, "2.5"), (123456.0, "123456.0"),
        (1234567.0, "1.234567e+06"), (-0.25, "-0.25"), (Double.infinity, "+Inf"),
    ])
    func canonicalNumbers(value: Double, expected: String) {
        // The OpenMetrics "Canonical Numbers" examples: Go's %g with ".0" when there is no point or exponent.
        #expect(MetricText.canonicalNumber(value) == expected)
    }

    @Test func overflowFoldsIntoOtherAndIsCounted() {
        let registry = MetricRegistry(defaultCardinalityLimit: 2)
        let family = registry.counter("hits_total", help: "Hits.", labelNames: ["user", "page"])
        family.labels("a", "1").increment()
        family.labels("b", "1").increment()
        let c = family.labels("c", "1")
        let d = family.labels("d", "2")
        #expect(c === d)
        c.increment()
        d.increment(by: 2)
        family.labels("a", "1").increment() // existing series stay addressable
        let gauges = registry.gauge("temp", help: "T.", labelNames: ["room"], cardinalityLimit: 1)
        gauges.labels("kitchen").set(20)
        gauges.labels("hall").set(18)

        #expect(family.seriesCount == 3)
        #expect(Self.text(registry).contains("""
            # HELP vigil_metric_series_overflow_total Label sets that exceeded a metric family's cardinality limit and were counted in its series labelled other.
            # TYPE vigil_metric_series_overflow_total counter
            vigil_metric_series_overflow_total{metric="hits_total"} 2
            vigil_metric_series_overflow_total{metric="temp"} 1
            """))
        #expect(Self.text(registry).contains("""
            # TYPE hits_total counter
            hits_total{user="a",page="1"} 2
            hits_total{user="b",page="1"} 1
            hits_total{user="other",page="other"} 3
            # HELP temp T.
            # TYPE temp gauge
            temp{room="kitchen"} 20
            temp{room="other"} 18

            """))
    }

    @Test func countersAcceptIntegersAndFractions() {
        let registry = MetricRegistry()
        let counter = registry.counter("bytes_total", help: "B.").labels()
        counter.increment(by: 3)
        counter.increment(by: 0.5)
        counter.increment()
        #expect(counter.value == 4.5)
        counter.set(total: 12.25)
        #expect(counter.value == 12.25)
        counter.set(total: 7)
        #expect(counter.value == 7)
    }

    @Test func gaugeArithmetic() {
        let gauge = MetricRegistry().gauge("g", help: "G.").labels()
        gauge.increment(by: 5)
        gauge.decrement(by: 1.5)
        gauge.decrement()
        #expect(gauge.value == 2.5)
        gauge.set(-1)
        #expect(gauge.value == -1)
    }

    @Test func histogramBucketsAreCumulativeAndMatchCount() {
        let histogram = MetricRegistry().histogram("h", help: "H.", buckets: [1, 5, 10]).labels()
        for value in [0.5, 1, 1.0001, 5, 9, 11, -3] { histogram.observe(value) }
        histogram.observe(Duration.milliseconds(2500))
        #expect(histogram.cumulativeCounts == [3, 6, 7, 8])
        #expect(histogram.count == 8)
        #expect(histogram.sum == 0.5 + 1 + 1.0001 + 5 + 9 + 11 - 3 + 2.5)
    }

    @Test func manyBucketsUseBinarySearchCorrectly() {
        let bounds = (1...40).map(Double.init)
        let histogram = MetricRegistry().histogram("wide", help: "W.", buckets: bounds).labels()
        for value in [0.0, 1, 1.5, 20, 39.9, 40, 41, .nan] { histogram.observe(value) }
        let cumulative = histogram.cumulativeCounts
        #expect(cumulative[0] == 2)    // 0, 1
        #expect(cumulative[1] == 3)    // 1.5
        #expect(cumulative[19] == 4)   // 20
        #expect(cumulative[39] == 6)   // 39.9, 40
        #expect(cumulative[40] == 8)   // 41, NaN in +Inf
    }

    @Test func concurrentUpdatesAreExact() async {
        let registry = MetricRegistry()
        let counters = registry.counter("c_total", help: "C.", labelNames: ["worker"])
        let gauge = registry.gauge("g", help: "G.").labels()
        let histogram = registry.histogram("h", help: "H.", buckets: [0.5]).labels()
        let fractional = registry.counter("f_total", help: "F.").labels()
        let tasks = 16
        let iterations = 5_000
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for i in 0..<iterations {
                        // Every task also looks labels up concurrently, racing on series creation.
                        counters.labels("w\(i % 8)").increment()
                        gauge.increment(by: 1)
                        histogram.observe(t % 2 == 0 ? 0.25 : 1)
                        fractional.increment(by: 0.5)
                        if i % 1_000 == 0 { _ = registry.render(.openMetrics) }
                    }
                }
            }
        }
        let total = (0..<8).reduce(0.0) { $0 + counters.labels("w\($1)").value }
        #expect(total == Double(tasks * iterations))
        #expect(counters.seriesCount == 8)
        #expect(gauge.value == Double(tasks * iterations))
        #expect(histogram.count == UInt64(tasks * iterations))
        #expect(histogram.cumulativeCounts == [UInt64(tasks * iterations / 2), UInt64(tasks * iterations)])
        #expect(fractional.value == Double(tasks * iterations) * 0.5)
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics], [false, true])
    func allRenderPathsProduceTheSameBytes(format: ExpositionFormat, createdSamples: Bool) {
        let registry = MetricRegistry(clock: { 1_000 }, openMetricsCreatedSamples: createdSamples)
        let counters = registry.counter("c_total", help: "C \\ \"x\".", labelNames: ["a", "b"])
        let histograms = registry.histogram("h_seconds", help: "H.", labelNames: ["a"], buckets: [0.1, 1, 10])
        let gauges = registry.gauge("g", help: "G.", labelNames: ["a"])
        for i in 0..<500 {
            counters.labels("v\(i % 7)", "w\"\(i)\n").increment(by: i)
            histograms.labels("v\(i % 11)").observe(Double(i) / 37)
            gauges.labels("v\(i % 13)").set(Double(i) / 3)
        }
        let array = registry.render(format)
        #expect(String(decoding: array, as: UTF8.self).contains("_created") == (createdSamples && format == .openMetrics))
        var viaWriter: [UInt8] = []
        registry.render(format) { maximumSize, write in
            #expect(maximumSize >= array.count)
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumSize, alignment: 1)
            defer { memory.deallocate() }
            let written = write(memory)
            viaWriter = Array(memory[0..<written])
        }
        #expect(viaWriter == array)
        // Chunked: from "smaller than one series" (raised to the largest piece) to "larger than everything".
        for chunkBytes in [1, 100, 700, 4_096, 65_536, 1 << 24] {
            var joined: [UInt8] = []
            var pieces = 0
            registry.render(format, chunkBytes: chunkBytes) { piece in
                pieces += 1
                #expect(piece.last == UInt8(ascii: "\n"), "every piece ends at a line end")
                joined.append(contentsOf: piece)
            }
            #expect(joined == array, "chunk size \(chunkBytes)")
            if chunkBytes >= 1 << 24 { #expect(pieces == 1) } else if chunkBytes <= 4_096 { #expect(pieces > 1) }
        }
        let small = MetricRegistry()
        var smallJoined: [UInt8] = []
        small.render(format, chunkBytes: 64 << 10) { smallJoined.append(contentsOf: $0) }
        #expect(smallJoined == small.render(format))
    }

    /// A chunk holds as many whole series as fit: with room for about three counter series, the pieces
    /// are the metadata and then series by series, never a line cut in two.
    @Test func chunksHoldWholeSeries() throws {
        let registry = MetricRegistry()
        let family = registry.counter("c_total", help: "C.", labelNames: ["id"])
        for i in 0..<100 { family.labels(String(i)).increment(by: i) }
        var pieces: [String] = []
        registry.render(.prometheusText, chunkBytes: 150) { pieces.append(String(decoding: $0, as: UTF8.self)) }
        #expect(pieces.count > 10)
        for piece in pieces {
            for line in piece.split(separator: "\n") {
                #expect(line.hasPrefix("#") || line.hasPrefix("c_total{") || line.hasPrefix("vigil_"), "\(line)")
            }
        }
        #expect(pieces.joined() == String(decoding: registry.render(.prometheusText), as: UTF8.self))
    }

    @Test func registeringManySeriesInOneFamily() {
        let registry = MetricRegistry(defaultCardinalityLimit: 200_000)
        let family = registry.counter("many_total", help: "M.", labelNames: ["id"])
        for i in 0..<20_000 { family.labels(String(i)).increment() }
        #expect(family.seriesCount == 20_000)
        let text = Self.text(registry)
        #expect(text.contains("\nmany_total{id=\"19999\"} 1\n"))
    }
}

@Suite struct NegotiationTests {
    static let prometheus242 =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test(arguments: [
        (prometheus242, ExpositionFormat.openMetrics),
        (nil, .prometheusText),
        ("", .prometheusText),
        ("*/*", .prometheusText),
        ("text/plain", .prometheusText),
        ("text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .prometheusText),
        ("application/openmetrics-text", .openMetrics),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
        ("Application/OpenMetrics-Text;Version=1.0.0", .openMetrics),
        ("application/openmetrics-text;q=0", .prometheusText),
        ("application/openmetrics-text;version=1.0.0;q=0,text/plain;q=0.5", .prometheusText),
        ("text/plain;q=1,application/openmetrics-text;q=0.5", .prometheusText),
        ("application/openmetrics-text;q=0.5,text/plain;q=0.5", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .prometheusText),
        ("application/openmetrics-text;version=2.0.0,text/plain;q=0.1", .prometheusText),
        ("application/json", .prometheusText),
        ("garbage;;;,=,", .prometheusText),
    ] as [(String?, ExpositionFormat)])
    func negotiate(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func contentTypes() {
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }
}
