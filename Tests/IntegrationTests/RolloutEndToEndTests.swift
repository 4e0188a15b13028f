import Foundation
import Testing
import VigilCore

/// The built agent with a rollout, a real Alertmanager (Debian's, loopback) and a loopback webhook receiver:
/// a worse challenger is rolled back automatically, assignment changes at once, the alert arrives and is later
/// resolved, the signed webhook arrives (after a retry), and the state survives `kill -9`.
@Suite(.serialized) struct RolloutEndToEndTests {
    static let receiver = #"""
    import http.server, json, sys, time
    port_file, log_file = sys.argv[1], sys.argv[2]
    seen = {"n": 0}
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen["n"] += 1
            status = 503 if seen["n"] == 1 else 200   # the first delivery fails: Vigil must retry
            with open(log_file, "a") as f:
                f.write(json.dumps({"status": status, "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body.decode()}) + "\n")
            self.send_response(status)
            self.end_headers()
        def log_message(self, *args):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 0.5
    open(port_file, "w").write(str(server.server_port))
    deadline = time.time() + 300
    while time.time() < deadline:
        server.handle_request()
    """#

    static func vigil(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try Harness.run(try Harness.binary("vigil"), args)
    }

    static func alerts(_ url: String) throws -> [[String: Any]] {
        let body = try Harness.http("GET", url + "/api/v2/alerts").body
        return (try JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? []
    }

    @Test func aWorseChallengerIsRolledBackWithAlertWebhookAndAudit() throws {
        let dir = try Harness.tempDirectory("vigil-rollout-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }

        // Alertmanager on loopback, no clustering.
        let amPort = try Harness.freePort()
        try "route: { receiver: blackhole }\nreceivers: [ { name: blackhole } ]\n"
            .write(to: dir.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
        let am = try ChildProcess("alertmanager", path: "/usr/bin/prometheus-alertmanager", arguments: [
            "--config.file=\(dir.appendingPathComponent("am.yml").path)", "--storage.path=\(dir.appendingPathComponent("am").path)",
            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address="], directory: dir)
        defer { am.stop() }
        let amURL = "http://127.0.0.1:\(amPort)"
        _ = try Harness.eventually("alertmanager ready", seconds: 30) { try? Harness.http("GET", amURL + "/-/ready").status == 200 ? true : nil }

        // The webhook receiver.
        try Self.receiver.write(to: dir.appendingPathComponent("receiver.py"), atomically: true, encoding: .utf8)
        let hookLog = dir.appendingPathComponent("hooks.ndjson")
        let receiver = try ChildProcess("receiver", path: "/usr/bin/python3", arguments: [
            dir.appendingPathComponent("receiver.py").path, dir.appendingPathComponent("receiver.port").path, hookLog.path], directory: dir)
        defer { receiver.stop(grace: 2) }
        let hookPort = try Harness.eventually("webhook receiver", seconds: 20) {
            (try? String(contentsOf: dir.appendingPathComponent("receiver.port"), encoding: .utf8)).flatMap { Int($0) }
        }

        let secret = "hook-secret-42"
        try (secret + "\n").write(to: dir.appendingPathComponent("hook.secret"), atomically: true, encoding: .utf8)
        try "rm-token\n".write(to: dir.appendingPathComponent("rm.token"), atomically: true, encoding: .utf8)
        try "viewer-token\n".write(to: dir.appendingPathComponent("viewer.token"), atomically: true, encoding: .utf8)
        func sha(_ s: String) -> String { SHA256.hex(SHA256.hash(Array(s.utf8))) }
        let config = """
        auth:
          tokens:
            - { name: alice, sha256: "\(sha("rm-token"))", roles: [release-manager] }
            - { name: grafana, sha256: "\(sha("viewer-token"))", roles: [viewer] }
            - { name: app, sha256: "\(sha("ingest-token"))", roles: [ingest] }
        models:
          - { name: fraud }
        rollouts:
          - { model: fraud, champion: v3, challenger: v4, min_samples: 100, min_step_duration: 0s }
        actions:
          alertmanager: { url: "\(amURL)", resend_interval: 2s }
          webhooks:
            - { url: "http://127.0.0.1:\(hookPort)/hook", secret_file: hook.secret, timeout: 5s, max_attempts: 5 }
        """
        var agent = try AgentProcess(config: config, directory: dir)
        let rm = ["--token-file", dir.appendingPathComponent("rm.token").path]
        let viewer = ["--token-file", dir.appendingPathComponent("viewer.token").path]

        // A release manager starts the rollout; without a token the API refuses.
        #expect(try Self.vigil(["rollout", "start", "fraud", "--reason", "ship v4", "--server", agent.baseURL]).status == 1)
        let started = try Self.vigil(["rollout", "start", "fraud", "--reason", "ship v4", "--server", agent.baseURL] + rm)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.contains("changed: fraud: pending → running"))

        // 5 % of traffic to the challenger, which fails 10 % of its requests against the champion's 1 %.
        var lines: [String] = []
        for i in 0..<3_800 {
            lines.append(#"{"type":"prediction","model":"fraud","variant":"v3","request_id":"c\#(i)","score":0.8,"latency_ms":40,"status":"\#(i % 100 == 0 ? "error" : "ok")"}"#)
        }
        for i in 0..<200 {
            lines.append(#"{"type":"prediction","model":"fraud","variant":"v4","request_id":"t\#(i)","score":0.8,"latency_ms":41,"status":"\#(i % 10 == 0 ? "error" : "ok")"}"#)
        }
        let ingest = try Harness.http("POST", agent.baseURL + "/v1/predictions", headers: ["Authorization: Bearer ingest-token"],
                                      body: Data(lines.joined(separator: "\n").utf8))
        #expect(ingest.status == 202, "\(String(decoding: ingest.body, as: UTF8.self))")

        // The engine decides within a few evaluation rounds (every 5 s).
        let status = try Harness.eventually("automatic rollback", seconds: 40) { () -> String? in
            let s = try Self.vigil(["rollout", "status", "fraud", "--json", "--server", agent.baseURL] + viewer)
            return s.stdout.contains(#""state":"rolled_back""#) ? s.stdout : nil
        }
        #expect(status.contains("challenger error rate 10% vs 1%"))
        for i in 0..<100 {
            let a = try Harness.http("GET", agent.baseURL + "/v1/assign?model=fraud&unit=user-\(i)", headers: ["Authorization: Bearer viewer-token"])
            #expect(String(decoding: a.body, as: UTF8.self).contains(#""variant":"v3""#))
        }
        let text = try Self.vigil(["rollout", "status", "fraud", "--server", agent.baseURL] + viewer).stdout
        #expect(text.contains("rollout fraud: rolled_back"))
        #expect(text.contains("rollback by vigil: challenger error rate 10% vs 1%"))
        let metrics = try agent.metricsText()
        #expect(metrics.contains(#"vigil_rollout_state{model="fraud",state="rolled_back"} 1"#))
        #expect(metrics.contains(#"vigil_rollout_decisions_total{model="fraud",decision="rollback"} 1"#))

        // Alertmanager has the alert, with its labels and annotations.
        let fired = try Harness.eventually("alert in alertmanager", seconds: 30) { () -> [String: Any]? in
            try Self.alerts(amURL).first { ($0["labels"] as? [String: String])?["alertname"] == "VigilRolloutRolledBack" }
        }
        let labels = fired["labels"] as? [String: String] ?? [:]
        #expect(labels["severity"] == "critical" && labels["model"] == "fraud" && labels["variant"] == "v4")
        let annotations = fired["annotations"] as? [String: String] ?? [:]
        #expect(annotations["runbook_url"]?.hasSuffix("rollout-rolled-back.md") == true)
        #expect(annotations["description"]?.contains("challenger error rate 10% vs 1%") == true)

        // The webhook receiver got start and rollback, signed; the first attempt (503) was retried.
        let deliveries = try Harness.eventually("webhook deliveries", seconds: 30) { () -> [[String: Any]]? in
            let text = (try? String(contentsOf: hookLog, encoding: .utf8)) ?? ""
            let all = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            return all.filter { $0["status"] as? Int == 200 }.count >= 2 ? all : nil
        }
        #expect(deliveries.first?["status"] as? Int == 503)
        var events: [String] = []
        for d in deliveries where d["status"] as? Int == 200 {
            let headers = d["headers"] as? [String: String] ?? [:]
            let body = d["body"] as? String ?? ""
            #expect(headers["x-vigil-signature"] == "sha256=" + SHA256.hex(HMACSHA256(key: Array(secret.utf8)).authenticate(Array(body.utf8))))
            events.append(headers["x-vigil-event"] ?? "")
            #expect(headers["idempotency-key"]?.hasPrefix("fraud/") == true)
        }
        #expect(Set(events) == ["rollout.start", "rollout.rollback"])
        #expect(!(agent.child.stderr.contains(secret)), "the webhook secret leaked into the log")

        // kill -9, restart: the state and the audit log survived.
        agent.child.signal(SIGKILL)
        _ = agent.child.wait(seconds: 10)
        agent = try AgentProcess(config: config, directory: dir)
        let after = try Self.vigil(["rollout", "status", "fraud", "--json", "--server", agent.baseURL] + viewer)
        #expect(after.stdout.contains(#""state":"rolled_back""#))
        let audit = try Harness.http("GET", agent.baseURL + "/v1/audit?model=fraud", headers: ["Authorization: Bearer viewer-token"])
        let auditText = String(decoding: audit.body, as: UTF8.self)
        #expect(auditText.contains(#""actor":"alice""#) && auditText.contains(#""action":"rollback""#))

        // Starting again resolves the alert.
        let restarted = try Self.vigil(["rollout", "start", "fraud", "--reason", "fixed the bug", "--server", agent.baseURL] + rm)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        _ = try Harness.eventually("alert resolved", seconds: 30) { () -> Bool? in
            let active = try Self.alerts(amURL).filter {
                ($0["labels"] as? [String: String])?["alertname"] == "VigilRolloutRolledBack"
                    && (($0["status"] as? [String: Any])?["state"] as? String) == "active"
            }
            return active.isEmpty ? true : nil
        }
        #expect(agent.child.stop() == 0)
    }

    /// Two agents that share nothing but the configuration and the state give every unit the same variant.
    @Test func twoAgentsAssignTheSameWithoutTalking() throws {
        let config = """
        models: [ { name: fraud } ]
        rollouts: [ { model: fraud, champion: v3, challenger: v4 } ]
        """
        let a = try AgentProcess(config: config, directory: try Harness.tempDirectory("vigil-assign-a"))
        let b = try AgentProcess(config: config, directory: try Harness.tempDirectory("vigil-assign-b"))
        defer { a.child.stop(); b.child.stop() }
        for agent in [a, b] {
            #expect(try Self.vigil(["rollout", "start", "fraud", "--reason", "test", "--server", agent.baseURL]).status == 0)
        }
        var challenger = 0
        for i in 0..<200 {
            let fromA = try JSONSerialization.jsonObject(with: Harness.http("GET", a.baseURL + "/v1/assign?model=fraud&unit=u\(i)").body) as? [String: Any]
            let fromB = try JSONSerialization.jsonObject(with: Harness.http("GET", b.baseURL + "/v1/assign?model=fraud&unit=u\(i)").body) as? [String: Any]
            #expect(fromA?["variant"] as? String == fromB?["variant"] as? String)
            #expect(fromA?["bucket"] as? Int == fromB?["bucket"] as? Int)
            if fromA?["variant"] as? String == "v4" { challenger += 1 }
        }
        // 5 % of 200 units is 10 (standard deviation 3.1).
        #expect(challenger > 1 && challenger < 25, "\(challenger) of 200 units in the challenger at 5 %")
    }

    /// With `requests: logs`, request logs that name the model and variant (here under renamed fields) are the
    /// rollout's requests.
    @Test func requestLogsCountWhenTheRolloutSaysSo() throws {
        let config = """
        fields: { model: ml_model, variant: arm }
        models: [ { name: fraud } ]
        rollouts: [ { model: fraud, champion: v3, challenger: v4, requests: logs, min_samples: 10 } ]
        """
        let agent = try AgentProcess(config: config, directory: try Harness.tempDirectory("vigil-request-logs"))
        defer { agent.child.stop() }
        #expect(try Self.vigil(["rollout", "start", "fraud", "--reason", "test", "--server", agent.baseURL]).status == 0)
        var lines: [String] = []
        for i in 0..<190 { lines.append(#"{"message":"served","ml_model":"fraud","arm":"v3","status":200,"latency_ms":\#(20 + i % 7)}"#) }
        for i in 0..<10 { lines.append(#"{"message":"served","ml_model":"fraud","arm":"v4","status":\#(i < 5 ? 500 : 200),"latency_ms":30}"#) }
        lines.append(#"{"message":"unrelated"}"#)
        lines.append(#"{"message":"old names are not read","model":"fraud","variant":"v4","status":500}"#)
        #expect(try Harness.http("POST", agent.baseURL + "/v1/logs", body: Data(lines.joined(separator: "\n").utf8)).status == 202)
        let status = try Harness.eventually("an evaluation counting the request logs", seconds: 30) { () -> [String: Any]? in
            let body = try Harness.http("GET", agent.baseURL + "/v1/rollouts/fraud").body
            guard let s = try JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let e = s["lastEvaluation"] as? [String: Any], (e["championRequests"] as? Int ?? 0) > 0 else { return nil }
            return e
        }
        #expect(status["championRequests"] as? Int == 190 && status["challengerRequests"] as? Int == 10)
    }
}
