extension ConfigurationLoader {
    static func readActions(_ top: ObjectReader, into actions: inout ActionSettings) {
        top.object("actions", keys: ["alertmanager", "webhooks"]) { a in
            a.object("alertmanager", keys: ["url", "resend_interval", "timeout", "runbook_base_url"]) { am in
                guard am.isPresent else { return }
                guard let url = httpURL(am, "url") else { return }
                var settings = AlertmanagerSettings(url: url)
                if let v = am.duration("resend_interval", range: 1...3_600) { settings.resendSeconds = v }
                if let v = am.duration("timeout", range: 0.1...300) { settings.timeoutSeconds = v }
                if let v = httpURL(am, "runbook_base_url", required: false) { settings.runbookBaseURL = v }
                actions.alertmanager = settings
            }
            a.list("webhooks") { node, path in
                a.reader.object(node, path, keys: ["url", "secret_file", "timeout", "max_attempts"]) { w in
                    guard let url = httpURL(w, "url") else { return }
                    var settings = WebhookSettings(url: url)
                    if let v = w.string("secret_file") { settings.secretFile = v }
                    if let v = w.duration("timeout", range: 0.1...300) { settings.timeoutSeconds = v }
                    if let v = w.int("max_attempts", range: 1...100) { settings.maxAttempts = v }
                    actions.webhooks.append(settings)
                }
            }
        }
    }

    /// An `http://` or `https://` URL without a trailing slash.
    static func httpURL(_ o: ObjectReader, _ key: String, required: Bool = true) -> String? {
        guard let text = o.string(key) else {
            if required, o.child(key) == nil { o.reader.report(o.node, o.path(key), "is required") }
            return nil
        }
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > 8 else {
            o.report(key, "expected an http:// or https:// URL, got \"\(text)\"")
            return nil
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
