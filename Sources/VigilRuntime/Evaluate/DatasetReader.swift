import Foundation
import VigilCore

/// An input file `vigil evaluate` / `vigil profile build` cannot use.
public struct DatasetReadError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var reason: String
    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)"
    }
}

/// Reads CSV (RFC 4180) or NDJSON files into a ``Dataset``.
///
/// The format follows the extension (`.csv`; `.ndjson`, `.jsonl`, `.json`), else the first non-blank byte
/// (`{` means NDJSON). NDJSON: one JSON object per line; nested objects are flattened — the keys of
/// `features` and `segment` become columns of their own name, other nested keys `parent.child`; a column is
/// numeric when all its present values are JSON numbers (booleans become the text `true`/`false`).
public enum DatasetReader {
    public enum Format: String, Sendable { case csv, ndjson }

    public static func read(path: String, format: Format? = nil) throws -> Dataset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetReadError(path: path, line: nil, reason: "cannot read the file")
        }
        let bytes = [UInt8](data)
        switch format ?? detect(path: path, bytes: bytes) {
        case .csv:
            do { return try CSVParser.parse(bytes) } catch {
                throw DatasetReadError(path: path, line: error.line, reason: error.reason)
            }
        case .ndjson:
            return try parseNDJSON(bytes, path: path)
        }
    }

    public static func detect(path: String, bytes: [UInt8]) -> Format {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") { return .ndjson }
        let first = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        return first == UInt8(ascii: "{") ? .ndjson : .csv
    }

    /// Parses NDJSON bytes (Foundation's JSON: fine for evaluation inputs, not for the agent's hot path).
    public static func parseNDJSON(_ bytes: [UInt8], path: String = "-") throws -> Dataset {
        var names: [String] = []
        var index: [String: Int] = [:]
        var cells: [[Any?]] = []   // per column
        var numeric: [Bool] = []
        var rows = 0
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw DatasetReadError(path: path, line: lineNumber, reason: "not valid JSON")
            }
            guard let dict = object as? [String: Any] else {
                throw DatasetReadError(path: path, line: lineNumber, reason: "not a JSON object")
            }
            var flat: [(String, Any)] = []
            flatten(dict, prefix: nil, into: &flat)
            for (key, value) in flat {
                let column: Int
                if let c = index[key] { column = c } else {
                    column = names.count
                    index[key] = column
                    names.append(key)
                    cells.append([Any?](repeating: nil, count: rows))
                    numeric.append(true)
                }
                if value is NSNull { continue }
                if let n = value as? NSNumber, !isBool(n) {
                    cells[column].append(n.doubleValue)
                } else {
                    numeric[column] = false
                    if let n = value as? NSNumber { cells[column].append(n.boolValue ? "true" : "false") }
                    else if let s = value as? String { cells[column].append(s) }
                    else { cells[column].append(String(describing: value)) }
                }
            }
            rows += 1
            for c in cells.indices where cells[c].count < rows { cells[c].append(nil) }
        }
        var columns: [(String, ColumnValues)] = []
        for (c, name) in names.enumerated() {
            if numeric[c] {
                columns.append((name, .numeric(cells[c].map { ($0 as? Double) ?? .nan })))
            } else {
                columns.append((name, .categorical(cells[c].map { value in
                    if let d = value as? Double { return ColumnValues.canonicalText(d) }
                    return value as? String
                })))
            }
        }
        return Dataset(columns: columns)
    }

    static func flatten(_ dict: [String: Any], prefix: String?, into out: inout [(String, Any)]) {
        for key in dict.keys.sorted() {
            let value = dict[key]!
            if let nested = value as? [String: Any] {
                let direct = prefix == nil && (key == "features" || key == "segment")
                flatten(nested, prefix: direct ? nil : (prefix.map { "\($0).\(key)" } ?? key), into: &out)
            } else {
                out.append((prefix.map { "\($0).\(key)" } ?? key, value))
            }
        }
    }

    static func isBool(_ n: NSNumber) -> Bool {
        // JSONSerialization's booleans are NSNumbers of ObjC type "c" (char); JSON numbers never are.
        String(cString: n.objCType) == "c"
    }
}
