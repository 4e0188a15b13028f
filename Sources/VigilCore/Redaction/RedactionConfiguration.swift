/// What to do with a configured field's value.
public enum FieldRedaction: String, Sendable, Hashable, CaseIterable {
    /// Remove the member from its object.
    case drop
    /// Replace the value with the string `"[masked]"`.
    case mask
    /// Replace the value with the lowercase hex HMAC-SHA-256 of its text under the configured key, so the
    /// same input always yields the same token and joins on the field still work.
    case hash
}

/// The `redact:` section of the configuration.
///
/// ```yaml
/// redact:
///   builtin: [email, phone, ipv4, ipv6, card, cn_id]   # default: all; `ip` means ipv4 + ipv6
///   disabled: [ipv6]                                  # off switch, by rule name
///   fields: { user_id: hash, password: drop, address: mask }
///   patterns: [ { name: order_token, regex: "ord_[A-Za-z0-9]{16}", replacement: "[order]" } ]
///   hash_key: "…"                                     # required when a field uses `hash`
/// ```
public struct RedactionConfiguration: Sendable {
    /// A configured regular expression; every match inside a string value is replaced by `replacement`
    /// (taken literally: no group references).
    public struct Pattern: Sendable, Hashable {
        public var name: String
        public var regex: String
        public var replacement: String

        public init(name: String, regex: String, replacement: String = "[redacted]") {
            self.name = name
            self.regex = regex
            self.replacement = replacement
        }
    }

    /// Built-in detectors to run. Default: all of them.
    public var builtin: [BuiltinRedactionRule]
    /// Rule names switched off: built-in names, `field:<name>` or a field name, or a pattern's name.
    public var disabled: [String]
    /// Field names (at any depth) and what to do with their values.
    public var fields: [String: FieldRedaction]
    /// Regular expressions over string values.
    public var patterns: [Pattern]
    /// The HMAC key for `hash` fields.
    public var hashKey: [UInt8]?

    public init(builtin: [BuiltinRedactionRule] = BuiltinRedactionRule.allCases, disabled: [String] = [],
                fields: [String: FieldRedaction] = [:], patterns: [Pattern] = [], hashKey: [UInt8]? = nil) {
        self.builtin = builtin
        self.disabled = disabled
        self.fields = fields
        self.patterns = patterns
        self.hashKey = hashKey
    }

    /// No redaction at all.
    public static let none = RedactionConfiguration(builtin: [])

    /// Parses built-in rule names as written in configuration (`ip` expands to `ipv4` and `ipv6`).
    /// - Throws: ``PipelineConfigurationError`` naming `path` and the unknown name.
    public static func builtinRules(_ names: [String], path: String = "redact.builtin") throws(PipelineConfigurationError)
        -> [BuiltinRedactionRule] {
        var rules: [BuiltinRedactionRule] = []
        for (i, name) in names.enumerated() {
            if name == "ip" {
                rules.append(contentsOf: [.ipv4, .ipv6])
            } else if let r = BuiltinRedactionRule(rawValue: name) {
                rules.append(r)
            } else {
                throw PipelineConfigurationError(
                    path: "\(path)[\(i)]",
                    message: "unknown rule '\(name)' (known: \(BuiltinRedactionRule.allCases.map(\.rawValue).joined(separator: ", ")), ip)")
            }
        }
        return rules
    }
}
