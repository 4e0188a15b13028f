/// Renders Prometheus recording and alerting rules for service-level objectives: a pure function of the
/// objectives, so the same configuration always gives the same text byte for byte (the committed
/// `alerts/vigil-slo.rules.yml` is checked against it).
///
/// For every objective it writes one rule group `vigil-slo-<name>` with
/// - `vigil_slo:error_ratio:rate5m` … `rate3d` (seven windows): the share of bad requests over the window,
///   labelled `slo`, `slo_type` (availability | latency) and `service`;
/// - `vigil_slo:objective:ratio`: the objective as a ratio (99.9 → 0.999), same labels;
/// - the multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs", alert 6):
///   burn rate = error ratio / (1 − objective); page (`critical`) when 2 % of the budget burns within 1 h
///   (14.4× for 30 days, over 1 h and 5 m) or 5 % within 6 h (6×, over 6 h and 30 m); ticket (`warning`) when
///   10 % burns within 1 d (3×, over 1 d and 2 h) or within 3 d (1×, over 3 d and 6 h). The factors scale
///   with the objective's window: factor = budget share × window / long window.
///
/// ```swift
/// let slo = ServiceLevelObjective(name: "api-availability", service: "api", kind: .availability, objectivePercent: 99.9)
/// let yaml = SLORuleGenerator.render([slo], header: "# generated")
/// // yaml contains "- record: vigil_slo:error_ratio:rate5m" and "- alert: VigilSLOErrorBudgetBurn"
/// ```
public enum SLORuleGenerator {
    /// The recording-rule windows, shortest first, with their `rate<window>` suffixes.
    public static let windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    public static let errorRatioPrefix = "vigil_slo:error_ratio:rate"
    public static let objectiveRecord = "vigil_slo:objective:ratio"
    public static let availabilityAlert = "VigilSLOErrorBudgetBurn"
    public static let latencyAlert = "VigilSLOLatencyBudgetBurn"
    public static let defaultRunbookBaseURL = "https://github.com/vigil/vigil/blob/main/docs/runbooks"

    /// One pair of windows of the multi-window scheme.
    public struct BurnTier: Sendable, Hashable {
        public var severity: String
        public var longWindow: String
        public var shortWindow: String
        /// Share of the whole budget that burns within the long window at the alerting rate.
        public var budgetShare: Double
        public var longWindowSeconds: Double

        /// The burn-rate factor for an objective window: 14.4 for the 1 h tier of a 30-day objective.
        public func factor(windowSeconds: Double) -> Double {
            (budgetShare * windowSeconds / longWindowSeconds * 1e6).rounded() / 1e6
        }
    }

    public static let tiers: [BurnTier] = [
        BurnTier(severity: "critical", longWindow: "1h", shortWindow: "5m", budgetShare: 0.02, longWindowSeconds: 3_600),
        BurnTier(severity: "critical", longWindow: "6h", shortWindow: "30m", budgetShare: 0.05, longWindowSeconds: 21_600),
        BurnTier(severity: "warning", longWindow: "1d", shortWindow: "2h", budgetShare: 0.10, longWindowSeconds: 86_400),
        BurnTier(severity: "warning", longWindow: "3d", shortWindow: "6h", budgetShare: 0.10, longWindowSeconds: 259_200),
    ]

    /// The whole rule file.
    /// - Parameters:
    ///   - objectives: rendered in the given order, one group each.
    ///   - header: comment lines put first (each should start with `#`).
    ///   - runbookBaseURL: `runbook_url` is `<base>/slo-error-budget-burn.md` or `<base>/slo-latency-budget-burn.md`.
    public static func render(_ objectives: [ServiceLevelObjective], header: String,
                              runbookBaseURL: String = defaultRunbookBaseURL) -> String {
        var out = header.isEmpty ? "" : (header.hasSuffix("\n") ? header : header + "\n")
        guard !objectives.isEmpty else { return out + "groups: []\n" }
        out += "groups:\n"
        for slo in objectives { out += group(slo, runbookBaseURL: runbookBaseURL) }
        return out
    }

    /// The PromQL of the error ratio of `slo` over `window` (e.g. `5m`).
    public static func errorRatioExpression(_ slo: ServiceLevelObjective, window: String) -> String {
        let service = "service=\"\(escape(slo.service))\""
        let total = "sum(rate(\(slo.metric)_count{\(service)}[\(window)]))"
        switch slo.kind {
        case .availability:
            // `or vector(0)`: a service without any 5xx yet has no such series; its ratio is 0, not absent.
            let bad = "sum(rate(\(slo.metric)_count{\(service),http_response_status_code=~\"5..\"}[\(window)]))"
            return "(\n  \(bad)\n  or vector(0)\n)\n/\n\(total)"
        case .latency:
            let le = MetricText.canonicalNumber(slo.latencyThresholdSeconds ?? .infinity)
            let good = "sum(rate(\(slo.metric)_bucket{\(service),le=\"\(le)\"}[\(window)]))"
            return "1 - (\n  \(good)\n  /\n  \(total)\n)"
        }
    }

    static func group(_ slo: ServiceLevelObjective, runbookBaseURL: String) -> String {
        let labels = [("slo", slo.name), ("slo_type", slo.kind.rawValue), ("service", slo.service)]
        var out = "  - name: \(quote("vigil-slo-" + slo.name))\n    rules:\n"
        for window in windows {
            out += "      - record: \(errorRatioPrefix)\(window)\n"
            out += "        expr: |\n" + indent(errorRatioExpression(slo, window: window), by: 10) + "\n"
            out += labelBlock(labels)
        }
        out += "      - record: \(objectiveRecord)\n"
        out += "        expr: vector(\(number(slo.objectiveRatio)))\n"
        out += labelBlock(labels)
        for severity in ["critical", "warning"] {
            out += alert(slo, tiers: tiers.filter { $0.severity == severity }, severity: severity, runbookBaseURL: runbookBaseURL)
        }
        return out
    }

    static func alert(_ slo: ServiceLevelObjective, tiers: [BurnTier], severity: String, runbookBaseURL: String) -> String {
        let name = slo.kind == .availability ? availabilityAlert : latencyAlert
        let budget = number(slo.errorBudgetRatio)
        let selector = "{slo=\"\(escape(slo.name))\"}"
        let clauses = tiers.map { tier -> String in
            let threshold = "(\(number(tier.factor(windowSeconds: slo.windowSeconds))) * \(budget))"
            return "(\n  \(errorRatioPrefix)\(tier.longWindow)\(selector) > \(threshold)\nand\n"
                + "  \(errorRatioPrefix)\(tier.shortWindow)\(selector) > \(threshold)\n)"
        }
        let factors = tiers.map { "\(number($0.factor(windowSeconds: slo.windowSeconds)))× over \($0.longWindow) and \($0.shortWindow)" }
        let what = slo.kind == .availability
            ? "5xx responses"
            : "requests slower than \(durationText(slo.latencyThresholdSeconds ?? 0))"
        let objectiveText = "\(number(slo.objectivePercent))% over \(durationText(slo.windowSeconds))"
        let urgency = severity == "critical" ? "fast" : "steadily"
        var out = "      - alert: \(name)\n"
        out += "        expr: |\n" + indent(clauses.joined(separator: "\nor\n"), by: 10) + "\n"
        out += "        labels:\n          severity: \(severity)\n"
        out += "        annotations:\n"
        out += "          summary: \(quote("{{ $labels.service }}: SLO {{ $labels.slo }} is burning its error budget \(urgency)"))\n"
        out += "          description: \(quote("\(what.prefix(1).uppercased() + what.dropFirst()) are {{ $value | humanizePercentage }} of the requests of {{ $labels.service }} over the long window; the objective \(objectiveText) allows \(number(slo.errorBudgetRatio * 100))%. Burn rate at least \(factors.joined(separator: ", or "))."))\n"
        out += "          runbook_url: \(quote("\(runbookBaseURL)/\(slo.kind == .availability ? "slo-error-budget-burn" : "slo-latency-budget-burn").md"))\n"
        return out
    }

    static func labelBlock(_ labels: [(String, String)]) -> String {
        "        labels:\n" + labels.map { "          \($0.0): \(quote($0.1))\n" }.joined()
    }

    static func indent(_ text: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
    }

    /// A YAML double-quoted scalar.
    static func quote(_ text: String) -> String {
        var out = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// A PromQL double-quoted string's content.
    static func escape(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n")
    }

    /// The shortest decimal text of a number, without a trailing `.0` for whole numbers: 14.4, 6, 0.001.
    static func number(_ raw: Double) -> String {
        let value = (raw * 1e9).rounded() / 1e9
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// 0.25 → 250ms, 2592000 → 30d.
    static func durationText(_ seconds: Double) -> String {
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3_600, seconds.truncatingRemainder(dividingBy: 3_600) == 0 { return "\(Int(seconds / 3_600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds < 1 { return "\(number((seconds * 1e6).rounded() / 1e3))ms" }
        return "\(number(seconds))s"
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
