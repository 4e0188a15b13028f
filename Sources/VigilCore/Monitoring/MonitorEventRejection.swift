/// A prediction or label event the monitor cannot use: the reason, the field at fault (dotted for nested
/// members: `features.age`) and a message naming it.
public struct MonitorEventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: MonitorRejectReason
    /// The field at fault; nil for line-level reasons (the bytes are not one JSON object).
    public var field: String?
    /// e.g. `field "score" must be a number between 0 and 1, got a string`.
    public var message: String

    public init(reason: MonitorRejectReason, field: String?, message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
