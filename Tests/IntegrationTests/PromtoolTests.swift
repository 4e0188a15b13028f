import Foundation
import Testing
import VigilCore
@testable import VigilRuntime

/// The registry's Prometheus text output must pass Debian's `promtool check metrics` (parse + lint) with
/// exit status 0. A missing promtool fails the test: `make test` installs the `prometheus` package.
@Suite struct PromtoolTests {
    static let promtool = "/usr/bin/promtool"

    static func populatedRegistry() -> MetricRegistry {
        let registry = MetricRegistry(defaultCardinalityLimit: 3, clock: { 1_700_000_000.5 })
        ProcessMetrics.register(in: registry, version: "1.2.3", revision: "abc\"def")
        let events = registry.counter("vigil_events_received_total", help: "Events read, by source.\nSecond \\ line.",
                                      labelNames: ["source", "path"])
        events.labels("file", "/var/log/a \"quoted\".log").increment(by: 42)
        events.labels("http", "line\nbreak\\slash").increment(by: 0.5)
        for i in 0..<10 { events.labels("stdin", "p\(i)").increment() } // overflows into other
        let spool = registry.gauge("vigil_spool_bytes", help: "Bytes in the spool.")
        spool.labels().set(1_048_576)
        let odd = registry.gauge("vigil_test_values", help: "Special values.", labelNames: ["case"])
        odd.labels("nan").set(.nan)
        odd.labels("inf").set(.infinity)
        odd.labels("ninf").set(-.infinity)
        odd.labels("tiny").set(1e-300)
        let latency = registry.histogram("vigil_http_request_duration_seconds", help: "Request latency.",
                                         labelNames: ["route"], buckets: MetricRegistry.defaultBuckets)
        for (i, value) in [0.001, 0.02, 0.3, 7, 100].enumerated() {
            latency.labels(i % 2 == 0 ? "/metrics" : "/v1/logs").observe(value)
        }
        _ = registry.histogram("vigil_empty_seconds", help: "Never observed.", labelNames: ["x"], buckets: [1, 2])
        _ = registry.counter("vigil_empty_total", help: "Never incremented.", labelNames: ["x"])
        registry.recordRenderDuration(seconds: 0.0004)
        return registry
    }

    static func check(_ body: [UInt8]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(body))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func prometheusTextPassesPromtool() throws {
        let body = Self.populatedRegistry().render(.prometheusText)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains("vigil_events_received_total{source=\"other\",path=\"other\"} 9"))
        #expect(text.contains("process_cpu_seconds_total "))
        let result = try Self.check(body)
        #expect(result.status == 0, "promtool said: \(result.output)")
    }

    @Test func promtoolRejectsBrokenOutput() throws {
        // Guards the test above against a promtool that accepts anything.
        let result = try Self.check(Array("# TYPE x counter\nx{a=\"unterminated} 1\n".utf8))
        #expect(result.status != 0)
    }

    @Test func processMetricsAreReadFromProc() {
        let registry = MetricRegistry()
        ProcessMetrics.register(in: registry, version: "9.9.9", revision: "r1")
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains("vigil_build_info{version=\"9.9.9\",revision=\"r1\"} 1\n"))
        func value(_ name: String) -> Double? {
            for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
                return Double(line.dropFirst(name.count + 1))
            }
            return nil
        }
        #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((value("process_virtual_memory_bytes") ?? 0) >= (value("process_resident_memory_bytes") ?? .infinity))
        #expect((value("process_open_fds") ?? 0) >= 3)
        #expect((value("process_max_fds") ?? 0) >= (value("process_open_fds") ?? .infinity))
        #expect((value("process_cpu_seconds_total") ?? -1) >= 0)
        let start = value("process_start_time_seconds") ?? 0
        let now = Date().timeIntervalSince1970
        #expect(start > now - 86_400 * 365 && start <= now + 1)
    }

    @Test(arguments: [
        ("1 (vigil) S 0 1 1 0 -1 4194560 10 0 0 0 250 75 0 0 20 0 4 0 12345 104857600 2560 18446744073709551615 0",
         ProcessMetrics.Stat(userTicks: 250, systemTicks: 75, startTicks: 12345, virtualBytes: 104_857_600, residentPages: 2560)),
        ("7 (a) b (c) R 0 1 1 0 -1 4194560 10 0 0 0 1 2 0 0 20 0 4 0 3 4 5 0",
         ProcessMetrics.Stat(userTicks: 1, systemTicks: 2, startTicks: 3, virtualBytes: 4, residentPages: 5)),
    ])
    func parsesStat(line: String, expected: ProcessMetrics.Stat) {
        #expect(ProcessMetrics.parseStat(line) == expected)
    }

    @Test func parsesLimitsAndBootTime() {
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            1024                 1048576              files
            """
        #expect(ProcessMetrics.parseMaxOpenFiles(limits) == 1024)
        #expect(ProcessMetrics.parseMaxOpenFiles("Max open files unlimited unlimited files") == .infinity)
        #expect(ProcessMetrics.parseBootTime("cpu  1 2 3\nbtime 1732870000\nprocesses 5\n") == 1_732_870_000)
        #expect(ProcessMetrics.parseStat("garbage") == nil)
    }
}
