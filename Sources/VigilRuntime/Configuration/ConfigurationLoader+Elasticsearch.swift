import Foundation
import VigilElasticsearch
import VigilGzip

extension ConfigurationLoader {
    static let elasticsearchKeys = ["url", "hosts", "failover", "index", "data_stream", "dataset", "pipeline", "auth", "tls", "gzip_level", "gzip_library", "batch",
                                    "max_in_flight", "request_timeout", "connect_timeout", "backoff", "max_retries",
                                    "shutdown_timeout", "host_name"]

    /// `sinks.elasticsearch`: when present, events are shipped there instead of the embedded store.
    static func readElasticsearch(_ sinks: ObjectReader) -> ElasticsearchConfiguration? {
        guard sinks.child("elasticsearch") != nil else { return nil }
        var es = ElasticsearchConfiguration()
        sinks.object("elasticsearch", keys: elasticsearchKeys) { e in
            if e.child("hosts") != nil {
                if e.child("url") != nil {
                    e.report("hosts", "give either url (one host) or hosts (several), not both")
                }
                e.list("hosts") { node, path in
                    guard case let .scalar(text) = node, !text.string.isEmpty else {
                        e.reader.report(node, path, "expected an http:// or https:// URL, got \(e.reader.describe(node))")
                        return
                    }
                    let url = text.string
                    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                        e.reader.report(node, path, "expected an http:// or https:// URL, got \"\(url)\"")
                        return
                    }
                    if es.hosts.contains(where: { ElasticsearchConfiguration.hostLabel($0) == ElasticsearchConfiguration.hostLabel(url) }) {
                        e.reader.report(node, path, "\(ElasticsearchConfiguration.hostLabel(url)) is listed twice")
                        return
                    }
                    es.hosts.append(url)
                }
                if e.child("hosts")?.sequence?.isEmpty == true { e.report("hosts", "must list at least one URL") }
                if let first = es.hosts.first { es.url = first }
            } else if let url = e.string("url") {
                if url.hasPrefix("http://") || url.hasPrefix("https://") { es.url = url }
                else { e.report("url", "expected an http:// or https:// URL, got \"\(url)\"") }
            } else if e.child("url") == nil {
                e.reader.report(sinks.child("elasticsearch"), e.path("url"), "is required (or hosts)")
            }
            e.object("failover", keys: ["health_check_interval", "backoff_initial", "backoff_max"]) { f in
                if let v = f.duration("health_check_interval", range: 0.01...3_600) { es.failover.healthCheckInterval = .milliseconds(Int64(v * 1000)) }
                if let v = f.duration("backoff_initial", range: 0.001...3_600) { es.failover.backoffInitial = .milliseconds(Int64(v * 1000)) }
                if let v = f.duration("backoff_max", range: 0.001...86_400) { es.failover.backoffMax = .milliseconds(Int64(v * 1000)) }
            }
            if let v = e.string("index") { es.index = v }
            e.object("data_stream", keys: ["dataset", "namespace"]) { d in
                guard d.isPresent else { return }
                var stream = ElasticsearchConfiguration.DataStream()
                if let v = d.string("dataset") { stream.dataset = v }
                if let v = d.string("namespace") { stream.namespace = v }
                es.dataStream = stream
            }
            if let v = e.string("dataset") { es.dataset = v }
            if let v = e.string("pipeline") { es.pipeline = v }
            e.object("auth", keys: ["type", "username", "password_file", "password_env", "api_key_file", "api_key_env", "token_file", "token_env"]) { a in
                if let v = a.oneOf("type", ElasticsearchConfiguration.Auth.Kind.allCases.map(\.rawValue)) { es.auth.type = .init(rawValue: v)! }
                if let v = a.string("username") { es.auth.username = v }
                if let v = a.string("password_file") { es.auth.passwordFile = v }
                if let v = a.string("password_env") { es.auth.passwordEnv = v }
                if let v = a.string("api_key_file") { es.auth.apiKeyFile = v }
                if let v = a.string("api_key_env") { es.auth.apiKeyEnv = v }
                if let v = a.string("token_file") { es.auth.tokenFile = v }
                if let v = a.string("token_env") { es.auth.tokenEnv = v }
            }
            e.object("tls", keys: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"]) { t in
                if let v = t.string("ca_file") { es.tls.caFile = v }
                if let v = t.string("cert_file") { es.tls.certFile = v }
                if let v = t.string("key_file") { es.tls.keyFile = v }
                if let v = t.bool("insecure_skip_verify") { es.tls.insecureSkipVerify = v }
            }
            if let v = e.int("gzip_level", range: 0...9) { es.gzipLevel = v }
            if let v = e.oneOf("gzip_library", GzipLibrary.allCases.map(\.rawValue)) { es.gzipLibrary = GzipLibrary(rawValue: v)! }
            e.object("batch", keys: ["max_bytes", "max_events", "timeout"]) { b in
                if let v = b.bytes("max_bytes", range: 1_024...(100 << 20)) { es.batch.maxBytes = Int(v) }
                if let v = b.int("max_events", range: 1...100_000) { es.batch.maxEvents = v }
                if let v = b.duration("timeout", range: 0.001...600) { es.batch.timeout = .milliseconds(Int64(v * 1000)) }
            }
            if let v = e.int("max_in_flight", range: 1...64) { es.maxInFlight = v }
            if let v = e.duration("request_timeout", range: 0.1...3_600) { es.requestTimeout = .milliseconds(Int64(v * 1000)) }
            if let v = e.duration("connect_timeout", range: 0.1...600) { es.connectTimeout = .milliseconds(Int64(v * 1000)) }
            e.object("backoff", keys: ["initial", "max"]) { b in
                if let v = b.duration("initial", range: 0.001...3_600) { es.backoff.initial = .milliseconds(Int64(v * 1000)) }
                if let v = b.duration("max", range: 0.001...86_400) { es.backoff.max = .milliseconds(Int64(v * 1000)) }
            }
            if let v = e.int("max_retries", range: 0...1_000_000) { es.maxRetries = v }
            if let v = e.duration("shutdown_timeout", range: 0...3_600) { es.shutdownTimeout = .milliseconds(Int64(v * 1000)) }
            if let v = e.string("host_name") { es.hostName = v }
            if e.reader.issues.isEmpty {
                for problem in es.validationErrors() {
                    e.reader.report(sinks.child("elasticsearch"), "sinks.elasticsearch", problem.replacingOccurrences(of: "elasticsearch.", with: "sinks.elasticsearch."))
                }
            }
        }
        return es
    }
}
