import Foundation
import Logging

/// Settings of an ``HTTPClient``: timeouts, TLS, authentication, how many transfers may run at once.
public struct HTTPClientConfiguration: Sendable {
    /// Time to establish a connection (TCP and TLS).
    public var connectTimeout: Duration
    /// Time for a whole request unless the request sets its own.
    public var requestTimeout: Duration
    public var tls: CurlTLSOptions
    public var authentication: HTTPAuthentication
    /// Transfers that may run at once (threads, each keeping its connection alive).
    public var connections: Int
    /// Larger responses fail instead of exhausting memory.
    public var maxResponseBytes: Int

    public init(connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(60), tls: CurlTLSOptions = CurlTLSOptions(),
                authentication: HTTPAuthentication = .none, connections: Int = 1, maxResponseBytes: Int = 256 << 20) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.tls = tls
        self.authentication = authentication
        self.connections = connections
        self.maxResponseBytes = maxResponseBytes
    }
}

/// Vigil's one outbound HTTP client: the Elasticsearch shipper uses it, and so do the webhook sender, the
/// Alertmanager client and the Prometheus query client. libcurl underneath (``CurlClient``), on a
/// ``BlockingPool``; the client owns timeouts, TLS (CA file, client certificate, the insecure switch, logged
/// as a warning), authentication headers read from files or the environment, and redaction: URLs in errors
/// lose their `user:password@`, and ``CurlRequest/redactedDescription`` hides secret header values.
///
/// A request returns the response whatever its status; it throws ``CurlError`` only when no response came
/// (refused, timed out, TLS failure, cancelled).
///
/// ```swift
/// let client = try HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: .seconds(5)), logger: Logger(label: "http"))
/// let response = try await client.request(method: "POST", url: alertmanager + "/api/v2/alerts",   // e.g. "http://127.0.0.1:9093"
///                                         headers: ["Content-Type": "application/json"], body: Array("[]".utf8))
/// print(response.status)   // 200
/// client.shutdown()
/// ```
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let curl: CurlClient
    private let credentials: HTTPCredentials

    /// Reads the credentials and logs a warning when TLS verification is off.
    /// - Throws: ``HTTPCredentialsError`` when a secret cannot be read.
    public init(configuration: HTTPClientConfiguration, logger: Logger = Logger(label: "vigil.http"),
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        credentials = try HTTPCredentials(configuration.authentication, environment: environment)
        self.configuration = configuration
        curl = CurlClient(configuration: CurlClientConfiguration(connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout,
                                                                 tls: configuration.tls, maxResponseBytes: configuration.maxResponseBytes),
                          connections: configuration.connections)
        if configuration.tls.insecureSkipVerify {
            logger.warning("TLS certificate verification is off (tls.insecure_skip_verify)")
        }
    }

    deinit { curl.shutdown() }

    /// Stops the client's threads after the requests already queued.
    public func shutdown() { curl.shutdown() }

    /// Sends one request with the client's credentials and returns the response, whatever its status.
    /// - Parameters:
    ///   - headers: extra headers (the client adds `Authorization` when it has credentials).
    ///   - timeout: this request's whole-transfer timeout; nil uses the configuration's `requestTimeout`.
    /// - Throws: ``CurlError`` when no response came.
    public func request(method: String, url: String, headers: [String: String] = [:], body: [UInt8] = [],
                        timeout: Duration? = nil) async throws -> CurlResponse {
        let lines = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        switch await result(for: CurlRequest(method: method, url: url, headers: lines, body: body, timeout: timeout)) {
        case let .success(response): return response
        case let .failure(error): throw error
        }
    }

    /// Sends `request` with the client's credentials added, as a value: hot paths (the shipper) use this to
    /// avoid an error allocation per failed request.
    public func result(for request: CurlRequest) async -> Result<CurlResponse, CurlError> {
        var request = request
        request.headers += credentials.headers
        return await curl.result(for: request)
    }
}
