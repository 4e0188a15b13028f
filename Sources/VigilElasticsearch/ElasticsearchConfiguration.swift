import VigilGzip
import VigilCore

/// Every option of the Elasticsearch sink, with its default. YAML keys are the snake_case of the names
/// (`gzip_level`, `batch.max_bytes`, `tls.insecure_skip_verify`, ...).
///
/// ```swift
/// var configuration = ElasticsearchConfiguration(url: "https://es:9200")
/// configuration.auth = .init(type: .apiKey, apiKeyFile: "/run/secrets/es")
/// configuration.gzipLevel = 1
/// ```
public struct ElasticsearchConfiguration: Sendable, Equatable {
    /// `logs-{dataset}-{namespace}`; when set it replaces `index`.
    public struct DataStream: Sendable, Equatable {
        public var dataset: String
        public var namespace: String
        public init(dataset: String = "vigil", namespace: String = "default") {
            self.dataset = dataset
            self.namespace = namespace
        }
    }

    /// Credentials. Secrets are read from a file or an environment variable at start, never from the
    /// configuration itself, and never logged.
    public struct Auth: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable { case none, basic, apiKey = "api_key", bearer }
        public var type: Kind
        public var username: String?
        public var passwordFile: String?
        public var passwordEnv: String?
        /// The encoded API key (`base64(id:api_key)`, as Elasticsearch returns it in `encoded`).
        public var apiKeyFile: String?
        public var apiKeyEnv: String?
        public var tokenFile: String?
        public var tokenEnv: String?

        public init(type: Kind = .none, username: String? = nil, passwordFile: String? = nil, passwordEnv: String? = nil,
                    apiKeyFile: String? = nil, apiKeyEnv: String? = nil, tokenFile: String? = nil, tokenEnv: String? = nil) {
            self.type = type; self.username = username; self.passwordFile = passwordFile; self.passwordEnv = passwordEnv
            self.apiKeyFile = apiKeyFile; self.apiKeyEnv = apiKeyEnv; self.tokenFile = tokenFile; self.tokenEnv = tokenEnv
        }
    }

    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        /// Turns certificate verification off. Logged as a warning at start.
        public var insecureSkipVerify: Bool
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecureSkipVerify: Bool = false) {
            self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile; self.insecureSkipVerify = insecureSkipVerify
        }
    }

    public struct Batch: Sendable, Equatable {
        /// Uncompressed NDJSON bytes per request (a single larger document still goes alone).
        public var maxBytes: Int
        public var maxEvents: Int
        /// How long a partial batch waits for more events.
        public var timeout: Duration
        public init(maxBytes: Int = 5 << 20, maxEvents: Int = 1000, timeout: Duration = .seconds(1)) {
            self.maxBytes = maxBytes; self.maxEvents = maxEvents; self.timeout = timeout
        }
    }

    public struct BackoffSettings: Sendable, Equatable {
        public var initial: Duration
        public var max: Duration
        public init(initial: Duration = .milliseconds(100), max: Duration = .seconds(30)) {
            self.initial = initial; self.max = max
        }
    }

    /// How hosts that stop answering are taken out of rotation and checked again (with several ``hosts``).
    public struct Failover: Sendable, Equatable {
        /// How often each host is checked (`GET /`) while it is in rotation.
        public var healthCheckInterval: Duration
        /// The wait before a host taken out is checked again, doubling after each failed check up to `backoffMax`.
        public var backoffInitial: Duration
        public var backoffMax: Duration
        public init(healthCheckInterval: Duration = .seconds(5), backoffInitial: Duration = .seconds(1), backoffMax: Duration = .seconds(60)) {
            self.healthCheckInterval = healthCheckInterval; self.backoffInitial = backoffInitial; self.backoffMax = backoffMax
        }
    }

    /// The single-host form; with ``hosts`` set it is the first of them.
    public var url: String
    /// Several nodes of one cluster: requests go round-robin to those that answer, a node that refuses, times out
    /// or answers 502/503/504 is taken out and checked again after a backoff. Empty: ``url`` alone.
    public var hosts: [String]
    public var failover: Failover
    /// Index name pattern over the event's UTC time.
    public var index: String
    public var dataStream: DataStream?
    /// `event.dataset` when writing to `index`.
    public var dataset: String
    /// Ingest pipeline (`?pipeline=`).
    public var pipeline: String?
    public var auth: Auth
    public var tls: TLS
    /// 0 sends uncompressed; 1 (fastest) to 9.
    public var gzipLevel: Int
    /// Which library compresses (see ``GzipLibrary``): by default ISA-L for levels 1...3, zlib above.
    public var gzipLibrary: GzipLibrary
    public var batch: Batch
    /// Requests in flight at once; a batch being retried keeps its slot.
    public var maxInFlight: Int
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    public var backoff: BackoffSettings
    /// Attempts per document before it is dead-lettered (`max_retries_exceeded`); nil retries forever.
    public var maxRetries: Int?
    /// How long a graceful shutdown keeps shipping; what is left stays in the spool.
    public var shutdownTimeout: Duration
    /// `host.name`; nil uses the machine's host name.
    public var hostName: String?
    /// How often the spool gauges are refreshed.
    public var statsInterval: Duration

    /// The compressor for request bodies; nil when `gzipLevel` is 0 (or invalid: see ``validationErrors()``).
    public var compressor: GzipCompressor? {
        gzipLevel > 0 ? try? GzipCompressor(level: gzipLevel, library: gzipLibrary) : nil
    }

    public init(url: String = "http://127.0.0.1:9200", hosts: [String] = [], failover: Failover = Failover(), index: String = "vigil-logs-%Y.%m.%d", dataStream: DataStream? = nil,
                dataset: String = "vigil.logs", pipeline: String? = nil, auth: Auth = Auth(), tls: TLS = TLS(), gzipLevel: Int = 1,
                gzipLibrary: GzipLibrary = .auto,
                batch: Batch = Batch(), maxInFlight: Int = 2, requestTimeout: Duration = .seconds(30),
                connectTimeout: Duration = .seconds(10), backoff: BackoffSettings = BackoffSettings(), maxRetries: Int? = nil,
                shutdownTimeout: Duration = .seconds(10), hostName: String? = nil, statsInterval: Duration = .seconds(5)) {
        self.url = hosts.first ?? url; self.hosts = hosts; self.failover = failover; self.index = index; self.dataStream = dataStream; self.dataset = dataset; self.pipeline = pipeline
        self.auth = auth; self.tls = tls; self.gzipLevel = gzipLevel; self.gzipLibrary = gzipLibrary; self.batch = batch; self.maxInFlight = maxInFlight
        self.requestTimeout = requestTimeout; self.connectTimeout = connectTimeout; self.backoff = backoff
        self.maxRetries = maxRetries; self.shutdownTimeout = shutdownTimeout; self.hostName = hostName
        self.statsInterval = statsInterval
    }

    /// Problems that make the configuration unusable, for `vigil check-config` and the shipper's init.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if hosts.isEmpty {
            if !(url.hasPrefix("http://") || url.hasPrefix("https://")) { errors.append("elasticsearch.url must start with http:// or https://") }
        } else {
            for (i, host) in hosts.enumerated() where !(host.hasPrefix("http://") || host.hasPrefix("https://")) {
                errors.append("elasticsearch.hosts[\(i)] must start with http:// or https://")
            }
            if Set(hosts.map(Self.hostLabel)).count != hosts.count { errors.append("elasticsearch.hosts lists a host twice") }
        }
        if failover.healthCheckInterval <= .zero { errors.append("elasticsearch.failover.health_check_interval must be positive") }
        if failover.backoffInitial <= .zero || failover.backoffMax < failover.backoffInitial {
            errors.append("elasticsearch.failover needs 0 < backoff_initial <= backoff_max")
        }
        if !(0...9).contains(gzipLevel) {
            errors.append("elasticsearch.gzip_level must be 0...9")
        } else if gzipLevel > 0 {
            do throws(GzipConfigurationError) { _ = try GzipCompressor(level: gzipLevel, library: gzipLibrary) } catch {
                errors.append("elasticsearch.gzip_level: \(error.message)")
            }
        }
        if batch.maxBytes < 1024 { errors.append("elasticsearch.batch.max_bytes must be at least 1024") }
        if batch.maxEvents < 1 { errors.append("elasticsearch.batch.max_events must be at least 1") }
        if batch.timeout <= .zero { errors.append("elasticsearch.batch.timeout must be positive") }
        if maxInFlight < 1 { errors.append("elasticsearch.max_in_flight must be at least 1") }
        if requestTimeout <= .zero { errors.append("elasticsearch.request_timeout must be positive") }
        if backoff.initial <= .zero || backoff.max < backoff.initial { errors.append("elasticsearch.backoff needs 0 < initial <= max") }
        if let maxRetries, maxRetries < 0 { errors.append("elasticsearch.max_retries must be >= 0") }
        if (tls.certFile == nil) != (tls.keyFile == nil) { errors.append("elasticsearch.tls.cert_file and key_file go together") }
        switch auth.type {
        case .none: break
        case .basic:
            if auth.username == nil { errors.append("elasticsearch.auth.username is required for basic auth") }
            if (auth.passwordFile == nil) == (auth.passwordEnv == nil) { errors.append("elasticsearch.auth needs exactly one of password_file, password_env") }
        case .apiKey:
            if (auth.apiKeyFile == nil) == (auth.apiKeyEnv == nil) { errors.append("elasticsearch.auth needs exactly one of api_key_file, api_key_env") }
        case .bearer:
            if (auth.tokenFile == nil) == (auth.tokenEnv == nil) { errors.append("elasticsearch.auth needs exactly one of token_file, token_env") }
        }
        return errors
    }

    /// The encoder settings this configuration implies.
    public func encoderConfiguration(hostName: String?) -> BulkEncoderConfiguration {
        if let dataStream {
            return BulkEncoderConfiguration(target: .dataStream(dataset: dataStream.dataset, namespace: dataStream.namespace), hostName: hostName)
        }
        return BulkEncoderConfiguration(target: .index(pattern: index), dataset: dataset, hostName: hostName)
    }

    /// The hosts requests go to: ``hosts``, or ``url`` alone.
    public var hostURLs: [String] { hosts.isEmpty ? [url] : hosts }

    /// The base URL of host number `host` of ``hostURLs``, without a trailing slash.
    public func baseURL(host: Int = 0) -> String {
        var base = hostURLs[host]
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// `scheme://host:port` of a URL (the scheme's port when none is given): the `host` label of the per-host
    /// metrics and the name in logs. Credentials, path and query are left out.
    public static func hostLabel(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = "http"
        if let range = rest.range(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            rest = rest[range.upperBound...]
        }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let hostPort = String(rest).lowercased()
        let hasPort: Bool
        if hostPort.hasPrefix("[") {
            hasPort = hostPort.contains("]:")
        } else {
            hasPort = hostPort.contains(":")
        }
        return "\(scheme)://\(hostPort)" + (hasPort ? "" : (scheme == "https" ? ":443" : ":80"))
    }

    /// `<url>/_bulk?filter_path=...[&pipeline=...]`.
    public var bulkURL: String { bulkURL(index: nil) }

    /// `POST /<index>/_bulk` when the batch has a default index (its items then omit `_index`), else `/_bulk`;
    /// on host number `host` of ``hostURLs``.
    public func bulkURL(index: String?, host: Int = 0) -> String {
        let base = baseURL(host: host)
        let path = index.map { "/" + ElasticsearchConfiguration.percentEncode($0) } ?? ""
        var result = base + path + "/_bulk?filter_path=errors,items.*.status,items.*.error"
        if let pipeline { result += "&pipeline=" + ElasticsearchConfiguration.percentEncode(pipeline) }
        return result
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%"); out.unicodeScalars.append(hex[Int(byte >> 4)]); out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

/// A configuration problem found at start.
public struct ElasticsearchConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "; ") }
}
