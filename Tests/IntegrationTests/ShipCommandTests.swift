import Foundation
import Testing
import VigilTestSupport

/// `vigil ship` with the built binary: a file delivered to the Elasticsearch-compatible mock through faults
/// (exactly once), a sink that never recovers (timeout, exit 3 with the summary), rejected lines counted by
/// reason, checkpoints that keep a second run from reading a file again, and stdin into the local store.
@Suite(.serialized)
struct ShipCommandTests {
    /// The summary printed with `--json`.
    struct Summary: Decodable {
        var outcome: String
        var sink: String
        var read: Int
        var blank: Int
        var accepted: Int
        var rejected: Int
        var rejected_by_reason: [String: Int]
        var delivered: Int
        var dead_lettered: Int
        var pending: Int
        var pending_before: Int
    }

    struct Run {
        var status: Int32
        var summary: Summary?
        var stdout: String
        var stderr: String
    }

    static func writeLines(_ count: Int, to url: URL, extra: [String] = []) throws {
        let text = (0..<count).map { CrashRecoveryTests.line($0) } + extra
        try (text.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    static func config(esPort: Int?) -> String {
        guard let esPort else { return "redact: { builtin: [] }\n" }
        return """
        redact: { builtin: [] }
        sinks:
          elasticsearch:
            url: "http://127.0.0.1:\(esPort)"
            batch: { max_events: 100, timeout: 50ms }
            backoff: { initial: 50ms, max: 300ms }
            request_timeout: 2s
        """
    }

    /// Starts `vigil ship --json ...` in `dir`; `whileRunning` runs as it ships; returns its status and summary.
    static func ship(_ arguments: [String], config: String, dir: URL, data: String = "data", stdin: FileHandle? = nil,
                     whileRunning: () async throws -> Void = {}) async throws -> Run {
        let configURL = dir.appendingPathComponent("vigil.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let name = "ship-\(UUID().uuidString.prefix(6))"
        let child = try ChildProcess(name, path: try Harness.binary("vigil"),
                                     arguments: ["ship", "--json", "--config", configURL.path, "--data-dir", dir.appendingPathComponent(data).path] + arguments,
                                     directory: dir, stdin: stdin)
        try await whileRunning()
        guard let status = child.wait(seconds: 90) else {
            child.stop()
            throw HarnessError("vigil ship did not exit within 90 s: \(child.stderr.suffix(2000))")
        }
        let line = child.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let summary = try? JSONDecoder().decode(Summary.self, from: Data(line.utf8))
        return Run(status: status, summary: summary, stdout: child.stdout, stderr: child.stderr)
    }

    enum Fault: String, CaseIterable, Sendable {
        /// The first bulk requests are answered 503, then the cluster answers normally.
        case unavailableThenRecovers
        /// The cluster refuses connections for two seconds, then comes back.
        case downThenUp
    }

    @Test(arguments: Fault.allCases)
    func sinkThatRecoversGetsEveryLineExactlyOnce(_ fault: Fault) async throws {
        let dir = try Harness.tempDirectory("vigil-ship")
        defer { try? FileManager.default.removeItem(at: dir) }
        let es = MockElasticsearch(configuration: .init(storeBodies: false, countField: "request_id"))
        let port = try await es.start()
        defer { Task { try? await es.stop() } }
        switch fault {
        case .unavailableThenRecovers: try await es.setFaults(MockFaults(wholeRequest: .init(status: 503, next: 6)))
        case .downThenUp: try await es.setFaults(MockFaults(refuseConnections: true))
        }
        let total = 2_000
        let file = dir.appendingPathComponent("app.log")
        try Self.writeLines(total, to: file)

        let run = try await Self.ship([file.path], config: Self.config(esPort: port), dir: dir) {
            if fault == .downThenUp {
                try await Task.sleep(for: .seconds(2))
                try await es.setFaults(.none)
            }
        }
        #expect(run.status == 0, "stdout: \(run.stdout) stderr: \(run.stderr.suffix(2000))")
        let summary = try #require(run.summary, "no JSON summary in: \(run.stdout)")
        #expect(summary.outcome == "complete")
        #expect(summary.sink == "elasticsearch")
        #expect(summary.read == total)
        #expect(summary.accepted == total)
        #expect(summary.delivered == total)
        #expect(summary.pending == 0)
        let stats = es.stats()
        #expect(stats.uniqueLines == total)
        #expect(stats.duplicateLines == 0)
        #expect(stats.documents == total)
        if fault == .unavailableThenRecovers { #expect(stats.requestFaultsInjected == 6) }

        // Again with the same data directory: the checkpoint says the file was shipped; nothing is read or sent twice.
        let again = try await Self.ship([file.path], config: Self.config(esPort: port), dir: dir)
        #expect(again.status == 0)
        #expect(again.summary?.read == 0)
        #expect(es.stats().documents == total)
    }

    @Test func sinkThatNeverRecoversTimesOutWithTheSummary() async throws {
        let dir = try Harness.tempDirectory("vigil-ship-down")
        defer { try? FileManager.default.removeItem(at: dir) }
        let es = MockElasticsearch(configuration: .init(storeBodies: false))
        let port = try await es.start()
        defer { Task { try? await es.stop() } }
        try await es.setFaults(MockFaults(wholeRequest: .init(status: 503, fraction: 1)))
        let file = dir.appendingPathComponent("app.log")
        try Self.writeLines(300, to: file)

        let started = Date()
        let run = try await Self.ship(["--timeout", "3s", file.path], config: Self.config(esPort: port), dir: dir)
        #expect(run.status == 3, "stdout: \(run.stdout) stderr: \(run.stderr.suffix(2000))")
        #expect(Date().timeIntervalSince(started) < 30)
        let summary = try #require(run.summary, "no JSON summary in: \(run.stdout)")
        #expect(summary.outcome == "timed_out")
        #expect(summary.read == 300)
        #expect(summary.accepted == 300)
        #expect(summary.delivered == 0)
        #expect(summary.pending == 300)
        #expect(es.stats().documents == 0)

        // The next run (the cluster is back) delivers what the spool kept, without reading the file again.
        try await es.setFaults(.none)
        let next = try await Self.ship([file.path], config: Self.config(esPort: port), dir: dir)
        #expect(next.status == 0, "stdout: \(next.stdout) stderr: \(next.stderr.suffix(2000))")
        #expect(next.summary?.read == 0)
        #expect(next.summary?.pending_before == 300)
        #expect(next.summary?.delivered == 300)
        #expect(es.stats().documents == 300)
    }

    @Test func sigtermEndsTheRunWithTheSummary() async throws {
        let dir = try Harness.tempDirectory("vigil-ship-term")
        defer { try? FileManager.default.removeItem(at: dir) }
        let es = MockElasticsearch(configuration: .init(storeBodies: false))
        let port = try await es.start()
        defer { Task { try? await es.stop() } }
        try await es.setFaults(MockFaults(refuseConnections: true))
        let file = dir.appendingPathComponent("app.log")
        try Self.writeLines(100, to: file)
        let configURL = dir.appendingPathComponent("vigil.yaml")
        try Self.config(esPort: port).write(to: configURL, atomically: true, encoding: .utf8)
        let child = try ChildProcess("ship-term", path: try Harness.binary("vigil"),
                                     arguments: ["ship", "--json", "--config", configURL.path, "--data-dir", dir.appendingPathComponent("data").path, file.path],
                                     directory: dir)
        defer { child.stop() }
        try await Task.sleep(for: .seconds(1.5))
        child.signal(SIGTERM)
        let status = child.wait(seconds: 30)
        #expect(status == 3, "stderr: \(child.stderr.suffix(2000))")
        let line = child.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let summary = try JSONDecoder().decode(Summary.self, from: Data(line.utf8))
        #expect(summary.outcome == "interrupted")
        #expect(summary.read == 100)
        #expect(summary.pending == 100)
    }

    @Test func rejectedLinesAreCountedByReasonAndFailOnlyWhenAsked() async throws {
        let dir = try Harness.tempDirectory("vigil-ship-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let es = MockElasticsearch(configuration: .init(storeBodies: false))
        let port = try await es.start()
        defer { Task { try? await es.stop() } }
        let file = dir.appendingPathComponent("mixed.log")
        try Self.writeLines(50, to: file, extra: ["not json", "{\"a\":", "[1,2]", "", "\"just a string\"", #"{"last":"line without newline"}"#])
        // Without the final newline: ship must not wait for the line to be finished.
        var text = try String(contentsOf: file, encoding: .utf8)
        text.removeLast()
        try text.write(to: file, atomically: true, encoding: .utf8)

        for failOnRejected in [false, true] {
            let arguments = (failOnRejected ? ["--fail-on-rejected"] : []) + [file.path]
            let run = try await Self.ship(arguments, config: Self.config(esPort: port), dir: dir, data: "data-\(failOnRejected)")
            #expect(run.status == (failOnRejected ? 4 : 0), "stdout: \(run.stdout) stderr: \(run.stderr.suffix(2000))")
            let summary = try #require(run.summary, "no JSON summary in: \(run.stdout)")
            #expect(summary.read == 56)
            #expect(summary.blank == 1)
            #expect(summary.rejected_by_reason == ["invalid_json": 2, "not_an_object": 2])
            #expect(summary.accepted == 51)
            #expect(summary.delivered == 51)
            #expect(summary.pending == 0)
        }
        #expect(es.stats().documents == 51)
    }

    @Test func stdinIntoTheLocalStoreAndTextSummary() async throws {
        let dir = try Harness.tempDirectory("vigil-ship-stdin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("input.ndjson")
        try Self.writeLines(120, to: input, extra: ["oops"])
        let configURL = dir.appendingPathComponent("vigil.yaml")
        try Self.config(esPort: nil).write(to: configURL, atomically: true, encoding: .utf8)
        let result = try Harness.run(try Harness.binary("vigil"),
                                     ["ship", "--config", configURL.path, "--data-dir", dir.appendingPathComponent("data").path, "-"],
                                     stdin: try Data(contentsOf: input))
        #expect(result.status == 0, "stderr: \(result.stderr.suffix(2000))")
        // One figure per line, columns aligned (compared with the spaces collapsed).
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(rows.first?.hasPrefix("vigil ship: everything delivered to local in ") == true, "stdout: \(result.stdout)")
        #expect(Array(rows.dropFirst()) == [
            "read 121 lines", "accepted 120", "rejected 1 (invalid_json 1; in the dead-letter table)",
            "delivered 120", "dead-lettered 0", "pending 0",
        ])
        // The events are in the embedded store.
        let search = try Harness.run(try Harness.binary("vigil"),
                                     ["logs", "search", "--data-dir", dir.appendingPathComponent("data").path, "--limit", "1000", "--json"])
        #expect(search.status == 0, "stderr: \(search.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [String: Any]
        #expect(object?["count"] as? Int == 120)
    }

    @Test(arguments: [
        (["/nonexistent/app.log"], "/nonexistent/app.log: no such file"),
        (["--timeout", "soon", "-"], "--timeout: expected a duration such as 30s, 5m or 1h, got \"soon\""),
        ([], "nothing to ship: name files (or - for standard input), or configure sources of type file or stdin"),
    ])
    func badArgumentsExitOneNamingTheProblem(_ arguments: [String], _ message: String) throws {
        let dir = try Harness.tempDirectory("vigil-ship-args")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Harness.run(try Harness.binary("vigil"), ["ship", "--data-dir", dir.appendingPathComponent("data").path] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }
}
