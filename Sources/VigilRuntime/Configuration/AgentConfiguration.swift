import VigilCore
import VigilPostgres
import VigilElasticsearch
import VigilRemoteWrite
import VigilServer

/// The agent's whole configuration. Every field has a default, so `vigil agent` runs without a file.
/// The YAML shape and every option are documented in `docs/configuration.md`.
public struct AgentConfiguration: Sendable {
    public var server = ServerSettings()
    public var storage = StorageSettings()
    public var log = LogSettings()
    public var auth = AuthSettings()
    /// With no `sources` key the HTTP ingest endpoints are on and nothing is tailed.
    public var sources: [SourceSettings] = [.http(HTTPSourceSettings())]
    public var sinks = SinkSettings()
    /// `fields`, `redact`, `metrics_from_logs`: parsing, redaction and metrics derived from logs.
    public var pipeline: PipelineConfiguration = AgentConfiguration.defaultPipeline
    /// Monitored models: predictions and labels of these names feed quality, drift and decay.
    public var models: [ModelConfiguration] = []
    /// Canary and A/B rollouts between two variants of a model (docs/rollouts.md).
    public var rollouts: [RolloutDefinition] = []
    /// Models whose rollouts `vigil controller` decides (`evaluator: controller`): agents count their evidence and
    /// serve assignment, and never evaluate them.
    public var controllerEvaluated: Set<String> = []
    /// `controller:` — settings of `vigil controller` (Prometheus query API, interval, staleness).
    public var controller: ControllerSettings?
    /// Webhooks and Alertmanager, told about every rollout change.
    public var actions = ActionSettings()
    /// Service-level objectives; `vigil rules generate` renders their Prometheus rules (docs/alerts.md).
    public var slos: [ServiceLevelObjective] = []
    /// `remote_write`: the agent pushes its own metrics to a Prometheus remote write receiver (docs/remote-write.md).
    public var remoteWrite: RemoteWriteConfiguration?
    /// The folder of the configuration file, against which relative profile paths are resolved.
    public var baseDirectory: String?

    public init() {}

    static var defaultPipeline: PipelineConfiguration {
        do { return try PipelineConfiguration() } catch { preconditionFailure("the default pipeline configuration is valid: \(error)") }
    }
}

public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 9750
    public var maxBodyBytes: Int64 = 10 * 1024 * 1024
    /// `server.tls`: serve HTTPS with these files. nil: plain HTTP.
    public var tls: ServerTLSConfiguration?
    /// `server.allow_insecure_tokens`: start even when tokens would cross the network in clear text
    /// (listening beyond loopback with tokens but without TLS); the agent then warns at start.
    public var allowInsecureTokens = false
    /// `server.metrics`: how `/metrics` renders.
    public var metrics = MetricsEndpointSettings()
    public init() {}

    /// True for 127.0.0.0/8, `::1` and `localhost`: addresses no other machine can reach.
    public var isLoopback: Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Why this server must not start with tokens configured, or nil when it may: bearer tokens sent in
    /// clear text to an address beyond loopback can be read off the network.
    public func insecureTokenProblem(tokensConfigured: Bool) -> String? {
        guard tokensConfigured, !isLoopback, tls == nil, !allowInsecureTokens else { return nil }
        return "listening on \(host) (beyond loopback) with auth tokens but without TLS would send the tokens in clear text; "
            + "configure server.tls (cert_file, key_file) or set server.allow_insecure_tokens: true"
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT`.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        return (host, port)
    }
}

/// `server.metrics`: options of the `/metrics` exposition.
public struct MetricsEndpointSettings: Sendable, Equatable {
    /// `created_samples`: an OpenMetrics `_created` sample (the series' creation time) after every counter and
    /// histogram series. Off by default, as in client_golang and client_java: it doubles the lines of a
    /// counter-heavy scrape, and Prometheus reads it only with `--enable-feature=created-timestamp-zero-ingestion`.
    public var createdSamples = false
    public init() {}
}

public enum SpoolWhenFull: String, Sendable, CaseIterable { case block, drop_oldest }
public enum SynchronousLevel: String, Sendable, CaseIterable { case off, normal, full }

public struct StorageSettings: Sendable, Equatable {
    public var dataDir = "./vigil-data"
    public var spoolMaxBytes: Int64 = 1 << 30
    public var spoolWhenFull: SpoolWhenFull = .block
    public var synchronous: SynchronousLevel = .normal
    public var deadLetterMaxBytes: Int64 = 64 << 20
    /// `storage.shared`: rollout state, audit log and pending predictions in PostgreSQL, shared by a fleet;
    /// `nil` keeps everything in the agent's own SQLite (the default).
    public var shared: SharedStateConfiguration?
    public init() {}
}

public enum LogLevelName: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }

public struct LogSettings: Sendable, Equatable {
    public var level: LogLevelName = .info
    public init() {}
}

/// A bearer token: its name, roles and SHA-256 (hex-decoded once, when the configuration is loaded);
/// the token itself is never stored.
public typealias TokenSettings = Authenticator.Token

public struct AuthSettings: Sendable, Equatable {
    public var tokens: [TokenSettings] = []
    public init() {}
    /// With no tokens configured the API is open (on loopback by default); with any, every
    /// ingest, search and control call needs one.
    public var isEnabled: Bool { !tokens.isEmpty }
}

public enum FileStartPosition: String, Sendable, CaseIterable { case beginning, end }
public enum LineFormat: String, Sendable, CaseIterable { case json, cri, docker }

public struct FileSourceSettings: Sendable, Equatable {
    public var name: String = "file"
    public var paths: [String] = []
    public var exclude: [String] = []
    public var format: LineFormat = .json
    public var startAt: FileStartPosition = .beginning
    public var scanIntervalSeconds: Double = 1
    public var idleFlushSeconds: Double = 5
    public var maxLineBytes: Int = 1 << 20
    public init() {}
}

public struct HTTPSourceSettings: Sendable, Equatable {
    public init() {}
}

/// `- type: otlp`: the OTLP/HTTP logs receiver (`POST /v1/logs`, protobuf or JSON) on its own port.
public struct OTLPSourceSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 4318 is the port OTLP/HTTP exporters send to by default.
    public var port = 4318
    public var maxRequestBytes: Int64 = 10 * 1024 * 1024
    public init() {}
}

public struct StdinSourceSettings: Sendable, Equatable {
    public var format: LineFormat = .json
    public init() {}
}

public enum SourceSettings: Sendable, Equatable {
    case file(FileSourceSettings)
    case http(HTTPSourceSettings)
    case stdin(StdinSourceSettings)
    case otlp(OTLPSourceSettings)
}

extension AgentConfiguration {
    /// The `otlp` source, when one is configured (at most one is allowed).
    public var otlpSource: OTLPSourceSettings? {
        for source in sources { if case .otlp(let settings) = source { return settings } }
        return nil
    }
}

public struct LocalSinkSettings: Sendable, Equatable {
    public var retentionSeconds: Double = 7 * 86_400
    public var maxBytes: Int64 = 2 << 30
    public init() {}
}

public struct SinkSettings: Sendable {
    public var local = LocalSinkSettings()
    /// When set, events are shipped to Elasticsearch and the embedded store is not used.
    public var elasticsearch: ElasticsearchConfiguration?
    public init() {}
}
