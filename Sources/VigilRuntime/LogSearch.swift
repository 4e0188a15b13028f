import Foundation
import VigilStorage
import VigilCore

/// `vigil logs search`: queries the embedded log store in a data directory.
public enum LogSearch {
    public struct Options: Sendable {
        public var dataDir: String
        public var text: String?
        public var service: String?
        public var level: String?
        public var since: String?
        public var until: String?
        public var limit: Int
        public var json: Bool

        public init(dataDir: String = "./vigil-data", text: String? = nil, service: String? = nil, level: String? = nil,
                    since: String? = nil, until: String? = nil, limit: Int = 100, json: Bool = false) {
            self.dataDir = dataDir; self.text = text; self.service = service; self.level = level
            self.since = since; self.until = until; self.limit = limit; self.json = json
        }
    }

    /// A failure to report to the user, with the exit status to use.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public var exitCode: Int32
    }

    /// The query the options describe, validated as `GET /v1/logs/search` validates its parameters
    /// (errors name the command-line option).
    public static func query(_ options: Options, nowMillis: Int64) throws(Failure) -> LogQuery {
        var items: [(name: String, value: String?)] = [("limit", String(options.limit))]
        if let text = options.text { items.append(("q", text)) }
        if let service = options.service { items.append(("service", service)) }
        if let level = options.level { items.append(("level", level)) }
        if let since = options.since { items.append(("since", since)) }
        if let until = options.until { items.append(("until", until)) }
        do {
            return try LogQuery(queryItems: items, nowMillis: nowMillis)
        } catch {
            let option = error.parameter == "q" ? "TEXT" : "--\(error.parameter)"
            throw Failure(description: "\(option): \(error.reason)", exitCode: 64)
        }
    }

    /// Runs the search and returns the text to print.
    public static func run(_ options: Options, nowMillis: Int64) throws(Failure) -> String {
        let query = try query(options, nowMillis: nowMillis)
        let path = (options.dataDir.hasSuffix("/") ? options.dataDir : options.dataDir + "/") + "logs.db"
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "no log store at \(path) (is --data-dir right? the agent creates it when no Elasticsearch is configured)", exitCode: 66)
        }
        let hits: [LogHit]
        do {
            hits = try LogStore(readingPath: path).search(query)
        } catch {
            throw Failure(description: "log search failed: \(error)", exitCode: 74)
        }
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(LogSearchResponse(hits: hits))) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        return table(hits)
    }

    /// A fixed-width table: time, level, service, then the message (or the body when there is none).
    public static func table(_ hits: [LogHit]) -> String {
        guard !hits.isEmpty else { return "no matching events" }
        let levelWidth = max(5, hits.map { ($0.level ?? "-").count }.max() ?? 0)
        let serviceWidth = min(24, max(7, hits.map { ($0.service ?? "-").count }.max() ?? 0))
        func pad(_ text: String, _ width: Int) -> String {
            let cut = text.count > width ? String(text.prefix(width - 1)) + "…" : text
            return cut + String(repeating: " ", count: max(0, width - cut.count))
        }
        var lines = [pad("TIME", 24) + "  " + pad("LEVEL", levelWidth) + "  " + pad("SERVICE", serviceWidth) + "  MESSAGE"]
        for hit in hits {
            let text = (hit.message ?? hit.body).replacingOccurrences(of: "\n", with: "\\n")
            lines.append(pad(RFC3339.format(millis: hit.timestampMillis), 24) + "  " + pad(hit.level ?? "-", levelWidth) + "  "
                         + pad(hit.service ?? "-", serviceWidth) + "  " + (text.count > 200 ? String(text.prefix(199)) + "…" : text))
        }
        lines.append("\(hits.count) event\(hits.count == 1 ? "" : "s")")
        return lines.joined(separator: "\n")
    }
}
