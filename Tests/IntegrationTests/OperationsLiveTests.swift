import Foundation
import Testing

/// The operations kit against live parts: two built agents (the embedded store with a monitored model, drift,
/// detectors, a rollout and service metrics from logs; and one shipping to the Elasticsearch mock with faults),
/// a real Prometheus scraping both every second with the rule files of `alerts/` loaded, and a real
/// Alertmanager. A synthetic workload runs over HTTP; then every query of every dashboard (panel targets,
/// template variables, annotations) is sent to Prometheus with Grafana's variables substituted: each must
/// parse, and every panel target must return data. Every alert and recording rule expression must parse and
/// its rule must be healthy, and VigilDriftDetected, VigilAccuracyDecay and VigilRolloutRolledBack must fire in
/// Prometheus and arrive in Alertmanager. The agent's own Alertmanager push points at a closed port here, so
/// what arrives in Alertmanager came through Prometheus's rules.
@Suite(.serialized) struct OperationsLiveTests {
    static let requiredAlerts: Set<String> = ["VigilDriftDetected", "VigilAccuracyDecay", "VigilRolloutRolledBack"]

    /// Used only while the repository has no `alerts/*.rules.yml` (the alert rules are written in parallel):
    /// the three alerts of the contract, so the live path can be proven before the merge.
    static let developmentAlertRules = """
    groups:
      - name: vigil-dashboards-development
        rules:
          - alert: VigilDriftDetected
            expr: max by (model, feature) (vigil_drift_detected{job="vigil"}) == 1
            for: 5s
            labels: { severity: warning }
          - alert: VigilAccuracyDecay
            expr: max by (model, variant, metric) (vigil_model_decay_detected{job="vigil"}) == 1
            for: 5s
            labels: { severity: warning }
          - alert: VigilRolloutRolledBack
            expr: max by (model) (vigil_rollout_state{job="vigil",state="rolled_back"}) == 1
            labels: { severity: critical }

    """

    /// Used only while no loaded rule file records `vigil_slo:error_ratio:rate5m`: SLO recording rules of the
    /// contract's shape (what `vigil rules generate` writes), for one availability and one latency SLO of the service `inference` (the example configuration's).
    static func developmentSLORules() -> String {
        var rules = ""
        for (window, range) in [("rate5m", "5m"), ("rate30m", "30m"), ("rate1h", "1h"), ("rate2h", "2h"), ("rate6h", "6h"),
                                ("rate1d", "1d"), ("rate3d", "3d")] {
            rules += """
                  - record: vigil_slo:error_ratio:\(window)
                    expr: sum by (service) (rate(http_server_request_duration_seconds_count{service="inference",http_response_status_code=~"5.."}[\(range)])) / sum by (service) (rate(http_server_request_duration_seconds_count{service="inference"}[\(range)]))
                    labels: { slo: inference-availability, slo_type: availability }
                  - record: vigil_slo:error_ratio:\(window)
                    expr: 1 - sum by (service) (rate(http_server_request_duration_seconds_bucket{service="inference",le="0.25"}[\(range)])) / sum by (service) (rate(http_server_request_duration_seconds_count{service="inference"}[\(range)]))
                    labels: { slo: inference-latency, slo_type: latency }

            """
        }
        return """
        groups:
          - name: vigil-slo-development
            rules:
        \(rules)      - record: vigil_slo:objective:ratio
                expr: vector(0.99)
                labels: { slo: inference-availability, slo_type: availability, service: inference }
              - record: vigil_slo:objective:ratio
                expr: vector(0.95)
                labels: { slo: inference-latency, slo_type: latency, service: inference }

        """
    }

    static func vigil(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try Harness.run(try Harness.binary("vigil"), args)
    }

    @Test(.timeLimit(.minutes(5))) func everyDashboardQueryAndAlertWorksAgainstLiveParts() throws {
        let started = Date()
        let dir = try Harness.tempDirectory("vigil-ops-live")
        defer { try? FileManager.default.removeItem(at: dir) }
        let profile = try MetricCatalogueTests.buildProfile(in: dir)

        // Rule files: the repository's, else the development stand-ins (printed, so nobody mistakes them).
        var ruleFiles = try DashboardQueries.ruleFiles()
        var rules = try ruleFiles.flatMap { try DashboardQueries.rules(in: $0) }
        if ruleFiles.isEmpty {
            let file = dir.appendingPathComponent("development-alerts.rules.yml")
            try Self.developmentAlertRules.write(to: file, atomically: true, encoding: .utf8)
            ruleFiles.append(file)
            print("OperationsLiveTests: no alerts/*.rules.yml in the repository; using the test's development alert rules")
        }
        if !rules.contains(where: { $0.kind == "record" && $0.name == "vigil_slo:error_ratio:rate5m" }) {
            let file = dir.appendingPathComponent("development-slo.rules.yml")
            try Self.developmentSLORules().write(to: file, atomically: true, encoding: .utf8)
            ruleFiles.append(file)
            print("OperationsLiveTests: no rule records vigil_slo:error_ratio:rate5m; using the test's development SLO rules")
        }
        rules = try ruleFiles.flatMap { try DashboardQueries.rules(in: $0) }
        let promtool = try Harness.run("/usr/bin/promtool", ["check", "rules"] + ruleFiles.map(\.path))
        #expect(promtool.status == 0, "promtool check rules: \(promtool.stdout) \(promtool.stderr)")

        // The Elasticsearch mock: the first _bulk answered 429 (retried), documents with "poison" rejected (dead letters).
        let portFile = dir.appendingPathComponent("mock.port").path
        let mock = try ChildProcess("mock", path: try Harness.binary("vigil-es-mock"), arguments: [
            "--port", "0", "--port-file", portFile,
            "--faults", #"{"wholeRequest":{"status":429,"next":1},"reject":{"field":"message","contains":"poison"}}"#], directory: dir)
        defer { mock.stop() }
        let mockPort = try Harness.eventually("the mock's port file") { () -> Int? in
            guard mock.isRunning else { throw HarnessError("mock exited: \(mock.stderr)") }
            return (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }

        let serviceMetrics = """
        metrics_from_logs:
          - name: http_server_request_duration_seconds
            type: histogram
            histogram_of: latency_ms
            scale: 0.001
            labels: ["service", "http_route=route", "http_request_method=method", "http_response_status_code=status"]
            when: { type: log }
        """
        let localDir = dir.appendingPathComponent("local"), esDir = dir.appendingPathComponent("es")
        try FileManager.default.createDirectory(at: localDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: esDir, withIntermediateDirectories: true)
        let appLog = localDir.appendingPathComponent("app.log")
        try #"{"message":"tailed from a file","service":"inference","route":"/v1/predict","method":"POST","status":200,"latency_ms":12}"#
            .appending("\n").write(to: appLog, atomically: true, encoding: .utf8)
        let local = try AgentProcess(config: """
        sources:
          - { type: http }
          - { type: file, name: app, paths: ["\(appLog.path)"], scan_interval: 100ms }
        redact: { builtin: [email, phone, ipv4] }
        \(serviceMetrics)
        models:
          - name: credit
            profile: "\(profile.path)"
            label_ttl: 1h
            window: 200
            window_time: 10m
            detectors: [adwin, ddm, page_hinkley]
            drift: [psi, ks, wasserstein, js, chi2]
        rollouts:
          - { model: credit, champion: v0, challenger: v1, min_samples: 100, min_step_duration: 0s }
        sinks: { local: { retention: 1d } }
        actions:
          # Closed loopback ports: the notification panels get data (unreachable, gave_up), and every alert
          # that reaches the real Alertmanager came through Prometheus's rules.
          alertmanager: { url: "http://127.0.0.1:9", resend_interval: 2s }
          webhooks: [ { url: "http://127.0.0.1:9/hook", max_attempts: 1 } ]
        """, directory: localDir)
        defer { local.child.stop() }
        let shipping = try AgentProcess(config: """
        sources: [ { type: http } ]
        redact: { builtin: [email] }
        \(serviceMetrics)
            cardinality_limit: 4
        sinks:
          elasticsearch: { url: "http://127.0.0.1:\(mockPort)", batch: { timeout: 100ms } }
        """, directory: esDir)
        defer { shipping.child.stop() }

        let alertmanager = try AlertmanagerServer(directory: dir)
        defer { alertmanager.stop() }
        let promDir = dir.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: promDir, withIntermediateDirectories: true)
        let prometheus = try PrometheusServer(targets: [local.port, shipping.port], ruleFiles: ruleFiles,
                                              alertmanager: alertmanager.url, directory: promDir)
        defer { prometheus.stop() }
        _ = try Harness.eventually("both agents up in Prometheus", seconds: 30) { () -> Bool? in
            PrometheusServer.QueryResult.value(try prometheus.query(#"sum(up{job="vigil"})"#)) == 2 ? true : nil
        }

        // The rollout starts (no auth configured: the API is open on loopback).
        let start = try Self.vigil(["rollout", "start", "credit", "--reason", "dashboards live test", "--server", local.baseURL])
        #expect(start.status == 0, "\(start.stderr)")

        // The workload, in rounds a second apart so counters move between scrapes.
        try Self.driveWorkload(local: local, shipping: shipping, appLog: appLog, rounds: 12)
        print("OperationsLiveTests: workload sent after \(Int(Date().timeIntervalSince(started))) s")

        // Template variables: resolved in order, each must have values.
        let dashboards = try DashboardQueries.loadDashboards()
        var panelTargets = 0, variableQueries = 0, annotationQueries = 0, annotationsWithData = 0
        var pending: [(DashboardQueries.Query, String)] = [], annotations: [(DashboardQueries.Query, String)] = []
        for dashboard in dashboards {
            var values: [String: String] = [:]
            for variable in try DashboardQueries.variables(dashboard) {
                let selector = variable.selector.map { DashboardQueries.substitute($0, values: values) }
                let found = try Harness.eventually("values of $\(variable.name) in \(dashboard.file)", seconds: 30) { () -> [String]? in
                    let v = try prometheus.labelValues(variable.label, match: selector)
                    return v.isEmpty ? nil : v
                }
                variableQueries += 1
                if variable.multi {
                    values[variable.name] = DashboardQueries.regexAlternation(found)
                } else {
                    values[variable.name] = variable.current.flatMap { found.contains($0) ? $0 : nil } ?? found[0]
                }
            }
            for query in DashboardQueries.queries(dashboard) {
                switch query.kind {
                case .panel: pending.append((query, DashboardQueries.substitute(query.expr, values: values)))
                case .annotation: annotations.append((query, DashboardQueries.substitute(query.expr, values: values)))
                case .variable: break
                }
            }
        }

        // Every query parses; every panel target returns data (retried while the workload's series arrive).
        var failures: [String] = []
        var finitePanels = 0
        let deadline = Date().addingTimeInterval(60)
        while true {
            var stillEmpty: [(DashboardQueries.Query, String)] = []
            for (query, expr) in pending {
                let answer = try prometheus.query(expr)
                if answer.status != "success" {
                    failures.append("\(query) → \(expr): \(answer.error ?? answer.status)")
                    continue
                }
                switch query.kind {
                case .panel:
                    if answer.result.isEmpty { stillEmpty.append((query, expr)) } else {
                        panelTargets += 1
                        if answer.finite > 0 { finitePanels += 1 }
                    }
                case .annotation, .variable:
                    break
                }
            }
            pending = stillEmpty
            if pending.isEmpty || Date() > deadline { break }
            Thread.sleep(forTimeInterval: 2)
        }
        failures += pending.map { "no data: \($0.0) → \($0.1)" }
        #expect(failures.isEmpty, "\(failures.count) dashboard queries failed:\n\(failures.joined(separator: "\n"))")

        // Every rule expression parses; every rule is loaded and healthy.
        var ruleFailures: [String] = []
        for rule in rules {
            let answer = try prometheus.query(rule.expr)
            if answer.status != "success" { ruleFailures.append("\(rule.file) \(rule.kind) \(rule.name): \(answer.error ?? answer.status)") }
        }
        let loaded = try Harness.eventually("every rule evaluated", seconds: 20) { () -> [[String: Any]]? in
            let r = try prometheus.rules()
            return r.count == rules.count && r.allSatisfy({ ($0["health"] as? String) != "unknown" }) ? r : nil
        }
        for rule in loaded where rule["health"] as? String != "ok" {
            ruleFailures.append("\(rule["name"] ?? "?"): health \(rule["health"] ?? "?") \(rule["lastError"] ?? "")")
        }
        #expect(ruleFailures.isEmpty, "\(ruleFailures.joined(separator: "\n"))")

        // The three alerts fire in Prometheus and arrive in Alertmanager.
        var firing: Set<String> = [], arrived: Set<String> = []
        do {
            firing = try Harness.eventually("the three alerts firing in Prometheus", seconds: 75) { () -> Set<String>? in
                let names = Set(try prometheus.alerts().compactMap { alert -> String? in
                    alert["state"] as? String == "firing" ? (alert["labels"] as? [String: String])?["alertname"] : nil
                })
                return names.isSuperset(of: Self.requiredAlerts) ? names : nil
            }
            arrived = try Harness.eventually("the three alerts in Alertmanager", seconds: 30) { () -> Set<String>? in
                let names = try alertmanager.activeAlertNames()
                return names.isSuperset(of: Self.requiredAlerts) ? names : nil
            }
        } catch {
            let seen = (try? prometheus.alerts())?.map { "\(($0["labels"] as? [String: String])?["alertname"] ?? "?"):\($0["state"] ?? "?")" } ?? []
            Issue.record("\(error); Prometheus has \(seen.sorted()); local agent stderr tail: \(local.child.stderr.suffix(1500))")
        }
        #expect(firing.isSuperset(of: Self.requiredAlerts))
        #expect(arrived.isSuperset(of: Self.requiredAlerts))

        // Annotation queries parse; once the rollback happened, the decision annotations have data.
        for (query, expr) in annotations {
            let answer = try prometheus.query(expr)
            #expect(answer.status == "success", "\(query) → \(expr): \(answer.error ?? answer.status)")
            annotationQueries += 1
            if !answer.result.isEmpty { annotationsWithData += 1 }
            if query.expr.contains("vigil_rollout_decisions_total") {
                let decisions = Set(answer.result.compactMap { ($0["metric"] as? [String: String])?["decision"] })
                #expect(decisions.contains("rollback"), "the decision annotations show \(decisions.sorted()), no rollback: \(expr)")
            }
        }

        let panels = dashboards.reduce(0) { $0 + $1.panels.filter { $0["type"] as? String != "row" }.count }
        print("""
        OperationsLiveTests: \(dashboards.count) dashboards, \(panels) panels; \(panelTargets) panel targets returned data \
        (\(finitePanels) with a finite value), \(variableQueries) variable queries resolved, \(annotationQueries) annotation \
        queries parsed (\(annotationsWithData) with data); \(rules.count) rule expressions parsed \
        (\(rules.filter { $0.kind == "alert" }.count) alerts, \(rules.filter { $0.kind == "record" }.count) records) from \
        \(ruleFiles.map(\.lastPathComponent).joined(separator: ", ")); firing in Prometheus: \(firing.sorted().joined(separator: ", ")); \
        in Alertmanager: \(arrived.sorted().joined(separator: ", ")); \(Int(Date().timeIntervalSince(started))) s
        """)
    }

    /// Request logs over HTTP and appended to a tailed file (two services, some 5xx and slow, an e-mail to redact, a bad line), predictions of a
    /// champion and a challenger that fails 30% of its requests against 1%, labels that start right and then
    /// turn wrong (decay, detector signals), an age feature far from the profile (drift), a few predictions left
    /// without a label, an unknown model; and logs for the shipping agent, one of which Elasticsearch rejects.
    static func driveWorkload(local: AgentProcess, shipping: AgentProcess, appLog: URL, rounds: Int) throws {
        let tail = try FileHandle(forWritingTo: appLog)
        defer { try? tail.close() }
        let countries = ["DE", "ES", "FR"], devices = ["mobile", "tablet", "desktop, windows"]
        let routes = [("inference", "/v1/predict", "POST"), ("inference", "/v1/explain", "GET"), ("search", "/q", "GET")]
        for round in 0..<rounds {
            var logs = ""
            for i in 0..<60 {
                let (service, route, method) = routes[i % routes.count]
                let status = i % 15 == 0 ? 503 : (i % 11 == 0 ? 404 : 200)
                let latency = i % 10 == 0 ? 400 + i : 5 + (i * 7) % 90
                logs += #"{"type":"log","message":"served","service":"\#(service)","route":"\#(route)","method":"\#(method)","status":\#(status),"latency_ms":\#(latency),"user":"u\#(i)@example.com"}"# + "\n"
            }
            logs += "{not json\n"
            try tail.seekToEnd()
            try tail.write(contentsOf: Data(logs.utf8))
            #expect(try Harness.http("POST", local.baseURL + "/v1/logs", body: Data(logs.utf8)).status == 202)

            var shipped = logs
            for i in 0..<6 { shipped += #"{"type":"log","message":"served","service":"api","route":"/r\#(i)","method":"GET","status":200,"latency_ms":3}"# + "\n" }
            if round % 3 == 0 { shipped += #"{"message":"poison pill","service":"api"}"# + "\n" }
            #expect(try Harness.http("POST", shipping.baseURL + "/v1/logs", body: Data(shipped.utf8)).status == 202)

            var predictions = "", labels = ""
            for i in 0..<400 {
                let n = round * 400 + i
                let challenger = i % 20 == 0
                // Per variant: the challenger's j-th request fails 3 in 10, the champion's 1 in 100 (a champion that
                // never fails gives the sequential test no variance to conclude with).
                let failed = challenger ? (round * 20 + i / 20) % 10 < 3 : n % 100 == 7
                let score = Double(n % 10) / 10 + 0.05
                let predicted = score >= 0.5 ? "1" : "0"
                let age = round >= 2 ? 150 + n % 40 : 25 + n % 40
                predictions += #"{"type":"prediction","model":"credit","variant":"\#(challenger ? "v1" : "v0")","request_id":"r\#(n)","prediction":"\#(predicted)","score":\#(score),"latency_ms":\#(30 + n % 20),"status":"\#(failed ? "error" : "ok")","features":{"age":\#(age),"income":\#(20_000 + (n * 37) % 40_000),"tenure_months":\#(n % 60),"country":"\#(countries[n % 3])","device":"\#(devices[n % 3])"},"segment":{"gender":"\#(n % 2 == 0 ? "f" : "m")"}}"# + "\n"
                // Right for the first three rounds; then wrong (all of "m", most of "f"): decay and detector signals.
                guard i % 10 != 9 else { continue } // left pending
                let wrong = round >= 3 && (n % 2 == 1 || n % 5 != 0)
                let label = wrong ? (predicted == "1" ? "0" : "1") : predicted
                labels += #"{"type":"label","model":"credit","request_id":"r\#(n)","label":"\#(label)"}"# + "\n"
            }
            predictions += #"{"type":"prediction","model":"nobody","request_id":"x\#(round)","prediction":"1"}"# + "\n"
            labels += #"{"type":"label","model":"credit","request_id":"r\#(round * 400)","label":"1"}"# + "\n" // duplicate
            labels += #"{"type":"label","model":"credit","request_id":"missing-\#(round)","label":"1"}"# + "\n" // unmatched
            #expect(try Harness.http("POST", local.baseURL + "/v1/predictions", body: Data(predictions.utf8)).status == 202)
            #expect(try Harness.http("POST", local.baseURL + "/v1/labels", body: Data(labels.utf8)).status == 202)
            Thread.sleep(forTimeInterval: 1)
        }
    }
}

extension PrometheusServer.QueryResult {
    /// The first sample's value of an instant query.
    static func value(_ result: PrometheusServer.QueryResult) -> Double? {
        guard let sample = result.result.first, let value = sample["value"] as? [Any], value.count == 2,
              let text = value[1] as? String else { return nil }
        return Double(text)
    }
}
