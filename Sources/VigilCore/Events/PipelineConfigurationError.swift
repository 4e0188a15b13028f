/// A configuration value that cannot work, with the path of the offending key (e.g. `redact.fields.user_id`).
public struct PipelineConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
