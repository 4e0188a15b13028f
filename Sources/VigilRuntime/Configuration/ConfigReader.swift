import Foundation
import Yams

/// Walks a composed YAML tree with the field path and source position at hand, collecting every
/// problem instead of stopping at the first, so `vigil config check` can report them all at once.
final class ConfigReader {
    let file: String
    private(set) var issues: [ConfigurationIssue] = []

    init(file: String) { self.file = file }

    func report(_ node: Node?, _ path: String, _ message: String) {
        let mark = node?.mark
        issues.append(ConfigurationIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                                         path: path, message: message))
    }

    /// Reads a mapping: calls `body` with an accessor, then reports unknown keys with a suggestion.
    func object(_ node: Node?, _ path: String, keys: [String], _ body: (ObjectReader) -> Void) {
        guard let node else { body(ObjectReader(reader: self, node: nil, path: path)); return }
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" {
            body(ObjectReader(reader: self, node: nil, path: path)); return
        }
        guard let mapping = node.mapping else {
            report(node, path, "expected a mapping (key: value), got \(describe(node))")
            return
        }
        var seen = Set<String>()
        for (key, _) in mapping {
            guard let name = key.string else { report(key, path, "keys must be strings"); continue }
            if !seen.insert(name).inserted {
                report(key, join(path, name), "duplicate key")
            }
            if !keys.contains(name) {
                var message = "unknown key \"\(name)\""
                if let guess = Self.suggestion(for: name, among: keys) { message += "; did you mean \"\(guess)\"?" }
                else { message += "; allowed keys: \(keys.joined(separator: ", "))" }
                report(key, join(path, name), message)
            }
        }
        body(ObjectReader(reader: self, node: node, path: path))
    }

    /// Reads a list of items, each at `path[i]`.
    func list(_ node: Node?, _ path: String, _ body: (Node, String) -> Void) {
        guard let node else { return }
        guard let sequence = node.sequence else {
            report(node, path, "expected a list, got \(describe(node))")
            return
        }
        for (i, item) in sequence.enumerated() { body(item, "\(path)[\(i)]") }
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "\"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The closest allowed key within an edit distance that makes a typo plausible.
    static func suggestion(for name: String, among keys: [String]) -> String? {
        var best: (String, Int)?
        for key in keys {
            let d = editDistance(Array(name.lowercased().utf8), Array(key.utf8))
            if d <= max(2, key.count / 3), d < (best?.1 ?? .max) { best = (key, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Typed access to one mapping's fields. Each accessor reports a wrong type or range at the
/// value's position and returns nil, so the caller keeps its default and validation continues.
struct ObjectReader {
    let reader: ConfigReader
    let node: Node?
    let path: String

    func child(_ key: String) -> Node? { node?.mapping?[key] }
    func path(_ key: String) -> String { reader.join(path, key) }
    var isPresent: Bool { node != nil }

    private func scalar(_ key: String, expected: String) -> (Node, String)? {
        guard let value = child(key) else { return nil }
        guard case .scalar(let s) = value else {
            reader.report(value, path(key), "expected \(expected), got \(reader.describe(value))")
            return nil
        }
        return (value, s.string)
    }

    func string(_ key: String, allowEmpty: Bool = false) -> String? {
        guard let (node, text) = scalar(key, expected: "a string") else { return nil }
        if !allowEmpty && text.isEmpty { reader.report(node, path(key), "must not be empty"); return nil }
        return text
    }

    func oneOf(_ key: String, _ allowed: [String]) -> String? {
        guard let (node, text) = scalar(key, expected: "one of \(allowed.joined(separator: ", "))") else { return nil }
        guard allowed.contains(text) else {
            var message = "must be one of \(allowed.joined(separator: ", ")), got \"\(text)\""
            if let guess = ConfigReader.suggestion(for: text, among: allowed) { message += "; did you mean \"\(guess)\"?" }
            reader.report(node, path(key), message)
            return nil
        }
        return text
    }

    func bool(_ key: String) -> Bool? {
        guard let (node, text) = scalar(key, expected: "true or false") else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: reader.report(node, path(key), "expected true or false, got \"\(text)\""); return nil
        }
    }

    func int(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let (node, text) = scalar(key, expected: "an integer") else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            reader.report(node, path(key), "expected an integer, got \"\(text)\""); return nil
        }
        guard range.contains(value) else {
            reader.report(node, path(key), "must be between \(range.lowerBound) and \(range.upperBound), got \(value)"); return nil
        }
        return value
    }

    func double(_ key: String, range: ClosedRange<Double>) -> Double? {
        guard let (node, text) = scalar(key, expected: "a number") else { return nil }
        guard let value = Double(text), value.isFinite else {
            reader.report(node, path(key), "expected a number, got \"\(text)\""); return nil
        }
        guard range.contains(value) else {
            reader.report(node, path(key), "must be between \(range.lowerBound) and \(range.upperBound), got \(text)"); return nil
        }
        return value
    }

    /// A size: a plain number of bytes or a number with a unit (KB, MB, GB, KiB, MiB, GiB).
    func bytes(_ key: String, range: ClosedRange<Int64>) -> Int64? {
        guard let (node, text) = scalar(key, expected: "a size") else { return nil }
        guard let value = ByteSize.parse(text) else {
            reader.report(node, path(key), "expected a size such as 1048576, 512KiB, 10MiB or 1GiB, got \"\(text)\""); return nil
        }
        guard range.contains(value) else {
            reader.report(node, path(key), "must be between \(range.lowerBound) and \(range.upperBound) bytes, got \(value)"); return nil
        }
        return value
    }

    /// A duration in seconds: `500ms`, `30s`, `15m`, `2h`, `7d`, or a plain number of seconds.
    func duration(_ key: String, range: ClosedRange<Double>) -> Double? {
        guard let (node, text) = scalar(key, expected: "a duration") else { return nil }
        let value: Double
        do {
            value = try DurationText.seconds(text)
        } catch {
            reader.report(node, path(key), "expected a duration such as 500ms, 30s, 15m, 2h or 7d, got \"\(text)\" (\(error))"); return nil
        }
        guard range.contains(value) else {
            reader.report(node, path(key), "must be between \(DurationText.format(range.lowerBound)) and \(DurationText.format(range.upperBound)), got \(text)"); return nil
        }
        return value
    }

    func stringList(_ key: String) -> [String]? {
        guard let value = child(key) else { return nil }
        if case .scalar(let s) = value { return [s.string] }
        guard let sequence = value.sequence else {
            reader.report(value, path(key), "expected a list of strings, got \(reader.describe(value))"); return nil
        }
        var out: [String] = []
        for (i, item) in sequence.enumerated() {
            guard case .scalar(let s) = item else {
                reader.report(item, "\(path(key))[\(i)]", "expected a string, got \(reader.describe(item))"); continue
            }
            out.append(s.string)
        }
        return out
    }

    func object(_ key: String, keys: [String], _ body: (ObjectReader) -> Void) {
        reader.object(child(key), path(key), keys: keys, body)
    }

    func list(_ key: String, _ body: (Node, String) -> Void) {
        reader.list(child(key), path(key), body)
    }

    func report(_ key: String, _ message: String) {
        reader.report(child(key) ?? node, path(key), message)
    }
}

/// Parses and prints sizes such as `10MiB`.
public enum ByteSize {
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
                                        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
                                        ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0 else { return nil }
            return Int64(value * Double(factor))
        }
        return Int64(trimmed)
    }
}
