import FoundationEssentials

/// Renders an ``EvaluationReport`` as JSON, a terminal table, or one self-contained HTML page. Pure functions.
public enum EvaluationReportRenderer {
    /// Stable JSON: snake_case keys, sorted, two-space indentation, shortest round-trip numbers, trailing
    /// newline. Non-finite numbers never appear (they are left out upstream).
    public static func json(_ report: EvaluationReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Encoding plain value types cannot fail except on non-conforming floats, handled above.
        let data = (try? encoder.encode(report)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A readable terminal table.
    public static func table(_ report: EvaluationReport) -> String {
        var out = ""
        let task = report.task?.rawValue ?? "unknown"
        out += "Vigil evaluation: reference \(report.reference.rows) rows, current \(report.current.rows) rows, task \(task)\n\n"
        out += "Drift: \(report.drift.drifted) of \(report.drift.features) features drifted"
        out += " (\(format(report.drift.share * 100, digits: 1))%)\n"
        var rows: [[String]] = [["feature", "kind", "method", "statistic", "p-value", "threshold", "drift"]]
        for f in report.features {
            let decisive = f.tests.first { $0.method == f.decisiveMethod }
            rows.append([f.name, f.kind.rawValue, decisive?.method ?? "-", decisive.map { format($0.statistic) } ?? "-",
                         decisive?.pValue.map { format($0) } ?? "-", decisive.map { format($0.threshold) } ?? "-",
                         f.drifted ? "DRIFT" : "ok"])
        }
        out += grid(rows) + "\n"

        let names = metricNames(report.quality, report.estimatedQuality)
        if !names.isEmpty {
            out += "Quality\n"
            var q: [[String]] = [["metric", "reference", "current"]]
            if report.estimatedQuality != nil { q[0] += ["estimated ref", "estimated cur"] }
            for name in names {
                var row = [name, cell(report.quality.reference?.metrics[name]), cell(report.quality.current?.metrics[name])]
                if let e = report.estimatedQuality {
                    row += [cell(e.reference?.metrics[name]), cell(e.current?.metrics[name])]
                }
                q.append(row)
            }
            out += grid(q) + "\n"
        }

        if let slices = report.slices {
            out += "Slices by \(slices.segmentColumn)\n"
            var s: [[String]] = [["segment", "rows", "selection rate", "TPR", "accuracy"]]
            for slice in slices.slices {
                s.append([slice.segment, String(slice.count), cell(slice.selectionRate), cell(slice.truePositiveRate),
                          cell(slice.quality?.value("accuracy"))])
            }
            out += grid(s)
            out += "demographic parity difference \(cell(slices.demographicParityDifference)), "
            out += "equal opportunity difference \(cell(slices.equalOpportunityDifference))\n\n"
        }

        if report.findings.isEmpty {
            out += "Findings: none\n"
        } else {
            out += "Findings\n"
            for f in report.findings { out += "  - " + describe(f) + "\n" }
        }
        return out
    }

    /// One sentence per finding.
    public static func describe(_ f: EvaluationFinding) -> String {
        switch f.kind {
        case .drift:
            return "drift: feature \(f.subject) (\(f.metric) \(format(f.value)), threshold \(format(f.threshold)))"
        case .decay:
            let direction = ModelQuality.higherIsBetter(f.subject) ? "fell to" : "rose to"
            return "decay: \(f.metric) \(direction) \(format(f.value)) (threshold \(format(f.threshold)): reference \(ModelQuality.higherIsBetter(f.subject) ? "minus" : "plus") tolerance)"
        case .fairness:
            return "fairness: \(f.metric) over \(f.subject) is \(format(f.value)) (threshold \(format(f.threshold)))"
        }
    }

    static func metricNames(_ quality: QualityComparison, _ estimated: QualityComparison?) -> [String] {
        var seen: [String] = []
        let order = ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "brier", "ece",
                     "precision_macro", "recall_macro", "f1_macro", "precision_weighted", "recall_weighted",
                     "f1_weighted", "mae", "rmse", "mape", "r2"]
        let all = [quality.reference, quality.current, estimated?.reference, estimated?.current].compactMap { $0 }
        for name in order where all.contains(where: { $0.metrics[name] != nil }) { seen.append(name) }
        return seen
    }

    static func cell(_ x: Double?) -> String { x.map { format($0) } ?? "-" }

    /// Fixed-point text with `digits` decimals (default 4); scientific for tiny non-zero values.
    public static func format(_ x: Double, digits: Int = 4) -> String {
        guard x.isFinite else { return String(x) }
        if x != 0, abs(x) < 1e-4 { return shortScientific(x) }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(x) * scale).rounded() / scale
        let whole = rounded.rounded(.down)
        var fraction = Int(((rounded - whole) * scale).rounded())
        var wholeInt = Int(whole)
        if fraction >= Int(scale) { wholeInt += 1; fraction -= Int(scale) }
        var text = String(fraction)
        while text.count < digits { text = "0" + text }
        let sign = x < 0 && (wholeInt != 0 || fraction != 0) ? "-" : ""
        return digits == 0 ? sign + String(wholeInt) : "\(sign)\(wholeInt).\(text)"
    }

    static func shortScientific(_ x: Double) -> String {
        var exponent = 0
        var m = abs(x)
        while m < 1 { m *= 10; exponent -= 1 }
        while m >= 10 { m /= 10; exponent += 1 }
        return (x < 0 ? "-" : "") + format(m, digits: 2) + "e" + String(exponent)
    }

    /// Rows as aligned columns with a rule under the header row.
    public static func grid(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for (r, row) in rows.enumerated() {
            var line = ""
            for (i, c) in row.enumerated() {
                line += c + String(repeating: " ", count: widths[i] - c.count) + (i == row.count - 1 ? "" : "  ")
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if r == 0 {
                out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
        }
        return out
    }
}
