import Foundation

/// Credentials resolved from files or environment variables. `description` never shows the secret.
public struct ElasticsearchCredentials: Sendable, CustomStringConvertible {
    /// The `Authorization` header line, or nil without auth.
    let authorizationHeader: String?
    let kind: ElasticsearchConfiguration.Auth.Kind

    public var description: String { "ElasticsearchCredentials(\(kind.rawValue), secret redacted)" }

    /// Reads the secret that `auth` points at.
    /// - Throws: `ElasticsearchConfigurationError` naming the file or variable (never its content).
    public init(_ auth: ElasticsearchConfiguration.Auth, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        kind = auth.type
        func secret(file: String?, env: String?, what: String) throws -> String {
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ElasticsearchConfigurationError(problems: ["cannot read \(what) file \(file)"])
                }
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw ElasticsearchConfigurationError(problems: ["\(what) file \(file) is empty"]) }
                return text
            }
            if let env {
                guard let text = environment[env]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                    throw ElasticsearchConfigurationError(problems: ["environment variable \(env) (\(what)) is not set"])
                }
                return text
            }
            throw ElasticsearchConfigurationError(problems: ["no \(what) configured"])
        }
        switch auth.type {
        case .none:
            authorizationHeader = nil
        case .basic:
            let password = try secret(file: auth.passwordFile, env: auth.passwordEnv, what: "password")
            let pair = Data("\(auth.username ?? ""):\(password)".utf8).base64EncodedString()
            authorizationHeader = "Authorization: Basic \(pair)"
        case .apiKey:
            authorizationHeader = "Authorization: ApiKey \(try secret(file: auth.apiKeyFile, env: auth.apiKeyEnv, what: "API key"))"
        case .bearer:
            authorizationHeader = "Authorization: Bearer \(try secret(file: auth.tokenFile, env: auth.tokenEnv, what: "token"))"
        }
    }

    /// Header lines to add to each request.
    var headers: [String] { authorizationHeader.map { [$0] } ?? [] }
}
