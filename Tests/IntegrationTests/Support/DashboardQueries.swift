import Foundation
import Yams

/// The PromQL of the Grafana dashboards in `dashboards/` and of the rule files in `alerts/`: extraction,
/// static checks, metric names, and the substitution of Grafana's variables for a real Prometheus.
enum DashboardQueries {
    /// One query of a dashboard: a panel target, a template variable or an annotation.
    struct Query: CustomStringConvertible {
        enum Kind: String { case panel, variable, annotation }
        var dashboard: String
        var kind: Kind
        /// Panel title and refId, variable name or annotation name.
        var place: String
        var expr: String
        var description: String { "\(dashboard) \(kind.rawValue) \"\(place)\": \(expr)" }
    }

    /// A template variable of type query: `label_values(selector, label)` or `label_values(label)`.
    struct Variable {
        var name: String
        var label: String
        var selector: String?
        var multi: Bool
        var current: String?
    }

    struct Dashboard {
        var file: String
        var json: [String: Any]
        var title: String { json["title"] as? String ?? file }
        var panels: [[String: Any]] {
            var out: [[String: Any]] = []
            for panel in json["panels"] as? [[String: Any]] ?? [] {
                out.append(panel)
                out += panel["panels"] as? [[String: Any]] ?? [] // collapsed rows keep their panels inside
            }
            return out
        }
        var variables: [[String: Any]] { (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] }
        var annotations: [[String: Any]] { (json["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] }
    }

    static var dashboardsDirectory: URL { Harness.packageRoot.appendingPathComponent("dashboards") }

    static func loadDashboards(from directory: URL = dashboardsDirectory) throws -> [Dashboard] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { file in
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw HarnessError("dashboards/\(file): not a JSON object")
            }
            return Dashboard(file: file, json: json)
        }
    }

    static func queries(_ dashboard: Dashboard) -> [Query] {
        var out: [Query] = []
        for panel in dashboard.panels where panel["type"] as? String != "row" {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                out.append(Query(dashboard: dashboard.file, kind: .panel,
                                 place: "\(panel["title"] as? String ?? "?") \(target["refId"] as? String ?? "?")",
                                 expr: target["expr"] as? String ?? ""))
            }
        }
        for variable in dashboard.variables where variable["type"] as? String == "query" {
            out.append(Query(dashboard: dashboard.file, kind: .variable, place: variable["name"] as? String ?? "?",
                             expr: variableQuery(variable)))
        }
        for annotation in dashboard.annotations {
            out.append(Query(dashboard: dashboard.file, kind: .annotation, place: annotation["name"] as? String ?? "?",
                             expr: annotation["expr"] as? String ?? ""))
        }
        return out
    }

    static func variableQuery(_ variable: [String: Any]) -> String {
        if let query = variable["query"] as? String { return query }
        return (variable["query"] as? [String: Any])?["query"] as? String ?? ""
    }

    static func variables(_ dashboard: Dashboard) throws -> [Variable] {
        try dashboard.variables.filter { $0["type"] as? String == "query" }.map { v in
            let name = v["name"] as? String ?? ""
            let query = variableQuery(v).trimmingCharacters(in: .whitespaces)
            guard query.hasPrefix("label_values("), query.hasSuffix(")") else {
                throw HarnessError("\(dashboard.file): variable \(name) is not label_values(...): \(query)")
            }
            let inner = String(query.dropFirst("label_values(".count).dropLast())
            let selector: String?, label: String
            if let comma = inner.lastIndex(of: ",") {
                selector = inner[..<comma].trimmingCharacters(in: .whitespaces)
                label = inner[inner.index(after: comma)...].trimmingCharacters(in: .whitespaces)
            } else {
                selector = nil
                label = inner.trimmingCharacters(in: .whitespaces)
            }
            let current = (v["current"] as? [String: Any])?["value"] as? String
            return Variable(name: name, label: label, selector: selector, multi: v["multi"] as? Bool ?? false, current: current)
        }
    }

    // MARK: - Static checks

    /// Every problem of one dashboard, one line each: schema, datasource, units, rate intervals, metric names,
    /// runbook links, template variables.
    static func problems(_ dashboard: Dashboard, knownMetrics: Set<String>, runbooks: Set<String>) -> [String] {
        var problems: [String] = []
        let name = "dashboards/\(dashboard.file)"
        if (dashboard.json["schemaVersion"] as? Int ?? 0) < 39 { problems.append("\(name): schemaVersion below 39") }
        if (dashboard.json["uid"] as? String ?? "").isEmpty { problems.append("\(name): no uid") }
        // Datasource: a `datasource` variable of type datasource (prometheus), and every reference is ${datasource}.
        let dsVariable = dashboard.variables.first { $0["name"] as? String == "datasource" }
        if dsVariable?["type"] as? String != "datasource" || dsVariable?["query"] as? String != "prometheus" {
            problems.append("\(name): no template variable datasource of type datasource (prometheus)")
        }
        for reference in datasourceReferences(dashboard.json, path: "") where reference.uid != "${datasource}" {
            problems.append("\(name): \(reference.path) uses datasource uid \(reference.uid ?? "none"), not ${datasource}")
        }
        for variable in dashboard.variables where variable["type"] as? String == "query" {
            let query = variableQuery(variable)
            if !query.hasPrefix("label_values(") { problems.append("\(name): variable \(variable["name"] ?? "?") is not label_values(...)") }
        }
        let known = Set(dashboard.variables.compactMap { $0["name"] as? String }).union(["__rate_interval", "__range", "__interval"])
        for panel in dashboard.panels where panel["type"] as? String != "row" {
            let title = panel["title"] as? String ?? "?"
            let unit = ((panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any])?["unit"] as? String ?? ""
            if unit.isEmpty { problems.append("\(name): panel \"\(title)\" has no unit (fieldConfig.defaults.unit)") }
            let targets = panel["targets"] as? [[String: Any]] ?? []
            if targets.isEmpty { problems.append("\(name): panel \"\(title)\" has no targets") }
            for link in panel["links"] as? [[String: Any]] ?? [] {
                let url = link["url"] as? String ?? ""
                if url.hasSuffix(".md"), let slash = url.lastIndex(of: "/"), !runbooks.contains(String(url[url.index(after: slash)...])) {
                    problems.append("\(name): panel \"\(title)\" links to a runbook docs/runbooks lacks: \(url)")
                }
            }
        }
        for query in queries(dashboard) {
            problems += exprProblems(query.expr, where: "\(name): \(query.kind.rawValue) \"\(query.place)\"",
                                     knownMetrics: knownMetrics, variables: known, allowRange: query.kind == .panel)
        }
        return problems
    }

    static func exprProblems(_ expr: String, where place: String, knownMetrics: Set<String>, variables: Set<String>,
                             allowRange: Bool) -> [String] {
        var problems: [String] = []
        if expr.trimmingCharacters(in: .whitespaces).isEmpty { return ["\(place): empty expression"] }
        // Every range selector inside rate/increase (and any other) is a Grafana interval, never a hard-coded one.
        for range in matches(of: #"\[([^\]]*)\]"#, in: stripStrings(expr)) {
            let allowed = allowRange ? ["$__rate_interval", "$__range"] : ["$__rate_interval"]
            if !allowed.contains(range) { problems.append("\(place): range [\(range)] is not $__rate_interval") }
        }
        for function in ["rate", "increase", "irate"] {
            for argument in matches(of: "\\b\(function)\\(([^\\[]*)\\[([^\\]]*)\\]", in: stripStrings(expr), group: 2)
            where argument != "$__rate_interval" && !(function == "increase" && argument == "$__range" && allowRange) {
                problems.append("\(place): \(function)(...[\(argument)]) does not use $__rate_interval")
            }
        }
        for reference in matches(of: #"\$\{?([A-Za-z_][A-Za-z0-9_]*)"#, in: expr) where !variables.contains(reference) {
            problems.append("\(place): unknown variable $\(reference)")
        }
        for metric in metricNames(expr) where !knownMetrics.contains(metric) {
            problems.append("\(place): metric \(metric) is not in docs/metrics.md, a documented metrics_from_logs name or a recording rule")
        }
        return problems
    }

    struct DatasourceReference { var path: String; var uid: String? }

    /// Every `datasource` object in the JSON (panels, targets, variables, annotations) with its uid.
    static func datasourceReferences(_ value: Any, path: String) -> [DatasourceReference] {
        var out: [DatasourceReference] = []
        if let object = value as? [String: Any] {
            for (key, child) in object {
                if key == "datasource" {
                    if let ds = child as? [String: Any] { out.append(DatasourceReference(path: path + "." + key, uid: ds["uid"] as? String)) }
                    else { out.append(DatasourceReference(path: path + "." + key, uid: child as? String)) }
                } else {
                    out += datasourceReferences(child, path: path + "." + key)
                }
            }
        } else if let array = value as? [Any] {
            for (i, child) in array.enumerated() { out += datasourceReferences(child, path: "\(path)[\(i)]") }
        }
        return out
    }

    // MARK: - Metric names

    static let keywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                                        "unless", "bool", "offset", "inf", "nan", "atan2"]

    /// The metric names a PromQL expression (or a `label_values` selector) selects: identifiers that are not
    /// functions, keywords, label names of `by`/`on`/... lists or of matchers, nor inside strings.
    static func metricNames(_ expr: String) -> Set<String> {
        var text = stripStrings(expr)
        text = text.replacingOccurrences(of: #"\{[^}]*\}"#, with: " ", options: .regularExpression)
        text = text.replacingOccurrences(of: #"\[[^\]]*\]"#, with: " ", options: .regularExpression)
        text = text.replacingOccurrences(of: #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#, with: " ",
                                         options: .regularExpression)
        text = text.replacingOccurrences(of: #"\blabel_values\s*\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)"#, with: " ", options: .regularExpression)
        text = text.replacingOccurrences(of: #",\s*[A-Za-z_][A-Za-z0-9_]*\s*\)"#, with: ")", options: .regularExpression)
        var names: Set<String> = []
        let scanner = text.unicodeScalars.map { Character($0) }
        var i = 0
        while i < scanner.count {
            let c = scanner[i]
            if c.isLetter || c == "_" || c == ":" {
                var j = i
                while j < scanner.count, scanner[j].isLetter || scanner[j].isNumber || scanner[j] == "_" || scanner[j] == ":" { j += 1 }
                let word = String(scanner[i..<j])
                var k = j
                while k < scanner.count, scanner[k] == " " { k += 1 }
                let isCall = k < scanner.count && scanner[k] == "("
                let isVariable = i > 0 && (scanner[i - 1] == "$" || scanner[i - 1] == "{")
                if !isCall && !isVariable && !keywords.contains(word.lowercased()) { names.insert(word) }
                i = j
            } else if c.isNumber || c == "." {
                // A number (1.96, 0.5, 1e-9): skip it with its exponent.
                var j = i
                while j < scanner.count, scanner[j].isNumber || scanner[j] == "." || scanner[j] == "e" || scanner[j] == "E" { j += 1 }
                i = j
            } else {
                i += 1
            }
        }
        return names
    }

    /// docs/metrics.md's families (with `_bucket`, `_sum`, `_count` of histograms), the metrics_from_logs names
    /// of the documented example configurations, the SLO recording rules of the contract and every `record:`
    /// of `alerts/*.rules.yml`.
    static func knownMetrics() throws -> Set<String> {
        var known: Set<String> = ["up"]
        for (name, entry) in try MetricCatalogueTests.loadCatalogue() {
            known.insert(name)
            if entry.type == "histogram" { known.formUnion(["\(name)_bucket", "\(name)_sum", "\(name)_count"]) }
        }
        for example in ["examples/demo.yaml", "examples/inference-service.yaml"] {
            let text = try String(contentsOf: Harness.packageRoot.appendingPathComponent(example), encoding: .utf8)
            let node = try Yams.load(yaml: text) as? [String: Any]
            for mapping in node?["metrics_from_logs"] as? [[String: Any]] ?? [] {
                guard let name = mapping["name"] as? String else { continue }
                known.insert(name)
                if mapping["type"] as? String != "counter" { known.formUnion(["\(name)_bucket", "\(name)_sum", "\(name)_count"]) }
            }
        }
        for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] { known.insert("vigil_slo:error_ratio:rate\(window)") }
        known.insert("vigil_slo:objective:ratio")
        for file in try ruleFiles() {
            for rule in try rules(in: file) where rule.kind == "record" { known.insert(rule.name) }
        }
        return known
    }

    static func runbookFiles() -> Set<String> {
        let dir = Harness.packageRoot.appendingPathComponent("docs/runbooks")
        return Set((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
    }

    // MARK: - Rule files

    struct Rule { var file: String; var kind: String; var name: String; var expr: String }

    /// `alerts/*.rules.yml` of the repository, sorted (none before the alerts are written).
    static func ruleFiles() throws -> [URL] {
        let dir = Harness.packageRoot.appendingPathComponent("alerts")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { $0.hasSuffix(".rules.yml") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func rules(in file: URL) throws -> [Rule] {
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any] else { throw HarnessError("\(file.lastPathComponent): not a mapping") }
        var out: [Rule] = []
        for group in root["groups"] as? [[String: Any]] ?? [] {
            for rule in group["rules"] as? [[String: Any]] ?? [] {
                let expr = (rule["expr"] as? String) ?? (rule["expr"].map { "\($0)" } ?? "")
                if let name = rule["alert"] as? String { out.append(Rule(file: file.lastPathComponent, kind: "alert", name: name, expr: expr)) }
                if let name = rule["record"] as? String { out.append(Rule(file: file.lastPathComponent, kind: "record", name: name, expr: expr)) }
            }
        }
        return out
    }

    // MARK: - Substitution

    /// Replaces Grafana's variables: the interval variables by fixed durations, each template variable by its
    /// resolved value (a regex alternation for multi-value variables, as Grafana builds it for "All").
    static func substitute(_ expr: String, values: [String: String], rateInterval: String = "2m", range: String = "10m",
                           interval: String = "15s") -> String {
        var all = values
        all["__rate_interval"] = rateInterval
        all["__range"] = range
        all["__interval"] = interval
        var out = expr
        for (name, value) in all.sorted(by: { $0.key.count > $1.key.count }) {
            out = out.replacingOccurrences(of: "${\(name)}", with: value)
            out = out.replacingOccurrences(of: "$\(name)", with: value)
        }
        return out
    }

    /// Grafana's value of a multi-value variable with "All" selected: `(a|b|c)` with regex characters escaped.
    static func regexAlternation(_ values: [String]) -> String {
        let escaped = values.map { value in
            value.unicodeScalars.map { "\\.+*?()|[]{}^$".unicodeScalars.contains($0) ? "\\\\" + String($0) : String($0) }.joined()
        }
        return escaped.count == 1 ? escaped[0] : "(" + escaped.joined(separator: "|") + ")"
    }

    // MARK: - Text helpers

    static func stripStrings(_ text: String) -> String {
        text.replacingOccurrences(of: #""(?:[^"\\]|\\.)*""#, with: "\"\"", options: .regularExpression)
    }

    static func matches(of pattern: String, in text: String, group: Int = 1) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { match in
            guard match.numberOfRanges > group, match.range(at: group).location != NSNotFound else { return nil }
            return ns.substring(with: match.range(at: group))
        }
    }
}
