/// Why the model monitor did not use a prediction or label event.
///
/// A closed set: the line-level reasons of ``RejectReason`` (same raw values, so a dashboard reads both
/// families alike) plus the two schema reasons of DESIGN.md "Events". Each raw value is a value of the
/// `reason` label of `vigil_model_events_ignored_total{reason}` (with `unknown_model`, which the monitor adds
/// for a model it is not configured for), so adding a case is a (small) change of the metrics contract.
public enum MonitorRejectReason: String, Sendable, CaseIterable, Hashable {
    case empty
    case invalidUTF8 = "invalid_utf8"
    case invalidJSON = "invalid_json"
    case notAnObject = "not_an_object"
    case tooDeep = "too_deep"
    case tooLarge = "too_large"
    case nulByte = "nul_byte"
    /// A required field (`model`; for labels also `request_id` and `label`) is absent or `null`.
    case missingField = "missing_field"
    /// A field has the wrong type or an impossible value (a `score` of 1.5, a feature that is an object).
    case invalidField = "invalid_field"

    /// The same reason as a line-level rejection.
    public init(_ reason: RejectReason) {
        switch reason {
        case .empty: self = .empty
        case .invalidUTF8: self = .invalidUTF8
        case .invalidJSON: self = .invalidJSON
        case .notAnObject: self = .notAnObject
        case .tooDeep: self = .tooDeep
        case .tooLarge: self = .tooLarge
        case .nulByte: self = .nulByte
        }
    }
}
