import Foundation
import VigilCore
import Yams

/// Reads and validates the agent's YAML configuration.
///
/// Every problem is collected with its file, line, column and field path; unknown keys get a
/// did-you-mean suggestion. `vigil config check` prints them all and exits 1.
public enum ConfigurationLoader {
    public static let topLevelKeys = ["server", "storage", "log", "auth", "sources", "fields", "redact", "metrics_from_logs", "sinks", "models"]

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
        }
        if reader.issues.isEmpty { validatePipeline(config.pipeline, root: root, reader: reader) }
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
        top.object("server", keys: ["listen", "max_body_bytes", "metrics"]) { s in
            if let listen = s.string("listen") {
                if let (host, port) = ServerSettings.parseListen(listen) {
                    server.host = host; server.port = port
                } else {
                    s.report("listen", "expected HOST:PORT such as 127.0.0.1:9750, got \"\(listen)\"")
                }
            }
            if let v = s.bytes("max_body_bytes", range: 1_024...(1 << 30)) { server.maxBodyBytes = v }
            s.object("metrics", keys: ["created_samples"]) { m in
                if let v = m.bool("created_samples") { server.metrics.createdSamples = v }
            }
        }
    }

    static func readStorage(_ top: ObjectReader, into storage: inout StorageSettings) {
        top.object("storage", keys: ["data_dir", "spool", "dead_letters"]) { s in
            if let v = s.string("data_dir") { storage.dataDir = v }
            s.object("spool", keys: ["max_bytes", "when_full", "synchronous"]) { spool in
                if let v = spool.bytes("max_bytes", range: (1 << 20)...(1 << 50)) { storage.spoolMaxBytes = v }
                if let v = spool.oneOf("when_full", SpoolWhenFull.allCases.map(\.rawValue)) { storage.spoolWhenFull = SpoolWhenFull(rawValue: v)! }
                if let v = spool.oneOf("synchronous", SynchronousLevel.allCases.map(\.rawValue)) { storage.synchronous = SynchronousLevel(rawValue: v)! }
            }
            s.object("dead_letters", keys: ["max_bytes"]) { dl in
                if let v = dl.bytes("max_bytes", range: (1 << 16)...(1 << 40)) { storage.deadLetterMaxBytes = v }
            }
        }
    }

    static func readLog(_ top: ObjectReader, into log: inout LogSettings) {
        top.object("log", keys: ["level"]) { l in
            if let v = l.oneOf("level", LogLevelName.allCases.map(\.rawValue)) { log.level = LogLevelName(rawValue: v)! }
        }
    }

    static func readAuth(_ top: ObjectReader, into auth: inout AuthSettings) {
        top.object("auth", keys: ["tokens"]) { a in
            a.list("tokens") { node, path in
                a.reader.object(node, path, keys: ["name", "sha256", "roles"]) { t in
                    let name = t.string("name")
                    if name == nil, t.child("name") == nil { t.reader.report(node, t.path("name"), "is required") }
                    var hash = t.string("sha256")
                    if let h = hash, !(h.count == 64 && h.allSatisfy(\.isHexDigit)) {
                        t.report("sha256", "expected 64 hexadecimal digits (the SHA-256 of the token, e.g. from `printf %s TOKEN | sha256sum`)")
                        hash = nil
                    } else if hash == nil, t.child("sha256") == nil {
                        t.reader.report(node, t.path("sha256"), "is required")
                    }
                    var roles = Set<Role>()
                    if let list = t.stringList("roles") {
                        for (i, r) in list.enumerated() {
                            if let role = Role(rawValue: r) { roles.insert(role) } else {
                                var message = "unknown role \"\(r)\"; roles are viewer, ingest, release-manager"
                                if let guess = ConfigReader.suggestion(for: r, among: Role.allCases.map(\.rawValue)) { message += "; did you mean \"\(guess)\"?" }
                                t.reader.report(t.child("roles")?.sequence?[i] ?? node, "\(t.path("roles"))[\(i)]", message)
                            }
                        }
                    } else if t.child("roles") == nil {
                        t.reader.report(node, t.path("roles"), "is required")
                    }
                    if let name, let hash {
                        auth.tokens.append(TokenSettings(name: name, sha256Hex: hash.lowercased(), roles: roles))
                    }
                }
            }
        }
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
            case "stdin":
                top.reader.object(node, path, keys: ["type", "format"]) { s in
                    var stdin = StdinSourceSettings()
                    if let v = s.oneOf("format", LineFormat.allCases.map(\.rawValue)) { stdin.format = LineFormat(rawValue: v)! }
                    sources.append(.stdin(stdin))
                }
            case nil:
                top.reader.report(node, "\(path).type", "is required: one of file, http, stdin")
            case let other?:
                var message = "unknown source type \"\(other)\"; types are file, http, stdin"
                if let guess = ConfigReader.suggestion(for: other, among: ["file", "http", "stdin"]) { message += "; did you mean \"\(guess)\"?" }
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
