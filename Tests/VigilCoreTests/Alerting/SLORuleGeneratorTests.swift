import Foundation
import Testing
@testable import VigilCore

struct SLORuleGeneratorTests {
    static let availability = ServiceLevelObjective(name: "api-availability", service: "api", kind: .availability, objectivePercent: 99.9)
    static let latency = ServiceLevelObjective(name: "api-latency", service: "api", kind: .latency, objectivePercent: 99,
                                               latencyThresholdSeconds: 0.25)

    @Test(arguments: [
        // window (days), factors of the four tiers: the SRE workbook's 14.4 / 6 / 3 / 1 for 30 days
        (30.0, [14.4, 6, 3, 1]),
        (28.0, [13.44, 5.6, 2.8, 0.933333]),
        (7.0, [3.36, 1.4, 0.7, 0.233333]),
    ])
    func burnRateFactorsScaleWithTheWindow(days: Double, expected: [Double]) {
        #expect(SLORuleGenerator.tiers.map { $0.factor(windowSeconds: days * 86_400) } == expected)
    }

    @Test func tiersFollowTheWorkbook() {
        #expect(SLORuleGenerator.tiers.map { "\($0.severity) \($0.longWindow)/\($0.shortWindow)" }
                    == ["critical 1h/5m", "critical 6h/30m", "warning 1d/2h", "warning 3d/6h"])
        #expect(SLORuleGenerator.windows == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"])
    }

    @Test(arguments: [
        (99.9, 0.999, 0.001), (99.0, 0.99, 0.01), (99.95, 0.9995, 0.0005), (95.0, 0.95, 0.05), (99.999, 0.99999, 0.00001),
    ])
    func objectiveAndBudgetRatios(percent: Double, objective: Double, budget: Double) {
        let slo = ServiceLevelObjective(name: "s", service: "x", kind: .availability, objectivePercent: percent)
        #expect(slo.objectiveRatio == objective)
        #expect(slo.errorBudgetRatio == budget)
    }

    @Test func availabilityCountsFiveHundreds() {
        #expect(SLORuleGenerator.errorRatioExpression(Self.availability, window: "5m") == """
            (
              sum(rate(http_server_request_duration_seconds_count{service="api",http_response_status_code=~"5.."}[5m]))
              or vector(0)
            )
            /
            sum(rate(http_server_request_duration_seconds_count{service="api"}[5m]))
            """)
    }

    @Test(arguments: [(0.25, "0.25"), (1.0, "1.0"), (2.5, "2.5"), (0.005, "0.005"), (10.0, "10.0")])
    func latencyCountsRequestsAboveTheBucketAsExposed(seconds: Double, le: String) {
        var slo = Self.latency
        slo.latencyThresholdSeconds = seconds
        // `le` is written as the agent exposes it (and as Prometheus 3 normalises it): 1 → "1.0".
        #expect(SLORuleGenerator.errorRatioExpression(slo, window: "1h") == """
            1 - (
              sum(rate(http_server_request_duration_seconds_bucket{service="api",le="\(le)"}[1h]))
              /
              sum(rate(http_server_request_duration_seconds_count{service="api"}[1h]))
            )
            """)
    }

    @Test func rendersEveryRecordingRuleAndBothSeverities() {
        let text = SLORuleGenerator.render([Self.availability, Self.latency], header: "# test")
        #expect(text.hasPrefix("# test\ngroups:\n  - name: \"vigil-slo-api-availability\"\n"))
        for window in SLORuleGenerator.windows {
            #expect(text.components(separatedBy: "- record: vigil_slo:error_ratio:rate\(window)\n").count == 3, "\(window)")
        }
        #expect(text.components(separatedBy: "- record: vigil_slo:objective:ratio\n").count == 3)
        #expect(text.contains("expr: vector(0.999)") && text.contains("expr: vector(0.99)"))
        #expect(text.components(separatedBy: "- alert: VigilSLOErrorBudgetBurn\n").count == 3)
        #expect(text.components(separatedBy: "- alert: VigilSLOLatencyBudgetBurn\n").count == 3)
        #expect(text.contains("          slo: \"api-latency\"\n          slo_type: \"latency\"\n          service: \"api\"\n"))
        let page = [
            "        expr: |",
            "          (",
            "            vigil_slo:error_ratio:rate1h{slo=\"api-availability\"} > (14.4 * 0.001)",
            "          and",
            "            vigil_slo:error_ratio:rate5m{slo=\"api-availability\"} > (14.4 * 0.001)",
            "          )",
            "          or",
            "          (",
            "            vigil_slo:error_ratio:rate6h{slo=\"api-availability\"} > (6 * 0.001)",
            "          and",
            "            vigil_slo:error_ratio:rate30m{slo=\"api-availability\"} > (6 * 0.001)",
            "          )",
            "        labels:",
            "          severity: critical",
        ].joined(separator: "\n")
        #expect(text.contains(page))
        #expect(text.contains("vigil_slo:error_ratio:rate3d{slo=\"api-latency\"} > (1 * 0.01)"))
        #expect(text.contains("runbook_url: \"https://github.com/vigil/vigil/blob/main/docs/runbooks/slo-latency-budget-burn.md\""))
        #expect(text.contains("Requests slower than 250ms are {{ $value | humanizePercentage }}"))
        #expect(text.contains("the objective 99.9% over 30d allows 0.1%. Burn rate at least 14.4× over 1h and 5m, or 6× over 6h and 30m."))
    }

    @Test func isDeterministic() {
        let a = SLORuleGenerator.render([Self.latency, Self.availability], header: "# h", runbookBaseURL: "https://runbooks.example/vigil")
        let b = SLORuleGenerator.render([Self.latency, Self.availability], header: "# h", runbookBaseURL: "https://runbooks.example/vigil")
        #expect(a == b)
        #expect(a.contains("\"https://runbooks.example/vigil/slo-error-budget-burn.md\""))
        #expect(a.range(of: "api-latency")!.lowerBound < a.range(of: "api-availability")!.lowerBound)
    }

    @Test func quotesServiceNamesForPromQLAndYAML() {
        let slo = ServiceLevelObjective(name: "odd", service: "a\"b\\c", kind: .availability, objectivePercent: 99.5)
        let text = SLORuleGenerator.render([slo], header: "")
        #expect(text.contains(#"{service="a\"b\\c",http_response_status_code=~"5.."}"#))
        #expect(text.contains(#"service: "a\"b\\c""#))
    }

    @Test func noObjectivesGiveAnEmptyRuleFile() {
        #expect(SLORuleGenerator.render([], header: "# none") == "# none\ngroups: []\n")
    }

    @Test func anotherWindowChangesTheFactorsAndTheText() {
        var slo = Self.availability
        slo.windowSeconds = 28 * 86_400
        let text = SLORuleGenerator.render([slo], header: "")
        #expect(text.contains("> (13.44 * 0.001)") && text.contains("> (0.933333 * 0.001)"))
        #expect(text.contains("the objective 99.9% over 28d"))
    }
}
