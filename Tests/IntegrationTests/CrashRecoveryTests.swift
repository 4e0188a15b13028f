import Foundation
import Testing

/// The real `vigil` binary tails a growing file and ships to the Elasticsearch-compatible mock
/// (`vigil-es-mock`, a separate process) while it is killed with SIGKILL at random points and
/// restarted. After the last restart every written line must be indexed exactly once: none lost
/// (the checkpoint only advances with the spooled events) and none twice (deterministic ids +
/// `create`, so a replay after a crash gets 409 instead of a second document).
@Suite(.serialized)
struct CrashRecoveryTests {
    /// A line like the standard generator's: the first 8 hex digits of `request_id` are the line number.
    static func line(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        let id = String(repeating: "0", count: 8 - hex.count) + hex
        return #"{"@timestamp":"2026-11-29T10:00:00.000Z","level":"INFO","service":"ml-inference","route":"/v1/predict","status":200,"latency_ms":12.5,"request_id":"\#(id)-9c1e-4f3a-b2d4-000000000000","message":"prediction served"}"#
    }

    final class Writer: @unchecked Sendable {
        let handle: FileHandle
        private(set) var written = 0
        let lock = NSLock()
        init(path: String) throws {
            FileManager.default.createFile(atPath: path, contents: nil)
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        /// Appends `count` lines in one write.
        func append(_ count: Int) throws {
            lock.lock(); defer { lock.unlock() }
            var chunk = ""
            for i in written..<(written + count) { chunk += CrashRecoveryTests.line(i) + "\n" }
            try handle.write(contentsOf: Data(chunk.utf8))
            written += count
        }
    }

    static func mockStats(_ port: Int) throws -> [String: Any] {
        let response = try Harness.http("GET", "http://127.0.0.1:\(port)/_mock/stats")
        return try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    @Test func sigkillDuringTailAndShipLosesAndDuplicatesNothing() throws {
        let dir = try Harness.tempDirectory("vigil-crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let portFile = dir.appendingPathComponent("mock.port").path
        let mock = try ChildProcess("mock", path: try Harness.binary("vigil-es-mock"),
                                    arguments: ["--port", "0", "--port-file", portFile, "--count-field", "request_id"], directory: dir)
        defer { mock.stop() }
        let mockPort = try Harness.eventually("the mock's port file") { () -> Int? in
            guard mock.isRunning else { throw HarnessError("mock exited: \(mock.stderr)") }
            return (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }

        let logPath = dir.appendingPathComponent("app.log").path
        let config = """
        sources:
          - { type: file, paths: ["\(logPath)"], scan_interval: 100ms }
        redact: { builtin: [] }
        sinks:
          elasticsearch:
            url: "http://127.0.0.1:\(mockPort)"
            gzip_level: 1
            batch: { max_events: 500, timeout: 100ms }
            backoff: { initial: 50ms, max: 500ms }
        """
        let writer = try Writer(path: logPath)
        var generator = SystemRandomNumberGenerator()
        let data = dir.appendingPathComponent("agent")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)

        // Three runs killed at random points while the file keeps growing.
        for run in 0..<3 {
            let agent = try AgentProcess(config: config, directory: data, waitReady: false)
            let kills = Double.random(in: 0.3...1.5, using: &generator)
            let deadline = Date().addingTimeInterval(kills)
            while Date() < deadline {
                try writer.append(200)
                Thread.sleep(forTimeInterval: 0.02)
            }
            agent.child.signal(SIGKILL)
            _ = agent.child.wait(seconds: 10)
            #expect(agent.child.process.terminationReason == .uncaughtSignal, "run \(run) should have been killed")
            try writer.append(500)   // written while the agent is down
        }

        // The last run finishes the job.
        let agent = try AgentProcess(config: config, directory: data)
        defer { agent.child.stop() }
        let total = writer.written
        let stats = try Harness.eventually("all \(total) lines indexed", seconds: 120) { () -> [String: Any]? in
            let s = try Self.mockStats(mockPort)
            return (s["uniqueLines"] as? Int ?? 0) >= total ? s : nil
        }
        #expect(stats["uniqueLines"] as? Int == total)
        #expect(stats["documents"] as? Int == total)
        #expect(stats["duplicateLines"] as? Int == 0)
        // The spool drains to empty once everything is acknowledged.
        let drained = try Harness.eventually("spool drained") { () -> Bool? in
            let text = try agent.metricsText()
            return text.contains("\nvigil_spool_events 0\n") ? true : nil
        }
        #expect(drained)
    }

    @Test func stdinLinesReachTheEmbeddedStore() throws {
        let dir = try Harness.tempDirectory("vigil-stdin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("input.ndjson")
        let lines = (0..<50).map { Self.line($0) }.joined(separator: "\n") + "\nnot json\n"
        try lines.write(to: input, atomically: true, encoding: .utf8)
        let handle = try FileHandle(forReadingFrom: input)
        let agent = try AgentProcess(arguments: ["--stdin"], directory: dir, stdin: handle)
        defer { agent.child.stop() }
        let count = try Harness.eventually("50 stdin lines searchable") { () -> Int? in
            let response = try Harness.http("GET", "\(agent.baseURL)/v1/logs/search?limit=1000")
            let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            let count = object?["count"] as? Int ?? 0
            return count >= 50 ? count : nil
        }
        #expect(count == 50)
        let text = try agent.metricsText()
        #expect(text.contains(#"vigil_events_rejected_total{source="stdin",reason="invalid_json"} 1"#))
    }
}
