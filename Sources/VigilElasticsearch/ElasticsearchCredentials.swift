import Foundation
import Logging
import VigilHTTPClient

/// The shipper's credentials: its `auth` settings resolved by the HTTP client's ``HTTPCredentials``.
/// `description` never shows the secret.
public struct ElasticsearchCredentials: Sendable, CustomStringConvertible {
    let resolved: HTTPCredentials
    let kind: ElasticsearchConfiguration.Auth.Kind

    public var description: String { "ElasticsearchCredentials(\(kind.rawValue), secret redacted)" }

    /// Reads the secret that `auth` points at.
    /// - Throws: `ElasticsearchConfigurationError` naming the file or variable (never its content).
    public init(_ auth: ElasticsearchConfiguration.Auth, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        kind = auth.type
        do {
            resolved = try HTTPCredentials(auth.authentication, environment: environment)
        } catch let error as HTTPCredentialsError {
            throw ElasticsearchConfigurationError(problems: [error.description])
        }
    }

    /// Header lines to add to each request.
    var headers: [String] { resolved.headers }
}

extension ElasticsearchConfiguration.Auth {
    /// These settings in the HTTP client's terms.
    var authentication: HTTPAuthentication {
        switch type {
        case .none: .none
        case .basic: .basic(username: username ?? "", password: HTTPSecretSource(file: passwordFile, environment: passwordEnv))
        case .apiKey: .apiKey(HTTPSecretSource(file: apiKeyFile, environment: apiKeyEnv))
        case .bearer: .bearer(HTTPSecretSource(file: tokenFile, environment: tokenEnv))
        }
    }
}

extension ElasticsearchConfiguration {
    /// The HTTP client settings: timeouts, TLS, authentication, one connection per request in flight.
    var httpClientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, requestTimeout: requestTimeout,
                                tls: CurlTLSOptions(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile,
                                                    insecureSkipVerify: tls.insecureSkipVerify),
                                authentication: auth.authentication, connections: maxInFlight)
    }

    /// An HTTP client for these settings.
    /// - Throws: `ElasticsearchConfigurationError` when a secret cannot be read.
    func makeHTTPClient(logger: Logger, environment: [String: String]) throws -> HTTPClient {
        do {
            return try HTTPClient(configuration: httpClientConfiguration, logger: logger, environment: environment)
        } catch let error as HTTPCredentialsError {
            throw ElasticsearchConfigurationError(problems: [error.description])
        }
    }
}
