import VigilHTTPClient

/// Settings of `remote_write`: where the agent pushes its own metrics with Prometheus remote write 1.0.
public struct RemoteWriteConfiguration: Sendable, Equatable {
    /// The receiver's write endpoint, e.g. `http://prometheus:9090/api/v1/write`.
    public var url: String
    /// How often the registry is snapshotted and queued.
    public var interval: Duration = .seconds(15)
    /// Labels added to every series (a series' own label of the same name wins).
    public var externalLabels: [String: String] = [:]
    /// Compressed bytes the durable queue may hold before dropping the oldest requests.
    public var queueMaxBytes: Int = 64 << 20
    /// Requests the durable queue may hold before dropping the oldest.
    public var queueMaxRequests: Int = 10_000
    /// Samples per request; a larger snapshot is split.
    public var maxSamplesPerRequest: Int = 10_000
    /// Whole-request timeout.
    public var timeout: Duration = .seconds(30)
    public var connectTimeout: Duration = .seconds(10)
    /// Waits between retries grow from `backoffInitial` to `backoffMax` (full jitter).
    public var backoffInitial: Duration = .milliseconds(30)
    public var backoffMax: Duration = .seconds(5)
    public var authentication: HTTPAuthentication = .none
    public var tls = CurlTLSOptions()

    public init(url: String) {
        self.url = url
    }
}
