import FoundationEssentials

/// The PromQL that reads a rollout's evidence from a fleet's Prometheus, and the assembly of the answers into
/// ``RolloutEvidence``: pure functions, so the queries and their reading are tested by tables.
///
/// Every agent exposes its rollout evidence as cumulative families per model and variant (``Family``). The
/// controller sums them over the fleet with `sum by (variant) (increase(family{model=…,variant=~"champion|challenger"}[W]))`,
/// where the window `W` always starts at one fixed instant (the anchor: when the controller first read the
/// rollout, minus the lookback) and ends now. The answers are therefore cumulative since the anchor, as
/// ``RolloutEvidenceSource`` requires, and the state machine subtracts its own baselines from them. `increase()`
/// handles agent restarts (counter resets), and an agent that stopped keeps what it counted inside the window.
///
/// Incomplete evidence is never compared: a query error, a variant without a series, or an agent that carried the
/// rollout's series within the lookback but is now down or not scraped within the staleness bound sets
/// ``RolloutEvidence/problem``, which makes the evaluation `inconclusive`.
public enum RolloutQueries {
    /// The metric families agents expose (counted in `LocalRolloutEvidence`).
    public enum Family {
        public static let requests = "vigil_rollout_requests_total"
        public static let errors = "vigil_rollout_request_errors_total"
        public static let duration = "vigil_rollout_request_duration_seconds"
        public static let labels = "vigil_rollout_labels_total"
        public static let correct = "vigil_rollout_labels_correct_total"
        public static let absoluteErrorCount = "vigil_rollout_absolute_error_observations_total"
        public static let absoluteErrorSum = "vigil_rollout_absolute_error_sum_total"
        public static let absoluteErrorSquares = "vigil_rollout_absolute_error_squares_total"
        public static let expectedCount = "vigil_rollout_expected_correct_observations_total"
        public static let expectedSum = "vigil_rollout_expected_correct_sum_total"
        public static let expectedSquares = "vigil_rollout_expected_correct_squares_total"
    }

    /// One evidence field and the query that reads it.
    public enum Field: String, Sendable, Hashable, Codable, CaseIterable {
        case requests, errors, latency, labels, correct
        case absoluteErrorCount = "absolute_error_count", absoluteErrorSum = "absolute_error_sum"
        case absoluteErrorSquares = "absolute_error_squares"
        case expectedCount = "expected_correct_count", expectedSum = "expected_correct_sum"
        case expectedSquares = "expected_correct_squares"

        var family: String {
            switch self {
            case .requests: Family.requests
            case .errors: Family.errors
            case .latency: Family.duration + "_bucket"
            case .labels: Family.labels
            case .correct: Family.correct
            case .absoluteErrorCount: Family.absoluteErrorCount
            case .absoluteErrorSum: Family.absoluteErrorSum
            case .absoluteErrorSquares: Family.absoluteErrorSquares
            case .expectedCount: Family.expectedCount
            case .expectedSum: Family.expectedSum
            case .expectedSquares: Family.expectedSquares
            }
        }
    }

    /// A query with the rollout metrics that use its answer (`srm`, `error_rate`, `latency_p99`, …).
    public struct Query: Sendable, Hashable, Codable {
        public var field: Field
        public var promql: String
        public var usedBy: [String]
    }

    /// The fields a definition's guardrails and primary metric need; `requests` always (the sample-ratio test).
    public static func fields(for d: RolloutDefinition) -> [(Field, String)] {
        var out: [(Field, String)] = [(.requests, "srm")]
        let metrics = d.guardrails.map(\.metric) + (d.primary.map { [$0.metric] } ?? [])
        for m in metrics {
            switch m {
            case .errorRate: out.append((.errors, m.name))
            case .latency: out.append((.latency, m.name))
            case .quality(.accuracy): out += [(.labels, m.name), (.correct, m.name)]
            case .quality(.meanAbsoluteError):
                out += [(.absoluteErrorCount, m.name), (.absoluteErrorSum, m.name), (.absoluteErrorSquares, m.name)]
            case .estimatedAccuracy: out += [(.expectedCount, m.name), (.expectedSum, m.name), (.expectedSquares, m.name)]
            case .drift: break
            }
        }
        return out
    }

    /// The evidence queries of `definition` over a window of `windowSeconds` ending at the evaluation time.
    public static func queries(for definition: RolloutDefinition, windowSeconds: Int) -> [Query] {
        var order: [Field] = []
        var users: [Field: [String]] = [:]
        for (field, user) in fields(for: definition) {
            if users[field] == nil { order.append(field) }
            if !(users[field] ?? []).contains(user) { users[field, default: []].append(user) }
        }
        let selector = "{model=\(quoted(definition.model)),variant=~\(quoted(regexAlternation([definition.champion, definition.challenger])))}"
        let by = "variant"
        return order.map { field in
            let grouping = field == .latency ? "\(by), le" : by
            let promql = "sum by (\(grouping)) (increase(\(field.family)\(selector)[\(max(1, windowSeconds))s]))"
            return Query(field: field, promql: promql, usedBy: users[field] ?? [])
        }
    }

    /// Agents (`job`, `instance`) that exposed the rollout's request counter within the last `lookbackSeconds` but
    /// are not now up with a scrape younger than `stalenessSeconds`: any answer makes the evidence incomplete.
    public static func unhealthyTargets(for definition: RolloutDefinition, stalenessSeconds: Int, lookbackSeconds: Int) -> String {
        "count by (job, instance) (last_over_time(\(Family.requests){model=\(quoted(definition.model))}[\(max(1, lookbackSeconds))s]))"
            + " unless on (job, instance) (up == 1 and time() - timestamp(up) <= \(max(1, stalenessSeconds)))"
    }

    /// A PromQL string literal.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// `a|b` with regular-expression characters escaped (the result is then quoted as a string).
    static func regexAlternation(_ values: [String]) -> String {
        values.map { v in
            var out = ""
            for c in v { if "\\.+*?()|[]{}^$".contains(c) { out.append("\\") }; out.append(c) }
            return out
        }.joined(separator: "|")
    }

    /// Assembles evidence from the answers of ``queries(for:windowSeconds:)`` (by field) and the unhealthy-target
    /// query. A missing answer, a variant without a series or an unhealthy target is a ``RolloutEvidence/problem``.
    public static func evidence(for definition: RolloutDefinition, answers: [Field: Result<[PrometheusSample], PrometheusQueryError>],
                                unhealthyTargets: Result<[PrometheusSample], PrometheusQueryError>?,
                                latencyBounds: [Double] = LatencyHistogram.defaultBounds) -> RolloutEvidence {
        var problems: [String] = []
        var values: [String: VariantEvidence] = [:]
        let variants = [definition.champion, definition.challenger]
        for v in variants { values[v] = VariantEvidence(latency: LatencyHistogram(upperBounds: latencyBounds)) }
        let needed = Set(fields(for: definition).map { $0.0 })
        for field in Field.allCases where needed.contains(field) {
            guard let answer = answers[field] else { problems.append("\(field.family): not queried"); continue }
            let samples: [PrometheusSample]
            switch answer {
            case .failure(let error): problems.append("\(field.family): \(error)"); continue
            case .success(let s): samples = s
            }
            for variant in variants {
                let mine = samples.filter { $0.labels["variant"] == variant }
                guard !mine.isEmpty else {
                    problems.append("no \(field.family) series for model \(definition.model), variant \(variant)")
                    continue
                }
                if field == .latency {
                    var h = LatencyHistogram(upperBounds: latencyBounds)
                    var sawTotal = false
                    for s in mine {
                        guard let le = s.labels["le"] else { continue }
                        if le == "+Inf" { h.total = count(s.value); sawTotal = true; continue }
                        guard let bound = Double(le), let i = latencyBounds.firstIndex(of: bound) else { continue }
                        h.counts[i] = count(s.value)
                    }
                    if !sawTotal { problems.append("\(field.family): no +Inf bucket for variant \(variant)"); continue }
                    values[variant]?.latency = h
                    continue
                }
                let x = mine.reduce(0) { $0 + ($1.value.isFinite ? $1.value : 0) }
                switch field {
                case .requests: values[variant]?.requests = count(x)
                case .errors: values[variant]?.errors = count(x)
                case .labels: values[variant]?.correct.count = count(x)
                case .correct: values[variant]?.correct.sum = Double(count(x)); values[variant]?.correct.sumOfSquares = Double(count(x))
                case .absoluteErrorCount: values[variant]?.absoluteError.count = count(x)
                case .absoluteErrorSum: values[variant]?.absoluteError.sum = x
                case .absoluteErrorSquares: values[variant]?.absoluteError.sumOfSquares = x
                case .expectedCount: values[variant]?.expectedCorrect.count = count(x)
                case .expectedSum: values[variant]?.expectedCorrect.sum = x
                case .expectedSquares: values[variant]?.expectedCorrect.sumOfSquares = x
                case .latency: break
                }
            }
        }
        switch unhealthyTargets {
        case .none: break
        case .failure(let error)?: problems.append("target health: \(error)")
        case .success(let targets)?:
            if !targets.isEmpty {
                let names = targets.map { "\($0.labels["job"] ?? "?")/\($0.labels["instance"] ?? "?")" }.sorted()
                problems.append("targets down or not scraped recently: \(names.joined(separator: ", "))")
            }
        }
        return RolloutEvidence(champion: values[definition.champion]!, challenger: values[definition.challenger]!,
                               problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// `increase()` extrapolates, so fleet counts are not whole: rounded to the nearest count.
    static func count(_ x: Double) -> Int { x.isFinite && x > 0 ? Int(x.rounded()) : 0 }
}

extension RolloutEvidence {
    /// Each counter at least its value in `previous`: `increase()` over a window anchored at one instant can
    /// wobble down by a fraction when its extrapolation changes, and cumulative evidence must not go back.
    public func atLeast(_ previous: RolloutEvidence) -> RolloutEvidence {
        guard anchorMillis == previous.anchorMillis else { return self }
        return RolloutEvidence(champion: champion.atLeast(previous.champion), challenger: challenger.atLeast(previous.challenger),
                               problem: problem, anchorMillis: anchorMillis)
    }
}

extension VariantEvidence {
    public func atLeast(_ p: VariantEvidence) -> VariantEvidence {
        func m(_ a: Moments, _ b: Moments) -> Moments {
            Moments(count: max(a.count, b.count), sum: max(a.sum, b.sum), sumOfSquares: max(a.sumOfSquares, b.sumOfSquares))
        }
        var latency = self.latency
        if latency.upperBounds == p.latency.upperBounds {
            latency = LatencyHistogram(upperBounds: latency.upperBounds, counts: zip(latency.counts, p.latency.counts).map { max($0, $1) },
                                       total: max(latency.total, p.latency.total))
        }
        return VariantEvidence(requests: max(requests, p.requests), errors: max(errors, p.errors), latency: latency,
                               correct: m(correct, p.correct), absoluteError: m(absoluteError, p.absoluteError),
                               expectedCorrect: m(expectedCorrect, p.expectedCorrect), drift: drift)
    }
}
