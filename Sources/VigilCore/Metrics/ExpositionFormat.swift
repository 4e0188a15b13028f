/// The text formats `/metrics` can answer with.
///
/// ```swift
/// let format = ExpositionFormat.negotiate(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
/// let body = registry.render(format)   // send with `format.contentType`
/// ```
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4, the default.
    case prometheusText
    /// OpenMetrics 1.0.0 text, only when the client asks for it.
    case openMetrics

    /// The `Content-Type` header value for a body in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format from an HTTP `Accept` header.
    ///
    /// OpenMetrics is chosen only when a media range `application/openmetrics-text` (without a version, or
    /// version 1.0.0) has a q-value above zero and at least as high as the best range Prometheus text matches
    /// (`text/plain`, `text/*`, `*/*`). Everything else, including a missing or unparsable header, gets
    /// Prometheus text. Prometheus 2.42 sends
    /// `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`
    /// and gets OpenMetrics.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .prometheusText }
        var bestOpenMetrics = 0.0
        var bestText = 0.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";")
            guard let first = parts.first else { continue }
            let mediaType = first.trimmingASCIISpaces().lowercased()
            var q = 1.0
            var version: String?
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let key = pair[0].trimmingASCIISpaces().lowercased()
                let value = pair[1].trimmingASCIISpaces()
                if key == "q" {
                    q = Double(value).map { min(max($0, 0), 1) } ?? 0
                } else if key == "version" {
                    version = String(value)
                }
            }
            switch mediaType {
            case "application/openmetrics-text":
                if version == nil || version == "1.0.0" { bestOpenMetrics = max(bestOpenMetrics, q) }
            case "text/plain":
                if version == nil || version == "0.0.4" { bestText = max(bestText, q) }
            case "text/*", "*/*":
                bestText = max(bestText, q)
            default:
                continue
            }
        }
        return bestOpenMetrics > 0 && bestOpenMetrics >= bestText ? .openMetrics : .prometheusText
    }
}

extension Substring {
    fileprivate func trimmingASCIISpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
