import Foundation
import VigilCore
import VigilPostgres
import VigilServer
import Yams

/// Reads and validates the agent's YAML configuration.
///
/// Every problem is collected with its file, line, column and field path; unknown keys get a
/// did-you-mean suggestion. `vigil config check` prints them all and exits 1.
public enum ConfigurationLoader {
    public static let topLevelKeys = ["server", "storage", "log", "auth", "sources", "fields", "redact", "metrics_from_logs", "sinks", "models", "rollouts", "actions", "slos", "remote_write", "controller"]

    /// Loads `path`, or returns the defaults when `path` is nil.
    public static func load(path: String?) throws(ConfigurationError) -> AgentConfiguration {
        guard let path else { return AgentConfiguration() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(file: path, line: 0, column: 0, path: "",
                                                                 message: "cannot read the file: \(error.localizedDescription)")])
        }
        var config = try parse(yaml: text, file: path)
        config.baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if let ca = config.storage.shared?.caFile, !ca.hasPrefix("/"), let base = config.baseDirectory {
            config.storage.shared?.caFile = base + "/" + ca
        }
        if let tls = config.server.tls {
            config.server.tls = resolveTLSFiles(tls, relativeTo: config.baseDirectory)
            try checkTLSFiles(config.server.tls!, file: path)
        }
        return config
    }

    public static func parse(yaml: String, file: String) throws(ConfigurationError) -> AgentConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(issues: [issue(from: error, file: file)])
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, line: 0, column: 0, path: "", message: "\(error)")])
        }
        let reader = ConfigReader(file: file)
        var config = AgentConfiguration()
        reader.object(root, "", keys: topLevelKeys) { top in
            readServer(top, into: &config.server)
            readStorage(top, into: &config.storage)
            readLog(top, into: &config.log)
            readAuth(top, into: &config.auth)
            if top.child("sources") != nil { config.sources = readSources(top) }
            readSinks(top, into: &config.sinks)
            readPipeline(top, into: &config.pipeline)
            config.models = readModels(top)
            config.rollouts = readRollouts(top, models: Set(config.models.map(\.name)), evaluators: &config.controllerEvaluated)
            config.controller = readController(top)
            readActions(top, into: &config.actions)
            config.slos = readSLOs(top, metrics: config.pipeline.metricsFromLogs)
            config.remoteWrite = readRemoteWrite(top)
        }
        if reader.issues.isEmpty { validatePipeline(config.pipeline, root: root, reader: reader) }
        if reader.issues.isEmpty { checkControllerRollouts(config, root: root, reader: reader) }
        if reader.issues.isEmpty, let problem = config.server.insecureTokenProblem(tokensConfigured: config.auth.isEnabled) {
            let listen = root?.mapping?["server"]?.mapping?["listen"]
            reader.report(listen ?? root?.mapping?["auth"], listen == nil ? "auth.tokens" : "server.listen", problem)
        }
        if reader.issues.isEmpty, let otlp = config.otlpSource {
            // The OTLP port takes the same bearer tokens, so it must pass the same rule as the API port.
            var listener = config.server
            listener.host = otlp.host
            if let problem = listener.insecureTokenProblem(tokensConfigured: config.auth.isEnabled) {
                let node = root?.mapping?["sources"]?.sequence?.first { $0.mapping?["type"]?.string == "otlp" }
                reader.report(node?.mapping?["listen"] ?? node, "sources.otlp.listen", problem)
            }
        }
        if !reader.issues.isEmpty { throw ConfigurationError(issues: reader.issues) }
        return config
    }

    static func issue(from error: YamlError, file: String) -> ConfigurationIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationIssue(file: file, line: mark.line, column: mark.column, path: "", message: "YAML syntax error: \(problem)")
        default:
            return ConfigurationIssue(file: file, line: 0, column: 0, path: "", message: "YAML error: \(error)")
        }
    }

    static func readServer(_ top: ObjectReader, into server: inout ServerSettings) {
        top.object("server", keys: ["listen", "max_body_bytes", "tls", "allow_insecure_tokens", "metrics"]) { s in
            if let listen = s.string("listen") {
                if let (host, port) = ServerSettings.parseListen(listen) {
                    server.host = host; server.port = port
                } else {
                    s.report("listen", "expected HOST:PORT such as 127.0.0.1:9750, got \"\(listen)\"")
                }
            }
            if let v = s.bytes("max_body_bytes", range: 1_024...(1 << 30)) { server.maxBodyBytes = v }
            if let v = s.bool("allow_insecure_tokens") { server.allowInsecureTokens = v }
            if s.child("tls") != nil { server.tls = readServerTLS(s) }
            s.object("metrics", keys: ["created_samples"]) { m in
                if let v = m.bool("created_samples") { server.metrics.createdSamples = v }
            }
        }
    }

    static func readServerTLS(_ server: ObjectReader) -> ServerTLSConfiguration? {
        var result: ServerTLSConfiguration?
        server.object("tls", keys: ["cert_file", "key_file", "client_ca_file", "reload_interval"]) { t in
            let cert = t.string("cert_file"), key = t.string("key_file")
            if cert == nil, t.child("cert_file") == nil { t.report("cert_file", "is required: the PEM certificate chain to serve") }
            if key == nil, t.child("key_file") == nil { t.report("key_file", "is required: the PEM private key of the certificate") }
            guard let cert, let key else { return }
            var tls = ServerTLSConfiguration(certificateFile: cert, privateKeyFile: key, clientCAFile: t.string("client_ca_file"))
            if let v = t.duration("reload_interval", range: 1...86_400) { tls.reloadIntervalSeconds = v }
            result = tls
        }
        return result
    }

    /// Relative TLS paths are relative to the configuration file's folder, as model profiles are.
    static func resolveTLSFiles(_ tls: ServerTLSConfiguration, relativeTo base: String?) -> ServerTLSConfiguration {
        guard let base else { return tls }
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).path }
        var out = tls
        out.certificateFile = resolve(tls.certificateFile)
        out.privateKeyFile = resolve(tls.privateKeyFile)
        out.clientCAFile = tls.clientCAFile.map(resolve)
        return out
    }

    /// `vigil config check` reports unreadable or unusable TLS files before the agent would fail on them.
    static func checkTLSFiles(_ tls: ServerTLSConfiguration, file: String) throws(ConfigurationError) {
        var issues: [ConfigurationIssue] = []
        for (key, path) in [("cert_file", tls.certificateFile), ("key_file", tls.privateKeyFile)] + (tls.clientCAFile.map { [("client_ca_file", $0)] } ?? [])
        where !FileManager.default.isReadableFile(atPath: path) {
            issues.append(ConfigurationIssue(file: file, line: 0, column: 0, path: "server.tls.\(key)", message: "cannot read \(path)"))
        }
        if issues.isEmpty {
            // Built once here as the agent will, so a bad PEM file or a key that does not fit fails the check too.
            do {
                _ = try TLSCertificateStore(configuration: tls)
            } catch let error as TLSCertificateStore.LoadError {
                let key = error.file == tls.certificateFile ? "cert_file" : error.file == tls.privateKeyFile ? "key_file" : "client_ca_file"
                issues.append(ConfigurationIssue(file: file, line: 0, column: 0, path: "server.tls.\(key)", message: error.description))
            } catch {
                issues.append(ConfigurationIssue(file: file, line: 0, column: 0, path: "server.tls", message: "\(error)"))
            }
        }
        if !issues.isEmpty { throw ConfigurationError(issues: issues) }
    }

    static func readStorage(_ top: ObjectReader, into storage: inout StorageSettings) {
        top.object("storage", keys: ["data_dir", "spool", "dead_letters", "shared"]) { s in
            if let v = s.string("data_dir") { storage.dataDir = v }
            s.object("spool", keys: ["max_bytes", "when_full", "synchronous"]) { spool in
                if let v = spool.bytes("max_bytes", range: (1 << 20)...(1 << 50)) { storage.spoolMaxBytes = v }
                if let v = spool.oneOf("when_full", SpoolWhenFull.allCases.map(\.rawValue)) { storage.spoolWhenFull = SpoolWhenFull(rawValue: v)! }
                if let v = spool.oneOf("synchronous", SynchronousLevel.allCases.map(\.rawValue)) { storage.synchronous = SynchronousLevel(rawValue: v)! }
            }
            s.object("dead_letters", keys: ["max_bytes"]) { dl in
                if let v = dl.bytes("max_bytes", range: (1 << 16)...(1 << 40)) { storage.deadLetterMaxBytes = v }
            }
            if s.child("shared") != nil { storage.shared = readShared(s) }
        }
    }

    /// `storage.shared`: the URL is required; its password, if written inline, never appears in a message.
    static func readShared(_ storage: ObjectReader) -> SharedStateConfiguration? {
        var result: SharedStateConfiguration?
        storage.object("shared", keys: ["url", "password_file", "tls", "timeout", "label_join_grace"]) { s in
            guard let url = s.string("url") else {
                if s.child("url") == nil { s.reader.report(storage.child("shared"), s.path("url"), "is required: postgres://USER@HOST:PORT/DATABASE") }
                return
            }
            var c: SharedStateConfiguration
            do { c = try SharedStateConfiguration(url: url) } catch {
                s.report("url", "\(error)"); return
            }
            if let v = s.string("password_file") { c.passwordFile = v }
            s.object("tls", keys: ["mode", "ca_file"]) { t in
                if let v = t.oneOf("mode", SharedStateConfiguration.TLSMode.allCases.map(\.rawValue)) { c.tls = .init(rawValue: v)! }
                if let v = t.string("ca_file") {
                    c.caFile = v
                    if c.tls != .verifyFull, t.child("mode") != nil { t.report("ca_file", "is read only with mode: verify_full") }
                    if t.child("mode") == nil { c.tls = .verifyFull }
                }
            }
            if let v = s.duration("timeout", range: 0.1...300) { c.timeoutMillis = Int64(v * 1000) }
            if let v = s.duration("label_join_grace", range: 0...3600) { c.labelJoinGraceMillis = Int64(v * 1000) }
            result = c
        }
        return result
    }

    static func readLog(_ top: ObjectReader, into log: inout LogSettings) {
        top.object("log", keys: ["level"]) { l in
            if let v = l.oneOf("level", LogLevelName.allCases.map(\.rawValue)) { log.level = LogLevelName(rawValue: v)! }
        }
    }

    static func readAuth(_ top: ObjectReader, into auth: inout AuthSettings) {
        top.object("auth", keys: ["tokens"]) { a in
            var names: [String: String] = [:]     // name -> path of its first use
            var digests: [[UInt8]: String] = [:]  // digest -> path of its first use
            a.list("tokens") { node, path in
                a.reader.object(node, path, keys: ["name", "sha256", "roles"]) { t in
                    let name = t.string("name")
                    if name == nil, t.child("name") == nil { t.reader.report(node, t.path("name"), "is required") }
                    // Decoded here, once: requests compare bytes, never hex.
                    var digest: [UInt8]?
                    if let hex = t.string("sha256") {
                        digest = Self.decodeSHA256(hex)
                        if digest == nil {
                            t.report("sha256", "expected 64 hexadecimal digits (the SHA-256 of the token, e.g. from `printf %s TOKEN | sha256sum`)")
                        }
                    } else if t.child("sha256") == nil {
                        t.reader.report(node, t.path("sha256"), "is required")
                    }
                    var roles = Set<Role>()
                    if let list = t.stringList("roles") {
                        for (i, r) in list.enumerated() {
                            if let role = Role(rawValue: r) { roles.insert(role) } else {
                                var message = "unknown role \"\(r)\"; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))"
                                if let guess = ConfigReader.suggestion(for: r, among: Role.allCases.map(\.rawValue)) { message += "; did you mean \"\(guess)\"?" }
                                t.reader.report(t.child("roles")?.sequence?[i] ?? node, "\(t.path("roles"))[\(i)]", message)
                            }
                        }
                        if list.isEmpty { t.report("roles", "a token needs at least one role") }
                    } else if t.child("roles") == nil {
                        t.reader.report(node, t.path("roles"), "is required")
                    }
                    // A repeated name makes the audit log ambiguous; a repeated digest makes the roles depend on order.
                    if let name {
                        if let first = names[name] { t.report("name", "the name \"\(name)\" is already used by \(first)") } else { names[name] = path }
                    }
                    if let digest {
                        if let first = digests[digest] { t.report("sha256", "the same token digest as \(first)") } else { digests[digest] = path }
                    }
                    if let name, let digest {
                        auth.tokens.append(TokenSettings(name: name, sha256: digest, roles: roles))
                    }
                }
            }
        }
    }

    /// The 32 bytes of a 64-digit hexadecimal SHA-256, or nil.
    static func decodeSHA256(_ hex: String) -> [UInt8]? {
        hex.utf8.count == 64 ? SHA256.bytes(hex: Array(hex.utf8)) : nil
    }

    static func readSources(_ top: ObjectReader) -> [SourceSettings] {
        var sources: [SourceSettings] = []
        top.list("sources") { node, path in
            let type = node.mapping?["type"]?.string
            switch type {
            case "file":
                top.reader.object(node, path, keys: ["type", "name", "paths", "exclude", "format", "start_at",
                                                     "scan_interval", "idle_flush", "max_line_bytes"]) { f in
                    var file = FileSourceSettings()
                    if let v = f.string("name") { file.name = v }
                    if let v = f.stringList("paths") { file.paths = v }
                    if file.paths.isEmpty { f.reader.report(f.child("paths") ?? node, f.path("paths"), "a file source needs at least one path or glob pattern") }
                    for (i, p) in file.paths.enumerated() where !p.hasPrefix("/") && !p.hasPrefix(".") {
                        f.reader.report(f.child("paths")?.sequence?[i] ?? node, "\(f.path("paths"))[\(i)]",
                                        "paths must be absolute or start with ./, got \"\(p)\"")
                    }
                    if let v = f.stringList("exclude") { file.exclude = v }
                    if let v = f.oneOf("format", LineFormat.allCases.map(\.rawValue)) { file.format = LineFormat(rawValue: v)! }
                    if let v = f.oneOf("start_at", FileStartPosition.allCases.map(\.rawValue)) { file.startAt = FileStartPosition(rawValue: v)! }
                    if let v = f.duration("scan_interval", range: 0.05...3_600) { file.scanIntervalSeconds = v }
                    if let v = f.duration("idle_flush", range: 0.01...3_600) { file.idleFlushSeconds = v }
                    if let v = f.bytes("max_line_bytes", range: 256...(64 << 20)) { file.maxLineBytes = Int(v) }
                    sources.append(.file(file))
                }
            case "http":
                top.reader.object(node, path, keys: ["type"]) { _ in sources.append(.http(HTTPSourceSettings())) }
            case "otlp":
                top.reader.object(node, path, keys: ["type", "listen", "max_request_bytes"]) { o in
                    var otlp = OTLPSourceSettings()
                    if let listen = o.string("listen") {
                        if let (host, port) = ServerSettings.parseListen(listen) {
                            otlp.host = host; otlp.port = port
                        } else {
                            o.report("listen", "expected HOST:PORT such as 127.0.0.1:4318, got \"\(listen)\"")
                        }
                    }
                    if let v = o.bytes("max_request_bytes", range: 1_024...(1 << 30)) { otlp.maxRequestBytes = v }
                    if sources.contains(where: { if case .otlp = $0 { return true } else { return false } }) {
                        top.reader.report(node.mapping?["type"], "\(path).type", "only one otlp source is allowed (it is one listener)")
                    } else {
                        sources.append(.otlp(otlp))
                    }
                }
            case "stdin":
                top.reader.object(node, path, keys: ["type", "format"]) { s in
                    var stdin = StdinSourceSettings()
                    if let v = s.oneOf("format", LineFormat.allCases.map(\.rawValue)) { stdin.format = LineFormat(rawValue: v)! }
                    sources.append(.stdin(stdin))
                }
            case nil:
                top.reader.report(node, "\(path).type", "is required: one of file, http, stdin, otlp")
            case let other?:
                var message = "unknown source type \"\(other)\"; types are file, http, stdin, otlp"
                if let guess = ConfigReader.suggestion(for: other, among: ["file", "http", "stdin", "otlp"]) { message += "; did you mean \"\(guess)\"?" }
                top.reader.report(node.mapping?["type"], "\(path).type", message)
            }
        }
        return sources
    }

    static func readSinks(_ top: ObjectReader, into sinks: inout SinkSettings) {
        top.object("sinks", keys: ["local", "elasticsearch"]) { s in
            sinks.elasticsearch = readElasticsearch(s)
            s.object("local", keys: ["retention", "max_bytes"]) { l in
                if let v = l.duration("retention", range: 60...(3_650 * 86_400)) { sinks.local.retentionSeconds = v }
                if let v = l.bytes("max_bytes", range: (1 << 20)...(1 << 50)) { sinks.local.maxBytes = v }
            }
        }
    }
}
