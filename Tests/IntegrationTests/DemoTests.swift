import Foundation
import Testing

/// `make demo` (scripts/demo.sh) end to end, as a newcomer runs it but without a terminal: the built agent, the
/// synthetic workload, the canary started with a generated token, the degradation, the automatic rollback with its
/// reason, the printed commands (run as printed), and no process left behind. Only the degradation comes sooner
/// than by default (DEMO_DEGRADE_AFTER); everything else is the default path.
@Suite(.serialized) struct DemoTests {
    struct Run {
        let data: URL
        let demo: ChildProcess
        var stdout: String { demo.stdout }
    }

    /// Starts scripts/demo.sh in a temp data dir on a free port; it lingers after the rollback until stopped.
    static func start(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> Run {
        _ = try Harness.binary("vigil")
        let dir = try Harness.tempDirectory("vigil-demo")
        let data = dir.appendingPathComponent("data")
        let env = ["DEMO_PORT": String(try Harness.freePort()), "DEMO_DATA": data.path, "DEMO_DEGRADE_AFTER": "25",
                   "DEMO_SECONDS": "150", "DEMO_LINGER": "120"].merging(environment) { _, new in new }
        // The test process blocks most signals in its threads and children inherit that mask; a shell cannot unblock
        // it, so demo.sh starts from a clean mask and default dispositions, as it would from a terminal.
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); "
            + "signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.execv('/bin/bash', ['bash'] + sys.argv[1:])"
        let demo = try ChildProcess("demo", path: "/usr/bin/python3",
                                    arguments: ["-c", unblock, Harness.packageRoot.appendingPathComponent("scripts/demo.sh").path] + arguments,
                                    directory: dir, environment: env)
        return Run(data: data, demo: demo)
    }

    /// Waits for the end of the story (the commands to try), failing early if the demo exits.
    static func waitForCommands(_ run: Run, seconds: Double = 150) throws -> String {
        try Harness.eventually("the demo's closing commands", seconds: seconds) { () -> String? in
            let out = run.stdout
            if out.contains("See what happened:"), out.contains("v4's errors") { return out }
            guard run.demo.isRunning else {
                throw HarnessError("the demo exited with \(run.demo.process.terminationStatus):\n\(out)\n\(run.demo.stderr)")
            }
            return nil
        }
    }

    /// The command printed after `label` in the closing block.
    static func printedCommand(_ out: String, _ label: String) throws -> String {
        let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("  \(label) ") }, "no '\(label)' line in:\n\(out)")
        return String(line.dropFirst(label.count + 2)).trimmingCharacters(in: .whitespaces)
    }

    /// PIDs of processes whose command line mentions `path` (the demo gives each process it starts its data dir).
    static func processes(mentioning path: String) -> [Int32] {
        let me = ProcessInfo.processInfo.processIdentifier
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != me, let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(path)
        }
    }

    /// After a failed test: the demo, then anything it started that still runs (by PID, found by its data dir).
    static func tidy(_ run: Run) {
        run.demo.stop(grace: 20)
        for pid in processes(mentioning: run.data.path) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: run.data.deletingLastPathComponent())
    }

    /// Ctrl-C (SIGINT) ends the lingering demo; then nothing it started runs any more.
    static func stopAndCheckNothingIsLeft(_ run: Run) throws {
        #expect(!processes(mentioning: run.data.path).isEmpty, "the agent should still be up while the demo lingers")
        run.demo.signal(SIGINT)
        let status = run.demo.wait(seconds: 30)
        #expect(status == 130, "demo.sh after Ctrl-C: \(String(describing: status))")
        let left = try Harness.eventually("the demo's processes to end", seconds: 10) { () -> [Int32]? in
            let pids = processes(mentioning: run.data.path)
            return pids.isEmpty ? pids : nil
        }
        #expect(left.isEmpty)
    }

    @Test func theDemoRollsTheDegradedChallengerBackAndCleansUp() throws {
        let run = try Self.start()
        defer { Self.tidy(run) }
        let out = try Self.waitForCommands(run)

        #expect(out.contains("Vigil is ready on http://127.0.0.1:"))
        #expect(out.contains("changed: fraud-detector: pending → running"), "the rollout was not started:\n\(out)")
        // Plain status lines (no terminal), at least one while the challenger had 10 % of the traffic.
        let statusLines = out.split(separator: "\n").filter { $0.contains(" ev/s | ") }
        #expect(statusLines.count >= 4, "\(statusLines.count) status lines:\n\(out)")
        #expect(statusLines.contains { $0.contains("step 1/4 v4 at 10%") })
        #expect(!out.contains("\r"), "a carriage return without a terminal")
        #expect(out.contains(">>> v4 degrades now"))

        // The rollback, its reason naming a degraded guardrail that failed, and the measured delay.
        #expect(out.contains("ROLLED BACK: fraud-detector v4 -> 0% by vigil"), "\(out)")
        let reason = try #require(out.split(separator: "\n").first { $0.hasPrefix("  reason: ") }.map(String.init))
        let named = ["error rate": "error_rate", "share of requests slower": "latency", "accuracy": "accuracy",
                     "drift of amount": "drift"].filter { reason.contains($0.key) }
        #expect(named.count == 1, "the reason names no degraded guardrail: \(reason)")
        if let guardrail = named.first?.value {
            #expect(out.split(separator: "\n").contains { $0.hasPrefix("  guardrail \(guardrail)") && $0.hasSuffix(": fail") },
                    "the verdict does not show \(guardrail) failing:\n\(out)")
        }
        let delay = try #require(out.firstMatch(of: /rolled back (\d+) s after the challenger degraded/), "\(out)")
        #expect(Int(delay.1)! >= 0 && Int(delay.1)! <= 60)

        // The printed commands work as printed.
        let status = try Harness.run("/bin/bash", ["-c", try Self.printedCommand(out, "rollout")])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("rollout fraud-detector: rolled_back"), "\(status.stdout)")
        #expect(status.stdout.contains("rollback by vigil: "), "\(status.stdout)")
        let audit = try Harness.run("/bin/bash", ["-c", try Self.printedCommand(out, "audit log")])
        #expect(audit.stdout.contains(#""action":"rollback""#) && audit.stdout.contains(#""actor":"demo-release-manager""#),
                "\(audit.stdout)")
        let logs = try Harness.run("/bin/bash", ["-c", try Self.printedCommand(out, "v4's errors")])
        #expect(logs.status == 0 && logs.stdout.contains("model v4 inference failed"), "\(logs.stdout)\(logs.stderr)")
        #expect(!logs.stdout.contains("@example.com"), "e-mail addresses were not redacted")
        let metrics = String(decoding: try Harness.http("GET", try Self.printedCommand(out, "metrics")).body, as: UTF8.self)
        #expect(metrics.contains(#"vigil_rollout_state{model="fraud-detector",state="rolled_back"} 1"#))

        // The tokens are the demo's own: the configuration holds only their hashes.
        let token = try String(contentsOf: run.data.appendingPathComponent("tokens/release-manager.token"), encoding: .utf8)
        let config = try String(contentsOf: run.data.appendingPathComponent("vigil.yaml"), encoding: .utf8)
        #expect(token.count >= 64 && !config.contains(token.trimmingCharacters(in: .whitespacesAndNewlines)))

        try Self.stopAndCheckNothingIsLeft(run)
    }

    /// `--prometheus`: Debian's Prometheus scrapes the agent (job `vigil`) with the alert rules loaded, and the
    /// rollback alert arrives in Alertmanager. Uses alerts/ when it has rules, else a temporary rules file.
    @Test func withPrometheusTheRollbackAlertArrivesInAlertmanager() throws {
        var environment: [String: String] = [:]
        let alerts = Harness.packageRoot.appendingPathComponent("alerts")
        let hasRules = ((try? FileManager.default.contentsOfDirectory(atPath: alerts.path)) ?? []).contains { $0.hasSuffix(".rules.yml") }
        let rulesDir = try Harness.tempDirectory("vigil-demo-rules")
        defer { try? FileManager.default.removeItem(at: rulesDir) }
        if !hasRules {
            try """
            groups:
              - name: vigil-demo-test
                rules:
                  - alert: VigilRolloutRolledBack
                    expr: max by (model) (vigil_rollout_state{state="rolled_back"}) == 1
                    labels: { severity: critical }
                    annotations: { summary: "rollout of {{ $labels.model }} rolled back" }
            """.write(to: rulesDir.appendingPathComponent("vigil.rules.yml"), atomically: true, encoding: .utf8)
            environment["DEMO_ALERTS_DIR"] = rulesDir.path
        }
        let run = try Self.start(["--prometheus"], environment: environment)
        defer { Self.tidy(run) }
        let out = try Self.waitForCommands(run, seconds: 170)

        #expect(out.contains("ROLLED BACK: fraud-detector v4"), "\(out)")
        #expect(out.contains("Alertmanager has VigilRolloutRolledBack ("), "\(out)")
        #expect(!out.contains("warning: no "), "the rules were not found:\n\(out)")
        let prometheus = try #require(out.firstMatch(of: /Prometheus +(http:\/\/127\.0\.0\.1:\d+)\/alerts/), "\(out)").1
        let alertmanager = try #require(out.firstMatch(of: /Alertmanager +(http:\/\/127\.0\.0\.1:\d+)\//), "\(out)").1

        // Prometheus scrapes job vigil and loaded the rule files.
        let targets = String(decoding: try Harness.http("GET", "\(prometheus)/api/v1/targets").body, as: UTF8.self)
        #expect(targets.contains(#""job":"vigil""#) && targets.contains(#""health":"up""#), "\(targets)")
        let rules = String(decoding: try Harness.http("GET", "\(prometheus)/api/v1/rules").body, as: UTF8.self)
        #expect(rules.contains(#""groups":[{"#), "no rule group loaded: \(rules)")
        // Alertmanager holds the alert for the rolled-back model.
        let held = String(decoding: try Harness.http("GET", "\(alertmanager)/api/v2/alerts").body, as: UTF8.self)
        #expect(held.contains(#""alertname":"VigilRolloutRolledBack""#) && held.contains(#""model":"fraud-detector""#), "\(held)")

        try Self.stopAndCheckNothingIsLeft(run)
    }
}
