import Testing
import VigilCore

/// Misuse of the registry is a programmer error and stops the process; these run each case in a child
/// process (exit tests) and expect it to fail.
@Suite struct MetricPreconditionTests {
    @Test func validUseExitsCleanly() async {
        // The counterpart of the cases below: the same calls, used correctly, do not stop the process.
        await #expect(processExitsWith: .success) {
            let registry = MetricRegistry()
            _ = registry.counter("x_total", help: "X.", labelNames: ["a", "b"]).labels("1", "2")
            _ = registry.histogram("h", help: "H.", labelNames: ["a"], buckets: [1, 2, .infinity])
            _ = registry.gauge("g", help: "G.", labelNames: ["_x"])
            registry.counter("x_total", help: "X.", labelNames: ["a", "b"]).labels("1", "2").increment(by: 0)
        }
    }

    @Test func invalidMetricName() async {
        await #expect(processExitsWith: .failure) {
            _ = MetricRegistry().counter("9starts_with_digit_total", help: "Bad.")
        }
    }

    @Test func reservedLabelName() async {
        await #expect(processExitsWith: .failure) {
            _ = MetricRegistry().gauge("g", help: "Bad.", labelNames: ["__name__"])
        }
    }

    @Test func leIsReservedInHistograms() async {
        await #expect(processExitsWith: .failure) {
            _ = MetricRegistry().histogram("h", help: "Bad.", labelNames: ["le"], buckets: [1])
        }
    }

    @Test func bucketsMustIncrease() async {
        await #expect(processExitsWith: .failure) {
            _ = MetricRegistry().histogram("h", help: "Bad.", buckets: [1, 1, 2])
        }
    }

    @Test func sameNameWithAnotherKind() async {
        await #expect(processExitsWith: .failure) {
            let registry = MetricRegistry()
            _ = registry.counter("x_total", help: "X.")
            _ = registry.gauge("x_total", help: "X.")
        }
    }

    @Test func wrongNumberOfLabelValues() async {
        await #expect(processExitsWith: .failure) {
            _ = MetricRegistry().counter("x_total", help: "X.", labelNames: ["a", "b"]).labels("only-one")
        }
    }

    @Test func countersCannotDecrease() async {
        await #expect(processExitsWith: .failure) {
            MetricRegistry().counter("x_total", help: "X.").labels().increment(by: -1)
        }
    }
}
