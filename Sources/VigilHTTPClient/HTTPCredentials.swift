import Foundation

/// Where a secret comes from: a file (read once, surrounding whitespace trimmed) or an environment variable.
/// Exactly one should be set; the file wins when both are.
public struct HTTPSecretSource: Sendable, Equatable {
    public var file: String?
    public var environment: String?

    public init(file: String? = nil, environment: String? = nil) {
        self.file = file
        self.environment = environment
    }
}

/// How an outbound request authenticates.
public enum HTTPAuthentication: Sendable, Equatable {
    case none
    /// `Authorization: Basic base64(username:password)`.
    case basic(username: String, password: HTTPSecretSource)
    /// `Authorization: ApiKey <key>` (Elasticsearch's encoded API key).
    case apiKey(HTTPSecretSource)
    /// `Authorization: Bearer <token>`.
    case bearer(HTTPSecretSource)
}

/// A secret could not be read. The message names the file or variable, never the content.
public struct HTTPCredentialsError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Credentials resolved from files or environment variables, as header lines. `description` never shows
/// the secret, so a credentials value can be logged or put in an error.
///
/// ```swift
/// let credentials = try HTTPCredentials(.bearer(HTTPSecretSource(environment: "TOKEN")), environment: ["TOKEN": "abc"])
/// credentials.headers        // ["Authorization: Bearer abc"]
/// "\(credentials)"           // "HTTPCredentials(bearer, secret redacted)"
/// ```
public struct HTTPCredentials: Sendable, CustomStringConvertible {
    /// The `Authorization` header line, or nil without authentication.
    private let authorizationHeader: String?
    private let kind: String

    public var description: String { "HTTPCredentials(\(kind), secret redacted)" }

    /// Reads the secret that `authentication` points at.
    /// - Throws: ``HTTPCredentialsError`` naming the file or variable (never its content).
    public init(_ authentication: HTTPAuthentication, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func secret(_ source: HTTPSecretSource, what: String) throws -> String {
            if let file = source.file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw HTTPCredentialsError(description: "cannot read \(what) file \(file)")
                }
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw HTTPCredentialsError(description: "\(what) file \(file) is empty") }
                return text
            }
            if let name = source.environment {
                guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                    throw HTTPCredentialsError(description: "environment variable \(name) (\(what)) is not set")
                }
                return text
            }
            throw HTTPCredentialsError(description: "no \(what) configured")
        }
        switch authentication {
        case .none:
            kind = "none"
            authorizationHeader = nil
        case let .basic(username, password):
            kind = "basic"
            let pair = Data("\(username):\(try secret(password, what: "password"))".utf8).base64EncodedString()
            authorizationHeader = "Authorization: Basic \(pair)"
        case let .apiKey(source):
            kind = "api_key"
            authorizationHeader = "Authorization: ApiKey \(try secret(source, what: "API key"))"
        case let .bearer(source):
            kind = "bearer"
            authorizationHeader = "Authorization: Bearer \(try secret(source, what: "token"))"
        }
    }

    /// No authentication.
    public static let none = HTTPCredentials(noneKind: ())

    private init(noneKind: Void) {
        kind = "none"
        authorizationHeader = nil
    }

    /// Header lines to add to each request.
    public var headers: [String] { authorizationHeader.map { [$0] } ?? [] }
}
