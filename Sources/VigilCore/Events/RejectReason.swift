/// Why an input line was not accepted as an event.
///
/// A closed set: each raw value is a value of the `reason` label of
/// `vigil_events_rejected_total{source,reason}` and of the dead-letter table's `reason` column,
/// so adding a case is a (small) change of the metrics contract.
public enum RejectReason: String, Sendable, CaseIterable, Hashable {
    /// The line is empty or only whitespace.
    case empty
    /// A string contains bytes that are not well-formed UTF-8 (RFC 3629).
    case invalidUTF8 = "invalid_utf8"
    /// The bytes are not JSON text (RFC 8259).
    case invalidJSON = "invalid_json"
    /// Valid JSON, but the top-level value is an array, string, number or literal.
    case notAnObject = "not_an_object"
    /// Objects/arrays nest deeper than the configured limit.
    case tooDeep = "too_deep"
    /// The line is longer than `max_line_bytes` (it was cut by the source or arrived whole but too long).
    case tooLarge = "too_large"
    /// The line contains a NUL byte (typical of sparse files after a copy-truncate or binary data).
    case nulByte = "nul_byte"
}
