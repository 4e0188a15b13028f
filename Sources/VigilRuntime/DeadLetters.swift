import Foundation
import VigilStorage
import VigilCore

/// `vigil dead-letters list`: shows the newest dead letters of a data directory.
public enum DeadLetters {
    public struct Options: Sendable {
        public var dataDir: String
        public var limit: Int
        public var reason: String?
        public var json: Bool

        public init(dataDir: String = "./vigil-data", limit: Int = 50, reason: String? = nil, json: Bool = false) {
            self.dataDir = dataDir; self.limit = limit; self.reason = reason; self.json = json
        }
    }

    /// One dead letter as JSON: the raw bytes as (lossy) UTF-8 text plus their original length.
    struct Row: Encodable {
        var id: Int64
        var timestamp: String
        var timeMillis: Int64
        var source: String
        var position: String
        var reason: String
        var detail: String?
        var status: Int?
        var raw: String
        var rawLength: Int
        var truncated: Bool

        enum CodingKeys: String, CodingKey {
            case id, timestamp = "@timestamp", timeMillis = "time_ms", source, position, reason, detail, status, raw
            case rawLength = "raw_length", truncated
        }

        init(_ letter: DeadLetter) {
            id = letter.id; timestamp = RFC3339.format(millis: letter.timeMillis); timeMillis = letter.timeMillis
            source = letter.source; position = letter.position; reason = letter.reason; detail = letter.detail
            status = letter.statusCode; raw = String(decoding: letter.raw, as: UTF8.self)
            rawLength = letter.rawLength; truncated = letter.truncated
        }
    }

    struct Response: Encodable {
        var count: Int
        var stored: Int64
        var evictedTotal: Int64
        var deadLetters: [Row]

        enum CodingKeys: String, CodingKey {
            case count, stored, evictedTotal = "evicted_total", deadLetters = "dead_letters"
        }
    }

    /// Lists and returns the text to print.
    public static func list(_ options: Options) throws(LogSearch.Failure) -> String {
        guard options.limit >= 1 && options.limit <= 10_000 else {
            throw LogSearch.Failure(description: "--limit: expected an integer from 1 to 10000, got \(options.limit)", exitCode: 64)
        }
        let path = (options.dataDir.hasSuffix("/") ? options.dataDir : options.dataDir + "/") + "vigil.db"
        guard FileManager.default.fileExists(atPath: path) else {
            throw LogSearch.Failure(description: "no database at \(path) (is --data-dir right?)", exitCode: 66)
        }
        let letters: [DeadLetter]
        let stats: DeadLetterStats
        do {
            let store = try DeadLetterStore(database: VigilDatabase(path: path))
            letters = try store.list(limit: options.limit, reason: options.reason)
            stats = try store.stats()
        } catch {
            throw LogSearch.Failure(description: "reading dead letters failed: \(error)", exitCode: 74)
        }
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let response = Response(count: letters.count, stored: stats.rows, evictedTotal: stats.evictedTotal, deadLetters: letters.map(Row.init))
            return String(decoding: (try? encoder.encode(response)) ?? Data("{}".utf8), as: UTF8.self)
        }
        guard !letters.isEmpty else {
            return "no dead letters (\(stats.evictedTotal) evicted since the database was created)"
        }
        var lines = ["ID\tTIME\tSOURCE\tPOSITION\tREASON\tSTATUS\tRAW"]
        for letter in letters {
            var raw = String(decoding: letter.raw.prefix(120), as: UTF8.self)
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            if letter.raw.count > 120 || letter.truncated { raw += "… (\(letter.rawLength) bytes)" }
            let reason = letter.detail.map { "\(letter.reason): \($0)" } ?? letter.reason
            lines.append("\(letter.id)\t\(RFC3339.format(millis: letter.timeMillis))\t\(letter.source)\t\(letter.position)\t\(reason)\t\(letter.statusCode.map(String.init) ?? "-")\t\(raw)")
        }
        lines.append("\(letters.count) shown, \(stats.rows) stored, \(stats.evictedTotal) evicted since the database was created")
        return lines.joined(separator: "\n")
    }
}
