import Foundation
import Logging
import VigilCore

/// A swift-log handler that writes one JSON object per line to stderr:
/// `{"ts":"2026-11-29T10:00:00.123Z","level":"info","logger":"vigil","msg":"agent started","listen":"127.0.0.1:9750"}`.
///
/// Vigil's own logs go to stderr only; they never enter its own pipeline unless a user tails them on purpose.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    /// Where each line goes (stderr unless a test captures them).
    private let output: @Sendable ([UInt8]) -> Void

    public init(label: String, level: Logger.Level, output: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.writeToStandardError) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    /// Writes a whole line to file descriptor 2.
    @Sendable public static func writeToStandardError(_ line: [UInt8]) {
        var bytes = line
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\"\(Self.timestamp())\",\"level\":\"\(event.level.rawValue)\",\"logger\":"
        Self.appendString(label, to: &line)
        line += ",\"msg\":"
        Self.appendString(event.message.description, to: &line)
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            line += ","
            Self.appendString(key, to: &line)
            line += ":"
            Self.appendValue(merged[key]!, to: &line)
        }
        line += "}\n"
        output(Array(line.utf8))
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return RFC3339.format(millis: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec / 1_000_000))
    }

    static func appendValue(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let s): appendString(s, to: &line)
        case .stringConvertible(let c):
            if let n = c as? any BinaryInteger { line += "\(n)" }
            else if let d = c as? Double, d.isFinite { line += "\(d)" }
            else if let b = c as? Bool { line += b ? "true" : "false" }
            else { appendString(c.description, to: &line) }
        case .array(let items):
            line += "["
            for (i, item) in items.enumerated() { if i > 0 { line += "," }; appendValue(item, to: &line) }
            line += "]"
        case .dictionary(let dict):
            line += "{"
            for (i, key) in dict.keys.sorted().enumerated() {
                if i > 0 { line += "," }
                appendString(key, to: &line); line += ":"; appendValue(dict[key]!, to: &line)
            }
            line += "}"
        }
    }

    static func appendString(_ s: String, to line: inout String) {
        var out: [UInt8] = []
        JSONString.appendQuoted(s.utf8, to: &out)
        line += String(decoding: out, as: UTF8.self)
    }
}
