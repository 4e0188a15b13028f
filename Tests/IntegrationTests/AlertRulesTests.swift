import Foundation
import Testing
import Yams
@testable import VigilRuntime

/// The Prometheus rules and the Alertmanager configuration in `alerts/`, checked with Debian's promtool and amtool
/// (the `prometheus` and `prometheus-alertmanager` packages that `make test` installs; a missing tool fails).
@Suite struct AlertRulesTests {
    static let promtool = "/usr/bin/promtool"
    static let amtool = "/usr/bin/amtool"
    static let alerts = Harness.packageRoot.appendingPathComponent("alerts")
    static let runbookBase = "https://github.com/vigil/vigil/blob/main/docs/runbooks"

    /// The alert names other parts of the project (dashboards, Kubernetes rules, the demo) rely on.
    static let contract = [
        "VigilAgentDown", "VigilIngestRejectionsRising", "VigilSpoolFilling", "VigilSpoolOldestEventTooOld",
        "VigilDeadLettersIncreasing", "VigilElasticsearchFailing", "VigilLocalStoreLagging", "VigilDriftDetected",
        "VigilAccuracyDecay", "VigilEstimatedQualityLow", "VigilFairnessDisparity", "VigilRolloutRolledBack",
        "VigilRolloutSampleRatioMismatch", "VigilSLOErrorBudgetBurn", "VigilSLOLatencyBudgetBurn",
    ]

    struct Rule {
        var file: String
        var alert: String?
        var record: String?
        var expr: String
        var forDuration: String?
        var labels: [String: String]
        var annotations: [String: String]
    }

    static func files(_ folder: URL, suffix: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(suffix) }.sorted { $0.path < $1.path }
    }

    static func ruleFiles() throws -> [URL] { try files(alerts, suffix: ".rules.yml") }
    static func testFiles() throws -> [URL] { try files(alerts.appendingPathComponent("tests"), suffix: ".test.yml") }

    static func rules() throws -> [Rule] {
        var out: [Rule] = []
        for url in try ruleFiles() {
            let doc = try #require(try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any])
            for group in try #require(doc["groups"] as? [[String: Any]]) {
                for rule in try #require(group["rules"] as? [[String: Any]]) {
                    out.append(Rule(file: url.lastPathComponent, alert: rule["alert"] as? String, record: rule["record"] as? String,
                                    expr: "\(rule["expr"] ?? "")", forDuration: rule["for"] as? String,
                                    labels: (rule["labels"] as? [String: Any])?.mapValues { "\($0)" } ?? [:],
                                    annotations: (rule["annotations"] as? [String: Any])?.mapValues { "\($0)" } ?? [:]))
                }
            }
        }
        return out
    }

    /// Runs a tool with stdout and stderr in one pipe (promtool reports failures on stderr, and a full pipe must not block it).
    static func tool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = Harness.packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: promtool

    @Test func promtoolChecksEveryRuleFile() throws {
        let files = try Self.ruleFiles().map(\.path)
        #expect(files.map { URL(fileURLWithPath: $0).lastPathComponent }
                    == ["vigil-agent.rules.yml", "vigil-models.rules.yml", "vigil-rollouts.rules.yml", "vigil-slo.rules.yml"])
        let result = try Self.tool(Self.promtool, ["check", "rules"] + files)
        #expect(result.status == 0, "promtool check rules said: \(result.output)")
        #expect(result.output.components(separatedBy: "SUCCESS").count - 1 == files.count, "\(result.output)")
    }

    @Test func promtoolRejectsABrokenRule() throws {
        // Guards the check above against a promtool that accepts anything.
        let dir = try Harness.tempDirectory("vigil-rules")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("broken.rules.yml")
        try "groups: [{ name: g, rules: [{ alert: A, expr: 'rate(x[5m] > ' }] }]\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.tool(Self.promtool, ["check", "rules", file.path]).status != 0)
    }

    @Test func promtoolUnitTestsPass() throws {
        let files = try Self.testFiles().map(\.path)
        #expect(files.count == 4)
        let result = try Self.tool(Self.promtool, ["test", "rules"] + files)
        #expect(result.status == 0, "promtool test rules said: \(result.output)")
    }

    @Test func aWrongExpectationFailsPromtool() throws {
        // The unit tests can fail: the same drift case expecting no alert must fail.
        let dir = try Harness.tempDirectory("vigil-rules")
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = dir.appendingPathComponent("wrong.test.yml")
        try """
            rule_files: [\(Self.alerts.appendingPathComponent("vigil-models.rules.yml").path)]
            evaluation_interval: 1s
            tests:
              - interval: 1s
                input_series:
                  - { series: 'vigil_drift_detected{model="m",feature="f",method="psi"}', values: '1x60' }
                alert_rule_test:
                  - { eval_time: 40s, alertname: VigilDriftDetected, exp_alerts: [] }
            """.write(to: test, atomically: true, encoding: .utf8)
        let result = try Self.tool(Self.promtool, ["test", "rules", test.path])
        #expect(result.status != 0 && result.output.contains("VigilDriftDetected"), "\(result.output)")
    }

    /// Every alert has a unit-test case where it fires and one where it stays quiet, in the test files.
    @Test func everyAlertFiresAndStaysQuietInSomeTest() throws {
        var fires: [String: Int] = [:], quiet: [String: Int] = [:]
        var testedFiles = Set<String>()
        for url in try Self.testFiles() {
            let doc = try #require(try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any])
            for file in doc["rule_files"] as? [String] ?? [] { testedFiles.insert(URL(fileURLWithPath: file).lastPathComponent) }
            for test in doc["tests"] as? [[String: Any]] ?? [] {
                for c in test["alert_rule_test"] as? [[String: Any]] ?? [] {
                    guard let name = c["alertname"] as? String else { continue }
                    let expected = c["exp_alerts"] as? [Any] ?? []
                    if expected.isEmpty { quiet[name, default: 0] += 1 } else { fires[name, default: 0] += 1 }
                }
            }
        }
        let names = Set(try Self.rules().compactMap(\.alert))
        #expect(testedFiles == Set(try Self.ruleFiles().map(\.lastPathComponent)))
        for name in names.sorted() {
            #expect(fires[name, default: 0] > 0, "\(name) has no test case where it fires")
            #expect(quiet[name, default: 0] > 0, "\(name) has no test case where it stays quiet")
        }
        #expect(Set(fires.keys).subtracting(names).isEmpty, "tests name alerts that no rule defines: \(Set(fires.keys).subtracting(names))")
    }

    // MARK: contract: names, labels, annotations, runbooks

    @Test func theContractedAlertsExistWithSeverityAnnotationsAndRunbooks() throws {
        let rules = try Self.rules()
        let alerts = rules.filter { $0.alert != nil }
        for name in Self.contract {
            #expect(alerts.contains { $0.alert == name }, "missing alert \(name)")
        }
        for rule in alerts {
            let name = rule.alert!
            #expect(name.hasPrefix("Vigil"))
            #expect(["critical", "warning"].contains(rule.labels["severity"] ?? ""), "\(name): severity \(rule.labels["severity"] ?? "none")")
            for key in ["summary", "description", "runbook_url"] {
                #expect(!(rule.annotations[key] ?? "").isEmpty, "\(name) has no \(key)")
            }
            #expect((rule.annotations["description"] ?? "").contains("{{"), "\(name): the description shows no templated value")
            let runbook = Self.runbookName(name)
            #expect(rule.annotations["runbook_url"] == "\(Self.runbookBase)/\(runbook).md", "\(name): \(rule.annotations["runbook_url"] ?? "")")
            let path = Harness.packageRoot.appendingPathComponent("docs/runbooks/\(runbook).md")
            let text = (try? String(contentsOf: path, encoding: .utf8)) ?? ""
            #expect(text.hasPrefix("# \(name)\n"), "docs/runbooks/\(runbook).md is missing or not titled \(name)")
            for section in ["**What it means.**", "**How to check.**", "**What to do.**", "**How to roll back"] {
                #expect(text.contains(section), "docs/runbooks/\(runbook).md lacks \(section)")
            }
        }
    }

    @Test(arguments: [("VigilAgentDown", "agent-down"), ("VigilSLOErrorBudgetBurn", "slo-error-budget-burn"),
                      ("VigilRolloutRolledBack", "rollout-rolled-back"), ("VigilSpoolOldestEventTooOld", "spool-oldest-event-too-old")])
    func runbookNamesAreTheKebabCaseOfTheAlert(alert: String, runbook: String) {
        #expect(Self.runbookName(alert) == runbook)
    }

    /// `VigilSLOErrorBudgetBurn` → `slo-error-budget-burn`: the name without `Vigil`, words split at capitals
    /// (a run of capitals is one word).
    static func runbookName(_ alert: String) -> String {
        let chars = Array(alert.dropFirst("Vigil".count))
        var out = ""
        for (i, c) in chars.enumerated() {
            let startsWord = c.isUppercase && i > 0
                && (chars[i - 1].isLowercase || (i + 1 < chars.count && chars[i + 1].isLowercase))
            if startsWord { out += "-" }
            out += c.lowercased()
        }
        return out
    }

    @Test func drifDecayAndRollbackFireWithinAMinute() throws {
        // Evaluated every second by the live test: `for` must stay at or below 30 s on these three.
        let rules = try Self.rules()
        for name in ["VigilDriftDetected", "VigilAccuracyDecay", "VigilRolloutRolledBack"] {
            let rule = try #require(rules.first { $0.alert == name })
            let seconds = rule.forDuration.flatMap(DurationText.parse) ?? 0
            #expect(seconds <= 30, "\(name) waits \(seconds) s")
        }
        let rollback = try #require(rules.first { $0.alert == "VigilRolloutRolledBack" })
        #expect(rollback.expr.contains("vigil_rollout_state{state=\"rolled_back\"}"))
    }

    // MARK: metric names

    /// The metric names an expression selects: identifiers that are not PromQL functions, keywords, label names in
    /// matchers or grouping clauses, durations or numbers.
    static func metricNames(in expr: String) -> Set<String> {
        var text = expr
        // Strings, label matchers, range and offset durations, grouping clauses.
        for pattern in [#""(\\.|[^"\\])*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#, #"offset\s+\w+"#,
                        #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                                     "group_left", "group_right", "inf", "nan"]
        var names = Set<String>()
        let regex = try! NSRegularExpression(pattern: #"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?"#)
        let ns = text as NSString
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let token = ns.substring(with: match.range)
            if token.hasSuffix("(") { continue }                          // a function call
            let start = match.range.location
            if start > 0, let prev = Unicode.Scalar(ns.character(at: start - 1)), CharacterSet.decimalDigits.contains(prev) || prev == "." { continue } // 1e3, 4h
            if keywords.contains(token.lowercased()) { continue }
            names.insert(token)
        }
        return names
    }

    @Test func theExtractorFindsMetricNames() {
        #expect(Self.metricNames(in: #"sum by (job, instance) (rate(vigil_a_total{status!~"2.."}[5m])) / on (job) b offset 5m > 4 * 3600 and c"#)
                    == ["vigil_a_total", "b", "c"])
        #expect(Self.metricNames(in: #"up{job="vigil"} == 0 or absent(nothing_here{x="y"})"#) == ["up", "nothing_here"])
    }

    @Test func everyMetricIsCataloguedRecordedOrDerivedFromLogs() throws {
        let catalogue = try String(contentsOf: Harness.packageRoot.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        var known = Set<String>()
        var histograms = Set<String>()
        for line in catalogue.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 2 else { continue }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            known.insert(name)
            if cells[1] == "histogram" { histograms.insert(name) }
        }
        #expect(known.contains("vigil_spool_bytes") && histograms.contains("vigil_elasticsearch_request_duration_seconds"))
        let rules = try Self.rules()
        let recorded = Set(rules.compactMap(\.record))
        // The SLIs come from the metrics_from_logs families of the configuration the SLO rules are generated from.
        let config = try ConfigurationLoader.load(path: Harness.packageRoot.appendingPathComponent("examples/inference-service.yaml").path)
        for mapping in config.pipeline.metricsFromLogs {
            known.insert(mapping.name)
            if mapping.kind == .histogram { histograms.insert(mapping.name) }
        }
        known.insert("up")  // Prometheus' own, per scrape target
        for h in histograms { for suffix in ["_bucket", "_count", "_sum"] { known.insert(h + suffix) } }
        for rule in rules {
            for name in Self.metricNames(in: rule.expr) {
                #expect(known.contains(name) || recorded.contains(name),
                        "\(rule.file) \(rule.alert ?? rule.record ?? ""): \(name) is not in docs/metrics.md, not a recording rule and not from metrics_from_logs")
            }
        }
        #expect(recorded == Set(["vigil_slo:objective:ratio"] + ["5m", "30m", "1h", "2h", "6h", "1d", "3d"].map { "vigil_slo:error_ratio:rate\($0)" }))
    }

    // MARK: the generated SLO rules

    @Test func theCommittedSLORulesAreTheGeneratorsOutput() throws {
        let vigil = try Harness.binary("vigil")
        let config = Harness.packageRoot.appendingPathComponent("examples/inference-service.yaml").path
        let committed = try String(contentsOf: Self.alerts.appendingPathComponent("vigil-slo.rules.yml"), encoding: .utf8)
        let generated = try Harness.run(vigil, ["rules", "generate", "--config", config])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout == committed,
                "alerts/vigil-slo.rules.yml is stale: run `vigil rules generate --config examples/inference-service.yaml --output alerts/vigil-slo.rules.yml`")
        let dir = try Harness.tempDirectory("vigil-rules")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("slo.rules.yml")
        let written = try Harness.run(vigil, ["rules", "generate", "--config", config, "--output", output.path])
        #expect(written.status == 0 && (try? String(contentsOf: output, encoding: .utf8)) == committed, "\(written.stderr)")
    }

    @Test func generateReportsConfigurationErrorsWithTheirPosition() throws {
        let vigil = try Harness.binary("vigil")
        let dir = try Harness.tempDirectory("vigil-rules")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("bad.yaml")
        try """
            metrics_from_logs:
              - { name: http_server_request_duration_seconds, histogram_of: latency_ms, scale: 0.001, labels: [service, "http_response_status_code=status"] }
            slos:
              - { name: slow, service: api, type: latency, objective: 99, threshold: 300ms }
            """.write(to: config, atomically: true, encoding: .utf8)
        let result = try Harness.run(vigil, ["rules", "generate", "--config", config.path])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr.contains("\(config.path):4:74: slos[0].threshold: 300ms is not a bucket bound of http_server_request_duration_seconds"),
                "\(result.stderr)")
        try "log: { level: info }\n".write(to: config, atomically: true, encoding: .utf8)
        let empty = try Harness.run(vigil, ["rules", "generate", "--config", config.path])
        #expect(empty.status == 1 && empty.stderr.contains("slos: no service-level objectives configured"), "\(empty.stderr)")
    }

    // MARK: Alertmanager

    @Test func amtoolAcceptsTheConfiguration() throws {
        let result = try Self.tool(Self.amtool, ["check-config", Self.alerts.appendingPathComponent("alertmanager.yml").path])
        #expect(result.status == 0 && result.output.contains("SUCCESS"), "amtool said: \(result.output)")
        #expect(result.output.contains("3 inhibit rules") && result.output.contains("2 receivers"), "\(result.output)")
    }

    @Test func amtoolRejectsABrokenConfiguration() throws {
        let dir = try Harness.tempDirectory("vigil-am")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("am.yml")
        try "route: { receiver: nobody }\nreceivers: [{ name: pager }]\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.tool(Self.amtool, ["check-config", file.path]).status != 0)
    }

    @Test(arguments: [
        (["severity=critical", "alertname=VigilAgentDown"], "pager"),
        (["severity=critical", "alertname=VigilSLOErrorBudgetBurn", "service=inference"], "pager"),
        (["severity=warning", "alertname=VigilDriftDetected", "model=fraud"], "tickets"),
        (["severity=warning", "alertname=VigilSLOErrorBudgetBurn", "service=inference"], "tickets"),
        (["alertname=Unlabelled"], "tickets"),
    ])
    func criticalsPageAndWarningsOpenTickets(labels: [String], receiver: String) throws {
        let config = Self.alerts.appendingPathComponent("alertmanager.yml").path
        let result = try Self.tool(Self.amtool, ["config", "routes", "test", "--config.file=\(config)",
                                                 "--verify.receivers=\(receiver)"] + labels)
        #expect(result.status == 0, "\(labels) went to: \(result.output)")
        #expect(result.output.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == receiver }, "\(result.output)")
    }

    @Test func theRoutingGroupsAndInhibitsAsDocumented() throws {
        let text = try String(contentsOf: Self.alerts.appendingPathComponent("alertmanager.yml"), encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        let route = try #require(doc["route"] as? [String: Any])
        #expect(route["group_by"] as? [String] == ["alertname", "model", "service"])
        let inhibit = try #require(doc["inhibit_rules"] as? [[String: Any]])
        let warningsByCriticals = inhibit.filter { ($0["target_matchers"] as? [String]) == ["severity=\"warning\""] }
        #expect(warningsByCriticals.count == 2)
        for rule in warningsByCriticals {
            #expect(rule["equal"] as? [String] == ["model", "service"])
            #expect((rule["source_matchers"] as? [String])?.contains("severity=\"critical\"") == true)
        }
    }
}
