extension EvaluationReportRenderer {
    /// One self-contained HTML page (no scripts, no external resources): summary, findings, tables, and one
    /// inline SVG histogram per feature comparing the reference (blue, `class="ref"`) and current (orange,
    /// `class="cur"`) shares of each bin or category.
    public static func html(_ report: EvaluationReport, title: String = "Vigil evaluation") -> String {
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
        table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
        th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}.drift{color:#b00020;font-weight:600}
        .ok{color:#1b7a1b}.features{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;border:1px solid #ddd;padding:8px}
        figcaption{font-weight:600;margin-bottom:4px}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
        </style></head><body>

        """
        out += "<h1>\(escape(title))</h1>\n"
        out += "<p>Reference: \(report.reference.rows) rows. Current: \(report.current.rows) rows. "
        out += "Task: \(escape(report.task?.rawValue ?? "unknown")). "
        out += "Drifted features: \(report.drift.drifted) of \(report.drift.features).</p>\n"
        out += "<p class=\"legend\">Legend:<span style=\"background:#4e79a7\"></span>reference"
        out += "<span style=\"background:#f28e2b\"></span>current</p>\n"

        out += "<h2>Findings</h2>\n"
        if report.findings.isEmpty {
            out += "<p class=\"ok\">None.</p>\n"
        } else {
            out += "<ul>\n" + report.findings.map { "<li>\(escape(describe($0)))</li>\n" }.joined() + "</ul>\n"
        }

        out += "<h2>Drift</h2>\n<table><tr><th>feature</th><th>kind</th><th>method</th><th>statistic</th>"
        out += "<th>p-value</th><th>threshold</th><th>verdict</th><th>other tests</th></tr>\n"
        for f in report.features {
            let d = f.tests.first { $0.method == f.decisiveMethod }
            let others = f.tests.filter { $0.method != f.decisiveMethod }
                .map { "\($0.method) \(format($0.statistic))\($0.drifted ? " (drift)" : "")" }.joined(separator: ", ")
            out += "<tr><td>\(escape(f.name))</td><td>\(f.kind.rawValue)</td><td>\(escape(d?.method ?? "-"))</td>"
            out += "<td class=\"num\">\(d.map { format($0.statistic) } ?? "-")</td>"
            out += "<td class=\"num\">\(d?.pValue.map { format($0) } ?? "-")</td>"
            out += "<td class=\"num\">\(d.map { format($0.threshold) } ?? "-")</td>"
            out += f.drifted ? "<td class=\"drift\">drift</td>" : "<td class=\"ok\">ok</td>"
            out += "<td>\(escape(others))</td></tr>\n"
        }
        out += "</table>\n"

        let names = metricNames(report.quality, report.estimatedQuality)
        if !names.isEmpty {
            out += "<h2>Quality</h2>\n<table><tr><th>metric</th><th>reference</th><th>current</th>"
            if report.estimatedQuality != nil { out += "<th>estimated reference (CBPE)</th><th>estimated current (CBPE)</th>" }
            out += "</tr>\n"
            for name in names {
                out += "<tr><td>\(escape(name))</td><td class=\"num\">\(cell(report.quality.reference?.metrics[name]))</td>"
                out += "<td class=\"num\">\(cell(report.quality.current?.metrics[name]))</td>"
                if let e = report.estimatedQuality {
                    out += "<td class=\"num\">\(cell(e.reference?.metrics[name]))</td>"
                    out += "<td class=\"num\">\(cell(e.current?.metrics[name]))</td>"
                }
                out += "</tr>\n"
            }
            out += "</table>\n"
        }

        if let slices = report.slices {
            out += "<h2>Slices by \(escape(slices.segmentColumn))</h2>\n"
            out += "<table><tr><th>segment</th><th>rows</th><th>selection rate</th><th>true positive rate</th><th>accuracy</th></tr>\n"
            for s in slices.slices {
                out += "<tr><td>\(escape(s.segment))</td><td class=\"num\">\(s.count)</td>"
                out += "<td class=\"num\">\(cell(s.selectionRate))</td><td class=\"num\">\(cell(s.truePositiveRate))</td>"
                out += "<td class=\"num\">\(cell(s.quality?.value("accuracy")))</td></tr>\n"
            }
            out += "</table>\n<p>Demographic parity difference: \(cell(slices.demographicParityDifference)); "
            out += "equal opportunity difference: \(cell(slices.equalOpportunityDifference)).</p>\n"
        }

        out += "<h2>Distributions</h2>\n<div class=\"features\">\n"
        for f in report.features { out += figure(f) }
        out += "</div>\n</body></html>\n"
        return out
    }

    /// One feature's histogram: bars are shares of each side, so samples of different sizes compare.
    static func figure(_ f: FeatureReport) -> String {
        let h = f.histogram
        let bins = max(h.reference.count, h.current.count)
        let width = 360.0, height = 180.0, left = 36.0, bottom = 40.0, top = 10.0
        let plotWidth = width - left - 8, plotHeight = height - bottom - top
        let refTotal = Double(max(h.reference.reduce(0, +), 1)), curTotal = Double(max(h.current.reduce(0, +), 1))
        let refShares = h.reference.map { Double($0) / refTotal }, curShares = h.current.map { Double($0) / curTotal }
        let peak = max(refShares.max() ?? 0, curShares.max() ?? 0, 0.0001)
        let slot = plotWidth / Double(max(bins, 1))
        let bar = slot * 0.4
        var svg = "<figure><figcaption>\(escape(f.name))\(f.drifted ? " <span class=\"drift\">(drift)</span>" : "")</figcaption>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        svg += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(f.name)) histogram\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - 8)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>\n"
        svg += "<text x=\"2\" y=\"\(top + 8)\" font-size=\"9\">\(format(peak * 100, digits: 0))%</text>\n"
        for i in 0..<bins {
            let x = left + Double(i) * slot + slot * 0.1
            for (side, shares, color, offset) in [("ref", refShares, "#4e79a7", 0.0), ("cur", curShares, "#f28e2b", bar)] {
                let share = i < shares.count ? shares[i] : 0
                let barHeight = share / peak * plotHeight
                svg += "<rect class=\"\(side)\" x=\"\(format(x + offset, digits: 1))\" y=\"\(format(top + plotHeight - barHeight, digits: 1))\" "
                svg += "width=\"\(format(bar, digits: 1))\" height=\"\(format(barHeight, digits: 1))\" fill=\"\(color)\">"
                svg += "<title>\(side == "ref" ? "reference" : "current") \(format(share * 100, digits: 1))%</title></rect>\n"
            }
            let label: String
            if let categories = h.categories, i < categories.count {
                label = categories[i].count > 8 ? String(categories[i].prefix(7)) + "…" : categories[i]
            } else if let edges = h.edges, i < edges.count {
                label = compact(edges[i])
            } else {
                label = ""
            }
            // Long labels on every other bin only, so they do not overlap.
            let crowded = bins > 6 && (h.edges?.map(compact).contains { $0.count > 4 } ?? false || h.categories != nil)
            if !crowded || i % 2 == 0 {
                svg += "<text x=\"\(format(x, digits: 1))\" y=\"\(format(top + plotHeight + 14, digits: 1))\" font-size=\"9\">\(escape(label))</text>\n"
            }
        }
        svg += "</svg></figure>\n"
        return svg
    }

    /// Short axis labels: 12.5, 340, 12k, 1.2M, 3.4e-3.
    static func compact(_ x: Double) -> String {
        let a = abs(x)
        if a >= 1e6 { return format(x / 1e6, digits: a >= 1e7 ? 0 : 1) + "M" }
        if a >= 1e3 { return format(x / 1e3, digits: a >= 1e4 ? 0 : 1) + "k" }
        if a < 0.01, x != 0 { return shortScientific(x) }
        return format(x, digits: a >= 100 ? 0 : (a >= 10 ? 1 : 2))
    }

    /// Escapes text for HTML element content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
