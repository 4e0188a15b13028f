/// Why the model monitor did not use a prediction or label event.
///
/// A closed set: every line-level ``RejectReason`` (the same values, not a copy of them, so a dashboard reads both
/// families alike and a new line-level reason reaches the monitor too) plus the two schema reasons of DESIGN.md
/// "Events". Each raw value is a value of the `reason` label of `vigil_model_events_ignored_total{reason}` (with
/// `unknown_model`, which the monitor adds for a model it is not configured for), so adding a case is a (small)
/// change of the metrics contract.
///
/// ```swift
/// let cut = MonitorRejectReason(.tooLarge)              // .line(.tooLarge), raw value "too_large"
/// let schema = MonitorRejectReason(rawValue: "missing_field")   // .missingField
/// ```
public enum MonitorRejectReason: Sendable, Hashable, CaseIterable, RawRepresentable {
    /// The line itself was refused, as a log line would be.
    case line(RejectReason)
    /// A required field (`model`; for labels also `request_id` and `label`) is absent or `null`.
    case missingField
    /// A field has the wrong type or an impossible value (a `score` of 1.5, a feature that is an object).
    case invalidField

    /// The same reason as a line-level rejection.
    public init(_ reason: RejectReason) { self = .line(reason) }

    public init?(rawValue: String) {
        switch rawValue {
        case "missing_field": self = .missingField
        case "invalid_field": self = .invalidField
        default:
            guard let reason = RejectReason(rawValue: rawValue) else { return nil }
            self = .line(reason)
        }
    }

    public var rawValue: String {
        switch self {
        case .line(let reason): reason.rawValue
        case .missingField: "missing_field"
        case .invalidField: "invalid_field"
        }
    }

    public static var allCases: [MonitorRejectReason] { RejectReason.allCases.map(Self.line) + [.missingField, .invalidField] }
}
