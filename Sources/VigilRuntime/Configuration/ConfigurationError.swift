/// One problem found in a configuration file: where it is and what is wrong.
///
/// Rendered as `FILE:LINE:COLUMN: PATH: MESSAGE`, e.g.
/// `vigil.yaml:4:3: sinks.elasticsearch.url: expected an http:// or https:// URL, got "es:9200"`.
public struct ConfigurationIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted field path, with `[i]` for list items: `sources[1].paths`.
    public var path: String
    public var message: String

    public var description: String {
        let location = line > 0 ? "\(file):\(line):\(column)" : file
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// A configuration file that failed validation. Holds every issue found, not just the first.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigurationIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
