import Foundation
import VigilCore

extension ConfigurationLoader {
    static let sloKeys = ["name", "service", "type", "objective", "threshold", "metric", "window"]

    /// `slos`: service-level objectives over a histogram that `metrics_from_logs` derives from request logs.
    /// `vigil rules generate` turns them into Prometheus rules; the agent itself only validates them.
    static func readSLOs(_ top: ObjectReader, metrics: [LogMetricMapping]) -> [ServiceLevelObjective] {
        var out: [ServiceLevelObjective] = []
        var names = Set<String>()
        top.list("slos") { node, path in
            top.reader.object(node, path, keys: sloKeys) { s in
                for key in ["name", "service", "type", "objective"] where s.child(key) == nil {
                    s.reader.report(node, s.path(key), "is required")
                }
                guard let name = s.string("name") else { return }
                if name.unicodeScalars.contains(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")) }) {
                    s.report("name", "use letters, digits, - and _ only (it names a rule group and the slo label), got \"\(name)\"")
                    return
                }
                if !names.insert(name).inserted { s.report("name", "SLO \"\(name)\" is configured twice") }
                let service = s.string("service")
                let kind = s.oneOf("type", ServiceLevelObjective.Kind.allCases.map(\.rawValue)).flatMap(ServiceLevelObjective.Kind.init(rawValue:))
                let objective = readObjective(s)
                let metric = s.string("metric") ?? ServiceLevelObjective.defaultMetric
                let window = s.duration("window", range: (7 * 86_400)...(90 * 86_400))
                guard let kind else { return }

                // The SLI's histogram must be one that metrics_from_logs derives, with the labels the rules select on.
                guard let mapping = metrics.first(where: { $0.name == metric }) else {
                    let known = metrics.filter { $0.kind == .histogram }.map(\.name)
                    var message = "no metrics_from_logs histogram is named \"\(metric)\""
                    if let guess = ConfigReader.suggestion(for: metric, among: known) { message += "; did you mean \"\(guess)\"?" }
                    else if !known.isEmpty { message += "; histograms are \(known.joined(separator: ", "))" }
                    else { message += "; add one under metrics_from_logs (see docs/configuration.md)" }
                    if s.child("metric") != nil { s.report("metric", message) } else { s.reader.report(node, path, message) }
                    return
                }
                guard mapping.kind == .histogram else {
                    s.reader.report(s.child("metric") ?? node, s.path("metric"), "\"\(metric)\" is a counter; an SLO needs a histogram (histogram_of)")
                    return
                }
                let labelNames = mapping.labels.map(\.name)
                var needed = ["service"]
                if kind == .availability { needed.append("http_response_status_code") }
                for label in needed where !labelNames.contains(label) {
                    s.reader.report(s.child("metric") ?? node, s.path("metric"),
                                    "the histogram \"\(metric)\" has no label \(label) (its labels: \(labelNames.joined(separator: ", "))); "
                                        + "add \"\(label)\" or \"\(label)=FIELD\" to its labels")
                    return
                }

                var threshold: Double?
                if kind == .latency {
                    guard let seconds = s.duration("threshold", range: 0.000_001...86_400) else {
                        if s.child("threshold") == nil { s.reader.report(node, s.path("threshold"), "is required for a latency SLO, e.g. 250ms") }
                        return
                    }
                    // Good requests are exactly one `le` bucket, so the threshold must be one of its bounds.
                    guard let bound = mapping.buckets.first(where: { abs($0 - seconds) <= 1e-9 * max(1, $0) }) else {
                        let below = mapping.buckets.last(where: { $0 < seconds }), above = mapping.buckets.first(where: { $0 > seconds })
                        let nearest = [below, above].compactMap { $0 }.map { DurationText.format($0) }
                        s.report("threshold", "\(s.child("threshold")?.string ?? "\(seconds)s") is not a bucket bound of \(metric) "
                                    + "(bounds: \(mapping.buckets.map { DurationText.format($0) }.joined(separator: ", ")))"
                                    + (nearest.isEmpty ? "" : "; the nearest are \(nearest.joined(separator: " and "))"))
                        return
                    }
                    threshold = bound
                } else if s.child("threshold") != nil {
                    s.report("threshold", "only a latency SLO has a threshold")
                    return
                }
                guard let service, let objective else { return }
                out.append(ServiceLevelObjective(name: name, service: service, kind: kind, objectivePercent: objective,
                                                 latencyThresholdSeconds: threshold, metric: metric,
                                                 windowSeconds: window ?? ServiceLevelObjective.defaultWindowSeconds))
            }
        }
        return out
    }

    /// `objective`: a percentage such as `99.9` or `"99.9%"`, above 50 and below 100.
    static func readObjective(_ s: ObjectReader) -> Double? {
        guard let node = s.child("objective") else { return nil }
        guard let text = node.string else {
            s.report("objective", "expected a percentage such as 99.9, got \(s.reader.describe(node))"); return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.hasSuffix("%") ? String(trimmed.dropLast()).trimmingCharacters(in: .whitespaces) : trimmed
        guard let value = Double(number), value.isFinite else {
            s.report("objective", "expected a percentage such as 99.9, got \"\(text)\""); return nil
        }
        if value > 0, value < 1, !trimmed.hasSuffix("%") {
            s.report("objective", "is a percentage: write \(SLOText.percent(value * 100)) for a ratio of \(text)"); return nil
        }
        guard value >= 50, value < 100 else {
            s.report("objective", "must be a percentage from 50 to below 100, got \(text)"); return nil
        }
        return value
    }
}

enum SLOText {
    static func percent(_ value: Double) -> String {
        let r = (value * 1e9).rounded() / 1e9
        return r == r.rounded() ? String(Int(r)) : "\(r)"
    }
}
