import Foundation
import Testing

/// `vigil controller` end to end: a real PostgreSQL, three built agents on it, a real Prometheus scraping them
/// every second, and the controller reading the fleet's evidence from Prometheus.
///
/// The rollout needs 150 requests per variant before any decision and each agent serves 100 per variant, so no
/// single agent's slice could decide it: only the fleet-wide sum can. The challenger fails on one agent's slice
/// only. First one agent stops answering scrapes (SIGSTOP): the sum already calls for a rollback, but the evidence
/// is incomplete, so the controller stays `inconclusive`. Then the agent resumes: the controller rolls back once
/// (one audit entry), and every agent serves the champion within about a second.
@Suite(.serialized) struct ControllerFleetTests {
    static func json(_ url: String) throws -> [String: Any] {
        let r = try Harness.http("GET", url)
        guard r.status == 200, let o = try JSONSerialization.jsonObject(with: r.body) as? [String: Any] else {
            throw HarnessError("GET \(url): HTTP \(r.status) \(String(decoding: r.body, as: UTF8.self))")
        }
        return o
    }

    static func state(_ base: String) throws -> String? {
        try json(base + "/v1/assign?model=fraud&unit=u1")["state"] as? String
    }

    static func lastEvaluation(_ base: String) throws -> (decision: String, reason: String)? {
        guard let e = try json(base + "/v1/rollouts/fraud")["lastEvaluation"] as? [String: Any],
              let d = e["decision"] as? String, let r = e["reason"] as? String else { return nil }
        return (d, r)
    }

    static func predictions(variant: String, count: Int, failing: Bool, prefix: String) -> Data {
        var s = ""
        for i in 0..<count {
            s += #"{"model":"fraud","variant":"\#(variant)","request_id":"\#(prefix)-\#(variant)-\#(i)","prediction":"0","score":0.2,"latency_ms":5,"status":"\#(failing ? "error" : "ok")"}"# + "\n"
        }
        return Data(s.utf8)
    }

    static func send(_ agent: AgentProcess, _ name: String, challengerFails: Bool) throws {
        for (variant, failing) in [("v3", false), ("v4", challengerFails)] {
            let r = try Harness.http("POST", agent.baseURL + "/v1/predictions",
                                     body: predictions(variant: variant, count: 100, failing: failing, prefix: name))
            #expect(r.status == 202)
        }
    }

    @Test(.timeLimit(.minutes(3))) func controllerDecidesFromTheFleetSumAndWaitsOutAScrapeGap() throws {
        let began = Date()
        let server = try PostgresServer()
        let agentConfig = """
        storage:
          shared: { url: "\(server.url)", tls: { mode: disable }, timeout: 2s }
        models: [ { name: fraud } ]
        rollouts:
          - model: fraud
            champion: v3
            challenger: v4
            steps: [50, 100]
            min_samples: 150
            min_step_duration: 1h
            guardrails: [ { metric: error_rate } ]
            evaluator: controller
        """
        let dirs = try (0..<3).map { try Harness.tempDirectory("vigil-controller-agent\($0)") }
        try agentConfig.write(to: dirs[0].appendingPathComponent("vigil.yaml"), atomically: true, encoding: .utf8)
        let migrate = try Harness.run(try Harness.binary("vigil"), ["db", "migrate", "--config", dirs[0].appendingPathComponent("vigil.yaml").path])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let agents = try dirs.map { try AgentProcess(config: agentConfig, directory: $0) }
        defer { for a in agents { a.child.signal(SIGCONT); a.child.stop() } }

        let promDir = try Harness.tempDirectory("vigil-controller-prometheus")
        let prometheus = try PrometheusServer(targets: agents.map(\.port), directory: promDir)
        defer { prometheus.stop() }

        let controllerDir = try Harness.tempDirectory("vigil-controller")
        let controllerConfig = agentConfig + """

        controller:
          prometheus: { url: "http://127.0.0.1:\(prometheus.port)", timeout: 2s }
          interval: 500ms
          staleness: 5s
          lookback: 30s
        """
        let configFile = controllerDir.appendingPathComponent("controller.yaml")
        try controllerConfig.write(to: configFile, atomically: true, encoding: .utf8)
        let controller = try ChildProcess("controller", path: try Harness.binary("vigil"),
                                          arguments: ["controller", "--config", configFile.path, "--listen", "127.0.0.1:0"],
                                          directory: controllerDir)
        defer { controller.stop() }
        let controllerPort = try Harness.eventually("the controller's 'server started' log line", seconds: 60) { () -> Int? in
            guard controller.isRunning else { throw HarnessError("controller exited: \(controller.stderr)") }
            return AgentProcess.listenPort(in: controller.stderr)
        }
        let c = "http://127.0.0.1:\(controllerPort)"

        // The agents do not evaluate a controller-decided rollout: their status says who decides.
        let agentStatus = try Self.json(agents[0].baseURL + "/v1/rollouts/fraud")
        #expect(agentStatus["evaluator"] as? String == "controller")

        // Started through the controller; every agent serves the running rollout.
        let started = try Harness.http("POST", c + "/v1/rollouts/fraud/start", headers: ["Content-Type: application/json"],
                                       body: Data(#"{"reason":"controller test"}"#.utf8))
        #expect(started.status == 200, "\(String(decoding: started.body, as: UTF8.self))")
        for a in agents {
            _ = try Harness.eventually("agent serves running", seconds: 5) { try Self.state(a.baseURL) == "running" ? true : nil }
        }
        // A complete evaluation sets the baseline (all three targets scraped).
        _ = try Harness.eventually("a complete fleet evaluation", seconds: 30) { () -> Bool? in
            guard let e = try Self.lastEvaluation(c) else { return nil }
            return e.reason.contains("evidence incomplete") ? nil : true
        }

        // Scrape gap: agent 2 stops answering (SIGSTOP); Prometheus marks it down.
        agents[2].child.signal(SIGSTOP)
        _ = try Harness.eventually("prometheus sees agent 2 down", seconds: 15) { () -> Bool? in
            let r = try prometheus.query("up{instance=\"127.0.0.1:\(agents[2].port)\"} == 0")
            return r.result.isEmpty ? nil : true
        }
        // Agents 0 and 1 serve 200 per variant; the challenger fails on agent 0's slice: on these numbers alone a rollback.
        try Self.send(agents[0], "a0", challengerFails: true)
        try Self.send(agents[1], "a1", challengerFails: false)
        let seen = try Harness.eventually("Prometheus has the traffic", seconds: 15) { () -> Bool? in
            let r = try prometheus.query(#"sum(vigil_rollout_requests_total{model="fraud"}) >= 400"#)
            return r.result.isEmpty ? nil : true
        }
        #expect(seen)
        let gap = try Harness.eventually("an inconclusive evaluation naming the down target", seconds: 15) { () -> (String, String)? in
            guard let e = try Self.lastEvaluation(c), e.decision == "inconclusive", e.reason.contains("targets down") else { return nil }
            return e
        }
        #expect(gap.1.contains("127.0.0.1:\(agents[2].port)"), "\(gap.1)")
        // Several rounds later: still running, no rollback written.
        Thread.sleep(forTimeInterval: 3)
        #expect(try Self.state(c) == "running")
        #expect(try server.psql("SELECT count(*) FROM vigil_audit_log WHERE action = 'rollback'") == "0")
        #expect(try Self.lastEvaluation(c)?.decision == "inconclusive")
        let explain = try Harness.run(try Harness.binary("vigil"), ["rollout", "status", "fraud", "--explain", "--server", c])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains(#"sum by (variant) (increase(vigil_rollout_request_errors_total{model="fraud",variant=~"v3|v4"}["#),
                "\(explain.stdout)")
        #expect(explain.stdout.contains("errors — for error_rate"), "\(explain.stdout)")
        #expect(explain.stdout.contains("unhealthy_targets — for completeness"), "\(explain.stdout)")

        // Agent 2 resumes and serves its healthy slice: the fleet sum is complete, and the controller rolls back.
        agents[2].child.signal(SIGCONT)
        try Self.send(agents[2], "a2", challengerFails: false)
        let decided = try Harness.eventually("the controller rolls back", seconds: 30) { () -> Date? in
            try Self.state(c) == "rolled_back" ? Date() : nil
        }
        var lag: [Double] = []
        for a in agents {
            _ = try Harness.eventually("agent serves the champion", seconds: 5) { () -> Bool? in
                guard try Self.state(a.baseURL) == "rolled_back" else { return nil }
                lag.append(Date().timeIntervalSince(decided))
                return true
            }
            let body = try Self.json(a.baseURL + "/v1/assign?model=fraud&unit=u1")
            #expect(body["variant"] as? String == "v3")
        }
        #expect(lag.max() ?? 99 < 1.2, "agents took \(lag) s to serve the decision")
        print("ControllerFleetTests: agents served the controller's rollback after \(lag.map { String(format: "%.3f", $0) }) s;"
              + " gap evaluation: \(gap.1)")
        print(explain.stdout)
        #expect(try server.psql("SELECT count(*) FROM vigil_audit_log WHERE action = 'rollback'") == "1")
        #expect(try server.psql("SELECT actor FROM vigil_audit_log WHERE action = 'rollback'") == "vigil")
        let evidence = try server.psql("SELECT evidence FROM vigil_audit_log WHERE action = 'rollback'")
        #expect(evidence.contains("error_rate"), "\(evidence)")
        // Each agent stayed an observer: no decision counted on an agent.
        for a in agents { #expect(!(try a.metricsText()).contains(#"vigil_rollout_decisions_total{model="fraud",decision="rollback"}"#)) }
        #expect(Date().timeIntervalSince(began) < 120)
    }
}
