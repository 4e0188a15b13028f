/// `actions:` — what Vigil tells the outside world when a rollout changes (docs/configuration.md).
public struct ActionSettings: Sendable, Equatable {
    public var alertmanager: AlertmanagerSettings?
    public var webhooks: [WebhookSettings] = []
    public init() {}
}

public struct AlertmanagerSettings: Sendable, Equatable {
    /// Alertmanager's base URL; alerts go to `<url>/api/v2/alerts`.
    public var url: String
    /// How often firing alerts are sent again (Alertmanager drops alerts that are not refreshed).
    public var resendSeconds: Double = 60
    public var timeoutSeconds: Double = 10
    /// Where the runbooks live; an alert's `runbook_url` is `<runbook_base_url>/<runbook>.md`.
    public var runbookBaseURL = "https://github.com/vigil/vigil/blob/main/docs/runbooks"
    public init(url: String) { self.url = url }
}

public struct WebhookSettings: Sendable, Equatable {
    public var url: String
    /// A file holding the HMAC secret (trailing newline ignored); without it requests are unsigned.
    public var secretFile: String?
    public var timeoutSeconds: Double = 10
    /// Attempts before a delivery is given up (logged and counted).
    public var maxAttempts = 8
    public init(url: String) { self.url = url }
}
