import Foundation
import Testing
import Yams

/// The Grafana dashboards of `dashboards/` without any server: each parses, selects its data source only
/// through `${datasource}`, gives every panel a unit, uses `$__rate_interval` in every rate and increase, and
/// names only metrics that docs/metrics.md lists (or documented metrics_from_logs names and the SLO recording
/// rules). OperationsLiveTests runs the same queries against a real Prometheus.
@Suite struct DashboardTests {
    static let expected = ["vigil-agent.json", "vigil-model-quality.json", "vigil-rollouts.json", "vigil-service-health.json"]

    @Test func everyDashboardPassesTheStaticChecks() throws {
        let dashboards = try DashboardQueries.loadDashboards()
        #expect(dashboards.map(\.file) == Self.expected)
        let known = try DashboardQueries.knownMetrics()
        let runbooks = DashboardQueries.runbookFiles()
        var problems: [String] = []
        var panels = 0, queries = 0
        for dashboard in dashboards {
            problems += DashboardQueries.problems(dashboard, knownMetrics: known, runbooks: runbooks)
            panels += dashboard.panels.filter { $0["type"] as? String != "row" }.count
            queries += DashboardQueries.queries(dashboard).count
        }
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.joined(separator: "\n"))")
        print("DashboardTests: \(dashboards.count) dashboards, \(panels) panels, \(queries) queries checked statically")
        #expect(panels >= 40)
    }

    /// The committed JSON is what `dashboards/generate.py` writes (nobody edited one without the other).
    @Test func committedJSONMatchesTheGenerator() throws {
        let dir = try Harness.tempDirectory("vigil-dashboards")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = DashboardQueries.dashboardsDirectory.appendingPathComponent("generate.py").path
        let result = try Harness.run("/usr/bin/python3", [script, "--out", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        for file in Self.expected {
            let generated = try Data(contentsOf: dir.appendingPathComponent(file))
            let committed = try Data(contentsOf: DashboardQueries.dashboardsDirectory.appendingPathComponent(file))
            #expect(generated == committed, "dashboards/\(file) differs from what generate.py writes: run python3 dashboards/generate.py")
        }
    }

    /// The provisioning files parse and point Grafana at a Prometheus and at the dashboards' folder; uids are unique.
    @Test func provisioningFilesAreValid() throws {
        let root = DashboardQueries.dashboardsDirectory.appendingPathComponent("provisioning")
        let datasources = try Yams.load(yaml: String(contentsOf: root.appendingPathComponent("datasources/prometheus.yml"), encoding: .utf8)) as? [String: Any]
        let sources = datasources?["datasources"] as? [[String: Any]] ?? []
        #expect(sources.count == 1 && sources.first?["type"] as? String == "prometheus")
        let providers = try Yams.load(yaml: String(contentsOf: root.appendingPathComponent("dashboards/vigil.yml"), encoding: .utf8)) as? [String: Any]
        let provider = (providers?["providers"] as? [[String: Any]])?.first
        #expect(provider?["type"] as? String == "file")
        #expect(((provider?["options"] as? [String: Any])?["path"] as? String)?.isEmpty == false)
        let uids = try DashboardQueries.loadDashboards().compactMap { $0.json["uid"] as? String }
        #expect(Set(uids).count == Self.expected.count)
    }

    /// The variables each dashboard filters by, and one row per concern.
    @Test func dashboardsHaveTheirVariablesAndRows() throws {
        let byFile = Dictionary(uniqueKeysWithValues: try DashboardQueries.loadDashboards().map { ($0.file, $0) })
        func names(_ file: String) -> Set<String> { Set(byFile[file]?.variables.compactMap { $0["name"] as? String } ?? []) }
        #expect(names("vigil-service-health.json").isSuperset(of: ["datasource", "service"]))
        #expect(names("vigil-model-quality.json").isSuperset(of: ["datasource", "model", "variant"]))
        #expect(names("vigil-rollouts.json").isSuperset(of: ["datasource", "model", "variant"]))
        #expect(names("vigil-agent.json").contains("datasource"))
        for (file, dashboard) in byFile {
            let rows = dashboard.panels.filter { $0["type"] as? String == "row" }.count
            #expect(rows >= 2, "\(file) has \(rows) rows")
            let types = Set(dashboard.panels.compactMap { $0["type"] as? String })
            #expect(types.isSubset(of: ["row", "timeseries", "stat", "heatmap", "table", "state-timeline"]), "\(file): \(types)")
        }
        // Rollout decisions are annotations.
        let annotations = byFile["vigil-rollouts.json"]?.annotations ?? []
        #expect(annotations.contains { ($0["expr"] as? String)?.contains("vigil_rollout_decisions_total") == true })
    }

    /// The checks themselves catch each kind of mistake.
    @Test func checksReportEveryKindOfMistake() throws {
        let bad: [String: Any] = [
            "uid": "bad", "title": "Bad", "schemaVersion": 30,
            "templating": ["list": [["name": "model", "type": "query", "datasource": ["type": "prometheus", "uid": "${datasource}"],
                                     "query": ["query": "vigil_model_predictions_total"]]]],
            "annotations": ["list": [["name": "a", "datasource": ["type": "prometheus", "uid": "${datasource}"],
                                      "expr": "increase(vigil_rollout_decisions_total[1m]) > 0"]]],
            "panels": [
                ["type": "timeseries", "title": "hard-coded", "datasource": ["type": "prometheus", "uid": "PBFA97CFB590B2093"],
                 "fieldConfig": ["defaults": ["unit": "short"]],
                 "targets": [["refId": "A", "expr": "rate(vigil_events_received_total[5m])"]]],
                ["type": "timeseries", "title": "no unit", "datasource": ["type": "prometheus", "uid": "${datasource}"],
                 "fieldConfig": ["defaults": [:]],
                 "targets": [["refId": "A", "expr": "sum(rate(vigil_invented_total{model=~\"$modle\"}[$__rate_interval]))"]],
                 "links": [["url": "https://example.invalid/docs/runbooks/no-such-runbook.md"]]],
            ],
        ]
        let problems = DashboardQueries.problems(.init(file: "bad.json", json: bad),
                                                 knownMetrics: try DashboardQueries.knownMetrics(),
                                                 runbooks: DashboardQueries.runbookFiles())
        func has(_ text: String) -> Bool { problems.contains { $0.contains(text) } }
        #expect(has("schemaVersion below 39"))
        #expect(has("no template variable datasource"))
        #expect(has("uses datasource uid PBFA97CFB590B2093"))
        #expect(has("panel \"no unit\" has no unit"))
        #expect(has("range [5m] is not $__rate_interval"))
        #expect(has("range [1m] is not $__rate_interval"))
        #expect(has("metric vigil_invented_total is not in docs/metrics.md"))
        #expect(has("unknown variable $modle"))
        #expect(has("variable model is not label_values"))
        #expect(has("no-such-runbook.md"))
        #expect(!has("metric vigil_events_received_total"))
    }

    @Test(arguments: [
        (#"sum by (source, reason) (rate(vigil_events_rejected_total{job="vigil",instance=~"$instance"}[$__rate_interval]))"#,
         ["vigil_events_rejected_total"]),
        (#"histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service=~"a|b"}[$__rate_interval])))"#,
         ["http_server_request_duration_seconds_bucket"]),
        (#"vigil_slo:error_ratio:rate5m{service=~"$service"} / on (slo, slo_type, service) group_left () (1 - vigil_slo:objective:ratio)"#,
         ["vigil_slo:error_ratio:rate5m", "vigil_slo:objective:ratio"]),
        (#"label_values(vigil_model_quality{job="vigil",model=~"$model"}, metric)"#, ["vigil_model_quality"]),
        (#"x - 1.96 * sqrt(y * (1 - y) / on (instance) group_left () sum by (instance) (z))"#, ["x", "y", "z"]),
    ])
    func metricNamesAreFound(expr: String, names: [String]) {
        #expect(DashboardQueries.metricNames(expr) == Set(names))
    }

    @Test func variablesAreSubstitutedAsGrafanaDoes() {
        let expr = #"rate(m{model=~"$model",variant=~"${variant}",i=~"$instance"}[$__rate_interval]) / increase(n[$__range])"#
        let out = DashboardQueries.substitute(expr, values: ["model": "credit", "variant": DashboardQueries.regexAlternation(["v0", "v1"]),
                                                             "instance": DashboardQueries.regexAlternation(["127.0.0.1:80"])])
        #expect(out == #"rate(m{model=~"credit",variant=~"(v0|v1)",i=~"127\\.0\\.0\\.1:80"}[2m]) / increase(n[10m])"#)
    }
}
