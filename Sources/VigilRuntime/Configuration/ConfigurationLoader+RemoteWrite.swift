import VigilCore
import VigilHTTPClient
import VigilRemoteWrite
import Yams

extension ConfigurationLoader {
    static let remoteWriteKeys = ["url", "interval", "external_labels", "queue", "max_samples_per_request", "timeout",
                                  "connect_timeout", "backoff", "bearer_token_file", "bearer_token_env", "basic_auth", "tls"]

    /// `remote_write`: push the agent's own metrics to a Prometheus remote write receiver.
    static func readRemoteWrite(_ top: ObjectReader) -> RemoteWriteConfiguration? {
        guard top.child("remote_write") != nil else { return nil }
        var result: RemoteWriteConfiguration?
        top.object("remote_write", keys: remoteWriteKeys) { r in
            // Read on without a valid URL, so that one check reports every problem.
            let url = httpURL(r, "url")
            var c = RemoteWriteConfiguration(url: url ?? "")
            if let v = r.duration("interval", range: 0.1...86_400) { c.interval = .milliseconds(Int64(v * 1000)) }
            if let labels = r.child("external_labels") {
                if let mapping = labels.mapping {
                    for (key, value) in mapping {
                        let name = key.string ?? ""
                        let path = r.path("external_labels") + "." + name
                        guard MetricRegistry.isValidLabelName(name) else {
                            r.reader.report(key, path, "is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)")
                            continue
                        }
                        guard case .scalar(let scalar) = value, !scalar.string.isEmpty else {
                            r.reader.report(value, path, "expected a non-empty string, got \(r.reader.describe(value))")
                            continue
                        }
                        c.externalLabels[name] = scalar.string
                    }
                } else {
                    r.reader.report(labels, r.path("external_labels"), "expected a mapping of label name to value, got \(r.reader.describe(labels))")
                }
            }
            r.object("queue", keys: ["max_bytes", "max_requests"]) { q in
                if let v = q.bytes("max_bytes", range: (64 << 10)...(1 << 40)) { c.queueMaxBytes = Int(v) }
                if let v = q.int("max_requests", range: 1...10_000_000) { c.queueMaxRequests = v }
            }
            if let v = r.int("max_samples_per_request", range: 1...1_000_000) { c.maxSamplesPerRequest = v }
            if let v = r.duration("timeout", range: 0.1...600) { c.timeout = .milliseconds(Int64(v * 1000)) }
            if let v = r.duration("connect_timeout", range: 0.1...600) { c.connectTimeout = .milliseconds(Int64(v * 1000)) }
            r.object("backoff", keys: ["initial", "max"]) { b in
                if let v = b.duration("initial", range: 0.001...3_600) { c.backoffInitial = .milliseconds(Int64(v * 1000)) }
                if let v = b.duration("max", range: 0.001...86_400) { c.backoffMax = .milliseconds(Int64(v * 1000)) }
            }
            if c.backoffMax < c.backoffInitial {
                r.report("backoff", "max must not be smaller than initial")
            }
            let tokenFile = r.string("bearer_token_file"), tokenEnv = r.string("bearer_token_env")
            if tokenFile != nil || tokenEnv != nil {
                c.authentication = .bearer(HTTPSecretSource(file: tokenFile, environment: tokenEnv))
            }
            r.object("basic_auth", keys: ["username", "password_file", "password_env"]) { b in
                guard b.isPresent else { return }
                if tokenFile != nil || tokenEnv != nil {
                    r.report("basic_auth", "bearer_token_file/bearer_token_env and basic_auth exclude each other")
                    return
                }
                guard let user = b.string("username") else {
                    if b.child("username") == nil { b.report("username", "is required") }
                    return
                }
                let file = b.string("password_file"), env = b.string("password_env")
                if file == nil, env == nil { b.report("password_file", "password_file or password_env is required"); return }
                c.authentication = .basic(username: user, password: HTTPSecretSource(file: file, environment: env))
            }
            r.object("tls", keys: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"]) { t in
                if let v = t.string("ca_file") { c.tls.caFile = v }
                if let v = t.string("cert_file") { c.tls.certFile = v }
                if let v = t.string("key_file") { c.tls.keyFile = v }
                if let v = t.bool("insecure_skip_verify") { c.tls.insecureSkipVerify = v }
                if (c.tls.certFile == nil) != (c.tls.keyFile == nil) {
                    t.report(c.tls.certFile == nil ? "cert_file" : "key_file", "cert_file and key_file go together")
                }
            }
            if url != nil { result = c }
        }
        return result
    }
}
