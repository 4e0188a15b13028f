import FoundationEssentials
import Testing
@testable import VigilCore

@Suite struct RolloutQueriesTests {
    typealias F = RolloutFixtures
    typealias Field = RolloutQueries.Field

    // MARK: Query generation

    static let generationTable: [(guardrails: [RolloutGuardrail], primary: RolloutPrimary?, window: Int, expected: [String: String])] = [
        ([.init(metric: .errorRate)], nil, 300, [
            "requests": #"sum by (variant) (increase(vigil_rollout_requests_total{model="m",variant=~"v1|v2"}[300s]))"#,
            "errors": #"sum by (variant) (increase(vigil_rollout_request_errors_total{model="m",variant=~"v1|v2"}[300s]))"#,
        ]),
        ([.init(metric: .latency(quantile: 0.99))], nil, 61, [
            "requests": #"sum by (variant) (increase(vigil_rollout_requests_total{model="m",variant=~"v1|v2"}[61s]))"#,
            "latency": #"sum by (variant, le) (increase(vigil_rollout_request_duration_seconds_bucket{model="m",variant=~"v1|v2"}[61s]))"#,
        ]),
        ([], .init(metric: .quality(.accuracy)), 0, [
            "requests": #"sum by (variant) (increase(vigil_rollout_requests_total{model="m",variant=~"v1|v2"}[1s]))"#,
            "labels": #"sum by (variant) (increase(vigil_rollout_labels_total{model="m",variant=~"v1|v2"}[1s]))"#,
            "correct": #"sum by (variant) (increase(vigil_rollout_labels_correct_total{model="m",variant=~"v1|v2"}[1s]))"#,
        ]),
        ([.init(metric: .quality(.meanAbsoluteError)), .init(metric: .estimatedAccuracy)], nil, 10, [
            "requests": #"sum by (variant) (increase(vigil_rollout_requests_total{model="m",variant=~"v1|v2"}[10s]))"#,
            "absolute_error_count": #"sum by (variant) (increase(vigil_rollout_absolute_error_observations_total{model="m",variant=~"v1|v2"}[10s]))"#,
            "absolute_error_sum": #"sum by (variant) (increase(vigil_rollout_absolute_error_sum_total{model="m",variant=~"v1|v2"}[10s]))"#,
            "absolute_error_squares": #"sum by (variant) (increase(vigil_rollout_absolute_error_squares_total{model="m",variant=~"v1|v2"}[10s]))"#,
            "expected_correct_count": #"sum by (variant) (increase(vigil_rollout_expected_correct_observations_total{model="m",variant=~"v1|v2"}[10s]))"#,
            "expected_correct_sum": #"sum by (variant) (increase(vigil_rollout_expected_correct_sum_total{model="m",variant=~"v1|v2"}[10s]))"#,
            "expected_correct_squares": #"sum by (variant) (increase(vigil_rollout_expected_correct_squares_total{model="m",variant=~"v1|v2"}[10s]))"#,
        ]),
    ]

    @Test(arguments: generationTable.indices)
    func queriesFollowTheDefinition(_ i: Int) {
        let row = Self.generationTable[i]
        let d = F.definition(guardrails: row.guardrails, primary: row.primary)
        let queries = RolloutQueries.queries(for: d, windowSeconds: row.window)
        #expect(Dictionary(uniqueKeysWithValues: queries.map { ($0.field.rawValue, $0.promql) }) == row.expected)
        #expect(queries.first?.field == .requests)
        #expect(queries.first?.usedBy.first == "srm")
    }

    @Test func queriesNameTheMetricsThatUseThem() {
        let d = F.definition(guardrails: [.init(metric: .errorRate)], primary: .init(metric: .quality(.accuracy)))
        let byField = Dictionary(uniqueKeysWithValues: RolloutQueries.queries(for: d, windowSeconds: 5).map { ($0.field, $0.usedBy) })
        #expect(byField[.requests] == ["srm"])
        #expect(byField[.errors] == ["error_rate"])
        #expect(byField[.correct] == ["accuracy"])
    }

    static let escapingTable: [(model: String, champion: String, challenger: String, selector: String)] = [
        ("fraud", "v3", "v4", #"{model="fraud",variant=~"v3|v4"}"#),
        (#"a"b"#, "1.0", "2.0+x", #"{model="a\"b",variant=~"1\\.0|2\\.0\\+x"}"#),
        (#"back\slash"#, "(a)", "b|c", #"{model="back\\slash",variant=~"\\(a\\)|b\\|c"}"#),
    ]

    @Test(arguments: escapingTable)
    func labelValuesAreEscaped(model: String, champion: String, challenger: String, selector: String) throws {
        let d = try RolloutDefinition(model: model, champion: champion, challenger: challenger, guardrails: [])
        let q = RolloutQueries.queries(for: d, windowSeconds: 60)[0].promql
        #expect(q == "sum by (variant) (increase(vigil_rollout_requests_total\(selector)[60s]))")
    }

    @Test func targetHealthQuery() {
        let q = RolloutQueries.unhealthyTargets(for: F.definition(), stalenessSeconds: 15, lookbackSeconds: 300)
        #expect(q == #"count by (job, instance) (last_over_time(vigil_rollout_requests_total{model="m"}[300s])) unless on (job, instance) (up == 1 and time() - timestamp(up) <= 15)"#)
    }

    // MARK: Response parsing

    static let parseTable: [(status: Int, body: String, result: String)] = [
        (200, #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"variant":"v1"},"value":[1700000000.5,"12.5"]},{"metric":{"variant":"v2"},"value":[1700000000.5,"3"]}]}}"#,
         "v1=12.5@1700000000.5 v2=3.0@1700000000.5"),
        (200, #"{"status":"success","data":{"resultType":"vector","result":[]}}"#, ""),
        (200, #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]},{"metric":{"variant":"x"},"value":[1,"+Inf"]}]}}"#,
         "=nan@1.0 x=inf@1.0"),
        (200, #"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"4"]}}"#, "=4.0@1700000000.0"),
        (400, #"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \"}\""}"#,
         #"error query: HTTP 400: bad_data: 1:5: parse error: unexpected "}""#),
        (503, #"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
         "error query: HTTP 503: timeout: query timed out in expression evaluation"),
        (502, "<html>Bad Gateway</html>", "error http: HTTP 502: <html>Bad Gateway</html>"),
        (200, "not json", "error malformed: not a Prometheus query response (invalid JSON at the top level): not json"),
        (200, #"{"status":"success","data":{"resultType":"matrix","result":[]}}"#, "error malformed: resultType matrix (expected an instant vector)"),
        (200, #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#,
         #"error malformed: result[0].value: "abc" is not a number"#),
        (200, #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}"#,
         "error malformed: not a Prometheus query response (null at .data.result[0].value[1]): " + #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}"#),
        (200, #"{"status":"success"}"#, "error malformed: success without data"),
    ]

    @Test(arguments: parseTable)
    func parsesQueryResponses(status: Int, body: String, result: String) {
        switch PrometheusResponse.parse(status: status, body: Array(body.utf8)) {
        case .success(let samples):
            let text = samples.map { "\($0.labels["variant"] ?? "")=\($0.value.isNaN ? "nan" : $0.value == .infinity ? "inf" : String($0.value))@\($0.timestamp)" }
                .joined(separator: " ")
            #expect(text == result)
        case .failure(let e):
            #expect("error \(e)" == result)
        }
    }

    // MARK: Assembly and completeness

    static func vector(_ pairs: [(String, Double)]) -> Result<[PrometheusSample], PrometheusQueryError> {
        .success(pairs.map { PrometheusSample(labels: ["variant": $0.0], value: $0.1) })
    }

    static let healthy: Result<[PrometheusSample], PrometheusQueryError> = .success([])

    @Test func assemblesFleetSumsIntoEvidence() {
        let d = F.definition(guardrails: [.init(metric: .errorRate), .init(metric: .latency(quantile: 0.99))],
                             primary: .init(metric: .quality(.accuracy)))
        let bounds = [0.1, 1.0]
        let latency: Result<[PrometheusSample], PrometheusQueryError> = .success([
            PrometheusSample(labels: ["variant": "v1", "le": "0.1"], value: 90), PrometheusSample(labels: ["variant": "v1", "le": "1"], value: 99.6),
            PrometheusSample(labels: ["variant": "v1", "le": "+Inf"], value: 100),
            PrometheusSample(labels: ["variant": "v2", "le": "0.1"], value: 8), PrometheusSample(labels: ["variant": "v2", "le": "1"], value: 9),
            PrometheusSample(labels: ["variant": "v2", "le": "+Inf"], value: 10.4),
        ])
        let e = RolloutQueries.evidence(for: d, answers: [
            .requests: Self.vector([("v1", 100.2), ("v2", 10.4)]), .errors: Self.vector([("v1", 1), ("v2", 0.49)]),
            .latency: latency, .labels: Self.vector([("v1", 50), ("v2", 5)]), .correct: Self.vector([("v1", 45), ("v2", 4)]),
        ], unhealthyTargets: Self.healthy, latencyBounds: bounds)
        #expect(e.problem == nil)
        #expect(e.champion.requests == 100 && e.challenger.requests == 10)
        #expect(e.champion.errors == 1 && e.challenger.errors == 0)
        #expect(e.champion.latency == LatencyHistogram(upperBounds: bounds, counts: [90, 100], total: 100))
        #expect(e.challenger.latency == LatencyHistogram(upperBounds: bounds, counts: [8, 9], total: 10))
        #expect(e.champion.correct == Moments(count: 50, sum: 45, sumOfSquares: 45))
        #expect(e.challenger.correct == Moments(count: 5, sum: 4, sumOfSquares: 4))
    }

    /// Every way the fleet's evidence can be incomplete, and the problem it is reported as.
    static let incompleteTable: [(name: String, requests: Result<[PrometheusSample], PrometheusQueryError>?,
                                  errors: Result<[PrometheusSample], PrometheusQueryError>?,
                                  health: Result<[PrometheusSample], PrometheusQueryError>?, problem: String?)] = [
        ("complete", vector([("v1", 10), ("v2", 10)]), vector([("v1", 0), ("v2", 0)]), healthy, nil),
        ("challenger series missing", vector([("v1", 10)]), vector([("v1", 0), ("v2", 0)]), healthy,
         "no vigil_rollout_requests_total series for model m, variant v2"),
        ("no series at all", vector([]), vector([]), healthy,
         "no vigil_rollout_requests_total series for model m, variant v1; no vigil_rollout_requests_total series for model m, variant v2; "
            + "no vigil_rollout_request_errors_total series for model m, variant v1; no vigil_rollout_request_errors_total series for model m, variant v2"),
        ("query error", .failure(PrometheusQueryError(.query, "HTTP 422: execution: too many samples")), vector([("v1", 0), ("v2", 0)]), healthy,
         "vigil_rollout_requests_total: query: HTTP 422: execution: too many samples"),
        ("prometheus unreachable", vector([("v1", 10), ("v2", 10)]), .failure(PrometheusQueryError(.unreachable, "http://p:9090: connection refused")),
         healthy, "vigil_rollout_request_errors_total: unreachable: http://p:9090: connection refused"),
        ("query not run", nil, vector([("v1", 0), ("v2", 0)]), healthy, "vigil_rollout_requests_total: not queried"),
        ("a target down or stale", vector([("v1", 10), ("v2", 10)]), vector([("v1", 0), ("v2", 0)]),
         .success([PrometheusSample(labels: ["job": "vigil", "instance": "10.0.0.3:9750"], value: 1),
                   PrometheusSample(labels: ["job": "vigil", "instance": "10.0.0.1:9750"], value: 1)]),
         "targets down or not scraped recently: vigil/10.0.0.1:9750, vigil/10.0.0.3:9750"),
        ("health query failed", vector([("v1", 10), ("v2", 10)]), vector([("v1", 0), ("v2", 0)]),
         .failure(PrometheusQueryError(.http, "HTTP 500: boom")), "target health: http: HTTP 500: boom"),
    ]

    @Test(arguments: incompleteTable.indices)
    func incompleteEvidenceIsAProblem(_ i: Int) {
        let row = Self.incompleteTable[i]
        var answers: [Field: Result<[PrometheusSample], PrometheusQueryError>] = [:]
        answers[.requests] = row.requests
        answers[.errors] = row.errors
        let e = RolloutQueries.evidence(for: F.definition(), answers: answers, unhealthyTargets: row.health)
        #expect(e.problem == row.problem, "\(row.name)")
    }

    /// Evidence that on its numbers calls for a rollback is inconclusive, state unchanged, when it is incomplete.
    @Test(arguments: incompleteTable.indices.filter { incompleteTable[$0].problem != nil })
    func incompleteEvidenceNeverRollsBack(_ i: Int) {
        let row = Self.incompleteTable[i]
        var m = F.machine(in: .running, F.definition(minSamples: 100))
        _ = m.evaluate(F.zero, now: 1_000)
        // Numbers alone (traffic split as the 5 % step expects): the challenger fails 30 % against 0 % — a certain
        // rollback when complete.
        var bad = F.evidence(champion: (19_000, 0), challenger: (1_000, 300))
        bad.problem = RolloutQueries.evidence(for: F.definition(), answers: [.requests: row.requests ?? .success([]), .errors: row.errors ?? .success([])],
                                              unhealthyTargets: row.health).problem
        #expect(bad.problem != nil)
        let action = m.evaluate(bad, now: 60_000)
        #expect(action.kind == "observe", "\(row.name)")
        #expect(action.evaluation?.decision == .inconclusive)
        #expect(m.phase == .running)
        // The same numbers, complete: rolled back.
        bad.problem = nil
        #expect(m.evaluate(bad, now: 61_000).transition?.to == .rolledBack)
    }

    /// Evidence counted from another anchor (a controller that restarted without the stored anchor) is not
    /// subtracted from the old baseline: the comparison restarts, inconclusive, and nothing is rolled back.
    @Test func evidenceFromAnotherAnchorRestartsTheComparison() {
        var m = F.machine(in: .running, F.definition(minSamples: 100))
        var base = F.zero
        base.anchorMillis = 1_000
        _ = m.evaluate(base, now: 1_000)
        var bad = F.evidence(champion: (19_000, 0), challenger: (1_000, 300))
        bad.anchorMillis = 2_000
        let action = m.evaluate(bad, now: 60_000)
        #expect(action.evaluation?.decision == .inconclusive)
        #expect(action.evaluation?.reason.contains("evidence window moved") == true)
        #expect(m.phase == .running)
        #expect(m.snapshot.baseline?.anchorMillis == 2_000)
        // Clamping never mixes anchors either.
        var previous = F.evidence(champion: (50_000, 0), challenger: (50_000, 0))
        previous.anchorMillis = 1_000
        #expect(bad.atLeast(previous) == bad)
    }

    @Test func countersNeverGoBack() {
        let before = F.evidence(champion: (100, 2), challenger: (10, 1))
        let after = F.evidence(champion: (99, 3), challenger: (12, 0))
        let clamped = after.atLeast(before)
        #expect(clamped.champion.requests == 100 && clamped.champion.errors == 3)
        #expect(clamped.challenger.requests == 12 && clamped.challenger.errors == 1)
    }
}
