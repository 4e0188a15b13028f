import VigilCore
import VigilHTTPClient
import Yams

/// `controller:` — how `vigil controller` reads the fleet's rollout evidence from Prometheus (docs/fleet.md).
public struct ControllerSettings: Sendable, Equatable {
    /// The Prometheus (or Thanos, Mimir, VictoriaMetrics) base URL; `/api/v1/query` is appended.
    public var url = ""
    public var authentication: HTTPAuthentication = .none
    public var tls = CurlTLSOptions()
    /// Timeout of one query.
    public var timeoutSeconds: Double = 10
    /// Evaluation period.
    public var intervalSeconds: Double = 5
    /// A fleet target whose last scrape is older than this makes the evidence incomplete.
    public var stalenessSeconds: Double = 30
    /// Targets that exposed a rollout's series this recently must be up; also how far before the controller's
    /// first look the evidence window starts.
    public var lookbackSeconds: Double = 300
    public init() {}
}

extension ConfigurationLoader {
    static let rolloutEvaluators = ["agent", "controller"]

    /// `controller:`; see docs/configuration.md.
    static func readController(_ top: ObjectReader) -> ControllerSettings? {
        guard top.child("controller") != nil else { return nil }
        var c = ControllerSettings()
        top.object("controller", keys: ["prometheus", "interval", "staleness", "lookback"]) { r in
            if r.child("prometheus") == nil { r.reader.report(top.child("controller"), r.path("prometheus"), "is required: { url: http://prometheus:9090 }") }
            r.object("prometheus", keys: ["url", "bearer_token_file", "username", "password_file", "tls", "timeout"]) { p in
                if let url = p.string("url") {
                    if url.hasPrefix("http://") || url.hasPrefix("https://") {
                        c.url = url.hasSuffix("/") ? String(url.dropLast()) : url
                    } else {
                        p.report("url", "expected an http:// or https:// URL, got \"\(url)\"")
                    }
                } else if p.child("url") == nil {
                    p.reader.report(r.child("prometheus"), p.path("url"), "is required")
                }
                let token = p.string("bearer_token_file")
                let user = p.string("username")
                let password = p.string("password_file")
                if token != nil, user != nil || password != nil {
                    p.report("bearer_token_file", "use either bearer_token_file or username with password_file, not both")
                } else if let token {
                    c.authentication = .bearer(HTTPSecretSource(file: token))
                } else if let user {
                    if let password { c.authentication = .basic(username: user, password: HTTPSecretSource(file: password)) }
                    else { p.report("username", "needs password_file") }
                } else if password != nil {
                    p.report("password_file", "needs username")
                }
                p.object("tls", keys: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"]) { t in
                    if let v = t.string("ca_file") { c.tls.caFile = v }
                    if let v = t.string("cert_file") { c.tls.certFile = v }
                    if let v = t.string("key_file") { c.tls.keyFile = v }
                    if let v = t.bool("insecure_skip_verify") { c.tls.insecureSkipVerify = v }
                    if (c.tls.certFile == nil) != (c.tls.keyFile == nil) {
                        t.report(c.tls.certFile == nil ? "key_file" : "cert_file", "cert_file and key_file go together")
                    }
                }
                if let v = p.duration("timeout", range: 0.1...300) { c.timeoutSeconds = v }
            }
            if let v = r.duration("interval", range: 0.1...3_600) { c.intervalSeconds = v }
            if let v = r.duration("staleness", range: 1...3_600) { c.stalenessSeconds = v }
            if let v = r.duration("lookback", range: 1...86_400) { c.lookbackSeconds = v }
        }
        return c
    }

    /// Rollouts with `evaluator: controller` must not need evidence the controller cannot query (drift).
    static func checkControllerRollouts(_ config: AgentConfiguration, root: Node?, reader: ConfigReader) {
        for (i, d) in config.rollouts.enumerated() where config.controllerEvaluated.contains(d.model) {
            let node = root?.mapping?["rollouts"]?.sequence?[i].mapping?["evaluator"]
            if d.guardrails.contains(where: { if case .drift = $0.metric { true } else { false } }) {
                reader.report(node, "rollouts[\(i)].evaluator",
                              "evaluator: controller cannot read drift guardrails from Prometheus; remove the drift guardrail or use evaluator: agent")
            }
            if config.storage.shared == nil {
                reader.report(node, "rollouts[\(i)].evaluator",
                              "evaluator: controller needs storage.shared (the controller and the agents share the rollout state in PostgreSQL)")
            }
        }
    }
}
