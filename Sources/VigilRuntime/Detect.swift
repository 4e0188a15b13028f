import Foundation
import VigilCore

/// `vigil detect`: runs one streaming drift detector over a stream of numbers and reports, as JSON, the
/// 0-based indices at which it signalled warnings and drifts — so anyone can compare Vigil's detectors with
/// another implementation (River, MOA) on their own data.
///
/// Input: one number per line, or one column of a CSV file with a header row (`column`). Blank lines are
/// skipped and indices count values, not lines. Binary detectors also accept `true`/`false`.
public enum Detect {
    public struct Options: Sendable {
        public var detector: String
        /// River-named parameters, `name=value` already split.
        public var parameters: [String: String]
        /// CSV column to read; `nil` reads one number per line.
        public var column: String?

        public init(detector: String, parameters: [String: String] = [:], column: String? = nil) {
            self.detector = detector
            self.parameters = parameters
            self.column = column
        }
    }

    /// What the detector reported.
    public struct Report: Sendable {
        public var detector: String
        public var parameters: [(name: String, value: DriftParameterValue)]
        public var warnings: [Int]
        public var drifts: [Int]
        public var count: Int

        /// `{"detector":…,"params":{…},"warnings":[…],"drifts":[…],"count":N}` on one line.
        public var json: String {
            var out = "{\"detector\":\(jsonString(detector)),\"params\":{"
            out += parameters.map { "\(jsonString($0.name)):\(jsonValue($0.value))" }.joined(separator: ",")
            out += "},\"warnings\":[" + warnings.map(String.init).joined(separator: ",")
            out += "],\"drifts\":[" + drifts.map(String.init).joined(separator: ",")
            out += "],\"count\":\(count)}"
            return out
        }
    }

    /// A problem with the arguments or the input (exit status 1).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Splits `name=value` arguments.
    public static func parseParameters(_ arguments: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else {
                throw Failure("--param expects name=value, got '\(argument)'")
            }
            out[String(argument[..<eq])] = String(argument[argument.index(after: eq)...])
        }
        return out
    }

    /// Runs the detector over `input` (the whole file or standard input).
    public static func run(_ options: Options, input: [UInt8]) throws -> Report {
        let resolved: DriftDetectorFactory.Resolved
        do {
            resolved = try DriftDetectorFactory.resolve(options.detector, parameters: options.parameters)
        } catch let error as DriftConfigurationError {
            throw Failure(error.parameter == "detector" ? error.reason : error.description)
        }
        var detector = resolved.detector
        var warnings: [Int] = [], drifts: [Int] = []
        var count = 0
        try forEachValue(input, column: options.column, binary: resolved.kind.isBinary) { x in
            detector.update(x)
            if detector.warningDetected { warnings.append(count) }
            if detector.driftDetected { drifts.append(count) }
            count += 1
        }
        return Report(detector: resolved.kind.rawValue, parameters: resolved.parameters,
                      warnings: warnings, drifts: drifts, count: count)
    }

    /// Calls `body` with each value of the input, in order; errors name the 1-based line.
    static func forEachValue(_ input: [UInt8], column: String?, binary: Bool, _ body: (Double) throws -> Void) throws {
        var columnIndex: Int?
        var lineNumber = 0
        var start = 0
        let newline = UInt8(ascii: "\n")
        try input.withUnsafeBufferPointer { bytes in
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != newline { end += 1 }
                lineNumber += 1
                var lineEnd = end
                if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<lineEnd])
                start = end + 1
                if let column {
                    let fields = splitCSV(line)
                    guard let index = columnIndex else {
                        guard let i = fields.firstIndex(of: column) else {
                            throw Failure("line \(lineNumber): no column '\(column)' in the header (\(fields.joined(separator: ", ")))")
                        }
                        columnIndex = i
                        continue
                    }
                    if fields.count == 1 && fields[0].allSatisfy(\.isWhitespace) { continue }
                    guard index < fields.count else {
                        throw Failure("line \(lineNumber): only \(fields.count) fields, column '\(column)' missing")
                    }
                    try body(parseValue(Substring(fields[index]), line: lineNumber, binary: binary))
                } else {
                    if isBlank(line) { continue }
                    if let x = fastNumber(line) {
                        try body(x)
                    } else {
                        try body(parseValue(Substring(decoding: line, as: UTF8.self), line: lineNumber, binary: binary))
                    }
                }
            }
        }
        if column != nil && columnIndex == nil {
            throw Failure("the input is empty: no header with column '\(column!)'")
        }
    }

    private static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in line where b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") { return false }
        return true
    }

    /// The common case without allocation: a short, finite decimal number (C `strtod`, correctly rounded
    /// like Swift's `Double(_:)`); `nil` sends the line to the general path, which reports errors.
    private static func fastNumber(_ line: UnsafeBufferPointer<UInt8>) -> Double? {
        var s = 0, e = line.count
        while s < e && (line[s] == 32 || line[s] == 9) { s += 1 }
        while e > s && (line[e - 1] == 32 || line[e - 1] == 9) { e -= 1 }
        let length = e - s
        guard length > 0 && length < 64 else { return nil }
        for i in s..<e {
            let b = line[i]
            // Digits, sign, point and exponent only (strtod would also take hex, "inf", "nan").
            guard (b >= 48 && b <= 57) || b == 45 || b == 43 || b == 46 || b == 101 || b == 69 else { return nil }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            for i in 0..<length { buffer[i] = CChar(bitPattern: line[s + i]) }
            buffer[length] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard end == buffer.baseAddress! + length, value.isFinite else { return nil }
            return value
        }
    }

    private static func parseValue(_ text: Substring, line: Int, binary: Bool) throws -> Double {
        var t = text
        while let f = t.first, f == " " || f == "\t" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" { t = t.dropLast() }
        if let x = Double(t), x.isFinite { return x }
        if binary {
            switch t.lowercased() {
            case "true": return 1
            case "false": return 0
            default: break
            }
        }
        throw Failure("line \(line): '\(t)' is not a finite number")
    }

    /// RFC 4180 fields of one line (quotes, doubled quotes inside quotes).
    static func splitCSV(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var i = 0
        while i < line.count {
            let b = line[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < line.count && line[i + 1] == UInt8(ascii: "\"") {
                        current.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(b)
                }
            } else if b == UInt8(ascii: "\"") {
                inQuotes = true
            } else if b == UInt8(ascii: ",") {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
            i += 1
        }
        fields.append(String(decoding: current, as: UTF8.self))
        return fields
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func jsonNumber(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    private static func jsonValue(_ v: DriftParameterValue) -> String {
        switch v {
        case .int(let i): String(i)
        case .double(let d): jsonNumber(d)
        case .bool(let b): b ? "true" : "false"
        case .string(let s): jsonString(s)
        case .doubles(let ds): "[" + ds.map(jsonNumber).joined(separator: ",") + "]"
        }
    }
}
