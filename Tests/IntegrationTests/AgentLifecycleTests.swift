import Foundation
import Testing

/// The built binary: defaults, graceful shutdown, and configuration errors.
@Suite(.serialized)
struct AgentLifecycleTests {
    @Test func sigtermEndsTheAgentCleanlyWithStatusZero() throws {
        let agent = try AgentProcess()
        defer { try? FileManager.default.removeItem(at: agent.directory) }
        let health = try Harness.http("GET", "\(agent.baseURL)/healthz")
        #expect(health.status == 200)
        agent.child.signal(SIGTERM)
        let status = agent.child.wait(seconds: 20)
        #expect(status == 0)
        #expect(agent.child.stderr.contains("\"agent stopped\""))
    }

    /// Every long-running part (file tailer, model monitor, local sink, server) must end on SIGTERM.
    @Test func sigtermWithEveryServiceConfiguredExitsZero() throws {
        let dir = try Harness.tempDirectory("vigil-all")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("app.log")
        try "{\"message\":\"hello\"}\n".write(to: log, atomically: true, encoding: .utf8)
        let config = """
        sources:
          - { type: http }
          - { type: file, paths: ["\(log.path)"] }
        models:
          - { name: fraud, detectors: [adwin, ddm], window: 100 }
        """
        let agent = try AgentProcess(config: config, directory: dir)
        let accepted = try Harness.http("POST", "\(agent.baseURL)/v1/predictions",
                                        body: Data(#"{"model":"fraud","request_id":"r1","prediction":"1","score":0.9}"#.utf8))
        #expect(accepted.status == 202)
        agent.child.signal(SIGTERM)
        #expect(agent.child.wait(seconds: 30) == 0, "stderr: \(agent.child.stderr.suffix(1500))")
    }

    @Test func sigintAlsoShutsDownGracefully() throws {
        let agent = try AgentProcess()
        defer { try? FileManager.default.removeItem(at: agent.directory) }
        agent.child.signal(SIGINT)
        #expect(agent.child.wait(seconds: 20) == 0)
    }

    @Test func agentLogsAreJSONLinesOnStderr() throws {
        let agent = try AgentProcess()
        defer { try? FileManager.default.removeItem(at: agent.directory) }
        agent.child.stop()
        let lines = agent.child.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["msg"] is String, "not a JSON log line: \(line)")
            #expect(object?["level"] is String)
        }
    }

    static let badConfig = """
    server:
      listen: "127.0.0.1:9750"
      max_body_byte: 1000
    storage:
      spool:
        when_full: drop_newest
    sources:
      - type: file
        paths: ["/var/log/app/*.log"]
        start_at: middle
    """

    @Test func configCheckReportsEveryProblemWithLineColumnAndPath() throws {
        let dir = try Harness.tempDirectory("vigil-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml")
        try Self.badConfig.write(to: file, atomically: true, encoding: .utf8)
        let result = try Harness.run(try Harness.binary("vigil"), ["config", "check", file.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file.path):3:3: server.max_body_byte: unknown key \"max_body_byte\"; did you mean \"max_body_bytes\"?"))
        #expect(result.stderr.contains("\(file.path):6:16: storage.spool.when_full: must be one of block, drop_oldest, got \"drop_newest\""))
        #expect(result.stderr.contains("\(file.path):10:15: sources[0].start_at: must be one of beginning, end, got \"middle\""))
        #expect(result.stderr.contains("3 problems found"))
    }

    @Test func configCheckAcceptsAValidFile() throws {
        let dir = try Harness.tempDirectory("vigil-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("good.yaml")
        try "server:\n  listen: 127.0.0.1:9999\nlog:\n  level: debug\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try Harness.run(try Harness.binary("vigil"), ["config", "check", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK"))
    }

    @Test func agentRefusesABadConfigWithStatusOne() throws {
        let dir = try Harness.tempDirectory("vigil-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml")
        try Self.badConfig.write(to: file, atomically: true, encoding: .utf8)
        let result = try Harness.run(try Harness.binary("vigil"), ["agent", "--config", file.path, "--data-dir", dir.appendingPathComponent("d").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("did you mean \"max_body_bytes\"?"))
    }
}
