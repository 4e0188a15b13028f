/// Parses CSV (RFC 4180) bytes into a column-oriented ``Dataset``. Pure; the caller reads the file.
///
/// - The first record is the header. Fields are separated by commas; a field may be quoted with `"`, inside
///   which commas, line breaks and doubled quotes (`""`) are literal. Records end with LF or CRLF; a final
///   line break is optional; blank lines are skipped.
/// - A column is numeric when every non-missing field parses as a number; otherwise categorical (text).
/// - Missing: an empty field, `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`, `None`. A record with fewer fields
///   than the header has the rest missing; extra fields are an error.
///
/// Numbers take a fast exact path (≤ 19 significant digits and a power of ten ≤ 22, Clinger's algorithm)
/// and fall back to the standard library's correctly-rounded parser otherwise.
public enum CSVParser {
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> Dataset {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ParseError) -> Dataset in try parse(buffer) }
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(ParseError) -> Dataset {
        var header: [String] = []
        // Field spans of all data records, row-major: start, end (exclusive). Quoted fields with escapes get a
        // negative start indexing `unescaped`.
        var spans: [Int] = []
        var unescaped: [[UInt8]] = []
        var columns = 0
        var rows = 0
        var i = 0
        let n = buffer.count
        var line = 1
        // Skip a UTF-8 byte-order mark.
        if n >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { i = 3 }
        var record: [Int] = []
        var isHeader = true
        while i < n {
            // One record.
            record.removeAll(keepingCapacity: true)
            let recordLine = line
            if buffer[i] == 0x0A { i += 1; line += 1; continue }                       // blank line
            if buffer[i] == 0x0D, i + 1 < n, buffer[i + 1] == 0x0A { i += 2; line += 1; continue }
            while true {
                if i < n, buffer[i] == 0x22 {
                    // Quoted field.
                    i += 1
                    let start = i
                    var escaped: [UInt8]? = nil
                    while true {
                        guard i < n else { throw ParseError(line: recordLine, reason: "unterminated quoted field") }
                        let c = buffer[i]
                        if c == 0x22 {
                            if i + 1 < n, buffer[i + 1] == 0x22 {
                                if escaped == nil { escaped = Array(buffer[start..<i]) }
                                escaped!.append(0x22)
                                i += 2
                                continue
                            }
                            break
                        }
                        if c == 0x0A { line += 1 }
                        escaped?.append(c)
                        i += 1
                    }
                    let end = i
                    i += 1   // closing quote
                    if let escaped {
                        unescaped.append(escaped)
                        record.append(-unescaped.count); record.append(0)
                    } else {
                        record.append(start); record.append(end)
                    }
                    guard i >= n || buffer[i] == 0x2C || buffer[i] == 0x0A || buffer[i] == 0x0D else {
                        throw ParseError(line: recordLine, reason: "unexpected character after a closing quote")
                    }
                } else {
                    let start = i
                    while i < n, buffer[i] != 0x2C, buffer[i] != 0x0A, buffer[i] != 0x0D { i += 1 }
                    record.append(start); record.append(i)
                }
                if i < n, buffer[i] == 0x2C { i += 1; continue }
                // End of record.
                if i < n, buffer[i] == 0x0D { i += 1 }
                if i < n, buffer[i] == 0x0A { i += 1; line += 1 }
                break
            }
            if isHeader {
                columns = record.count / 2
                for f in 0..<columns {
                    header.append(text(buffer, record[2 * f], record[2 * f + 1], unescaped))
                }
                isHeader = false
                continue
            }
            let fields = record.count / 2
            guard fields <= columns else {
                throw ParseError(line: recordLine, reason: "\(fields) fields, the header has \(columns)")
            }
            spans.append(contentsOf: record)
            for _ in fields..<columns { spans.append(0); spans.append(0) }   // missing trailing fields
            rows += 1
        }

        var result: [(String, ColumnValues)] = []
        result.reserveCapacity(columns)
        for c in 0..<columns {
            result.append((header[c], column(buffer, spans, unescaped, rows: rows, columns: columns, index: c)))
        }
        return Dataset(columns: result)
    }

    static func column(_ buffer: UnsafeBufferPointer<UInt8>, _ spans: [Int], _ unescaped: [[UInt8]],
                       rows: Int, columns: Int, index c: Int) -> ColumnValues {
        var numbers = [Double]()
        numbers.reserveCapacity(rows)
        var numeric = true
        for r in 0..<rows {
            let start = spans[2 * (r * columns + c)], end = spans[2 * (r * columns + c) + 1]
            let value: Double?
            if start < 0 {
                value = unescaped[-start - 1].withUnsafeBufferPointer { parseNumber($0, 0, $0.count) }
                if value == nil, !isMissing(unescaped[-start - 1].withUnsafeBufferPointer { $0 }, 0, unescaped[-start - 1].count) {
                    numeric = false; break
                }
            } else {
                value = parseNumber(buffer, start, end)
                if value == nil, !isMissing(buffer, start, end) { numeric = false; break }
            }
            numbers.append(value ?? .nan)
        }
        if numeric { return .numeric(numbers) }
        var strings = [String?]()
        strings.reserveCapacity(rows)
        // Short values (≤ 7 bytes, the usual categories) are interned by their packed bytes, so each distinct
        // value becomes a String once.
        var short: [UInt64: String] = [:]
        var interned: [String: String] = [:]
        for r in 0..<rows {
            let start = spans[2 * (r * columns + c)], end = spans[2 * (r * columns + c) + 1]
            if start >= 0 {
                if isMissing(buffer, start, end) { strings.append(nil); continue }
                if end - start <= 7 {
                    var key = UInt64(end - start)
                    for k in start..<end { key = key << 8 | UInt64(buffer[k]) }
                    if let existing = short[key] { strings.append(existing); continue }
                    let s = text(buffer, start, end, unescaped)
                    if short.count < 10_000 { short[key] = s }
                    strings.append(s)
                    continue
                }
            }
            let s = text(buffer, start, end, unescaped)
            if start < 0, s.isEmpty { strings.append(nil); continue }
            if let existing = interned[s] { strings.append(existing) } else {
                if interned.count < 10_000 { interned[s] = s }
                strings.append(s)
            }
        }
        return .categorical(strings)
    }

    static func text(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ unescaped: [[UInt8]]) -> String {
        if start < 0 { return String(decoding: unescaped[-start - 1], as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
    }

    static func isMissing(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let count = end - start
        if count == 0 { return true }
        if count > 4 { return false }
        // Packed into an integer: no allocation on the per-row path.
        var key: UInt32 = 0
        for k in start..<end { key = key << 8 | UInt32(b[k]) }
        return missingMarkers.contains(key)
    }

    /// `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`, `None`, packed big-endian.
    private static let missingMarkers: Set<UInt32> = Set(["NA", "N/A", "NaN", "nan", "null", "NULL", "None"].map { word in
        word.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    })

    private static let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                                1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// A number, or `nil` when the field is not one (missing markers included).
    public static func parseNumber(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        // Surrounding spaces are tolerated.
        var e = end
        while i < e, b[i] == 0x20 { i += 1 }
        while e > i, b[e - 1] == 0x20 { e -= 1 }
        guard i < e else { return nil }
        var negative = false
        if b[i] == 0x2D || b[i] == 0x2B { negative = b[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var exact = true
        while i < e, b[i] >= 0x30, b[i] <= 0x39 {
            sawDigit = true
            if digits < 19 { mantissa = mantissa * 10 + UInt64(b[i] - 0x30); if mantissa > 0 { digits += 1 } }
            else { exponent += 1; exact = false }
            i += 1
        }
        if i < e, b[i] == 0x2E {
            i += 1
            while i < e, b[i] >= 0x30, b[i] <= 0x39 {
                sawDigit = true
                if digits < 19 { mantissa = mantissa * 10 + UInt64(b[i] - 0x30); exponent -= 1; if mantissa > 0 { digits += 1 } }
                else { exact = false }
                i += 1
            }
        }
        guard sawDigit else { return slowParse(b, start, end) }
        if i < e, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            var expNegative = false
            if i < e, b[i] == 0x2D || b[i] == 0x2B { expNegative = b[i] == 0x2D; i += 1 }
            var value = 0
            var sawExp = false
            while i < e, b[i] >= 0x30, b[i] <= 0x39 {
                sawExp = true
                if value < 100_000 { value = value * 10 + Int(b[i] - 0x30) }
                i += 1
            }
            guard sawExp else { return nil }
            exponent += expNegative ? -value : value
        }
        guard i == e else { return nil }
        if exact, mantissa <= (1 << 53), exponent >= -22, exponent <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
            return negative ? -v : v
        }
        return slowParse(b, start, end)
    }

    static func slowParse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        let trimmed = s.csvTrimmingSpaces
        guard let v = Double(trimmed), v.isFinite || trimmed.lowercased().contains("inf") else { return nil }
        // Text that Double accepts but is not a plain number (hex floats, "nan") stays text.
        if trimmed.lowercased().hasPrefix("0x") || v.isNaN { return nil }
        return v
    }
}

extension String {
    var csvTrimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
