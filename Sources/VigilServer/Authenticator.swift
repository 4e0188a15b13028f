import VigilCore

/// Checks `Authorization: Bearer TOKEN` against the configured tokens and decides whether a request may
/// use a route that requires a role. A pure value: no I/O, no clock.
///
/// Tokens are configured as SHA-256 digests (decoded from hex once, when the configuration is loaded), so
/// the configuration file holds no secret. The presented token is hashed and compared with **every**
/// digest in constant time, so the time taken does not tell how much of a digest matched or which token
/// did. A token value is never logged and never appears in a response.
///
/// ```swift
/// let auth = Authenticator(tokens: [.init(name: "ci", sha256: SHA256.hash(Array("s3cret".utf8)), roles: [.ingest])])
/// auth.authorise(authorization: "Bearer s3cret", role: .ingest)   // .allowed(Principal(name: "ci", roles: [.ingest]))
/// auth.authorise(authorization: nil, role: .ingest)               // .denied(reason: .missingToken, …)
/// ```
public struct Authenticator: Sendable {
    /// Kept so existing callers can write `Authenticator.Role`.
    public typealias Role = VigilServer.Role

    /// A configured token: its name (shown in logs and the audit log), its SHA-256 and its roles.
    public struct Token: Sendable, Equatable {
        public var name: String
        /// The 32 bytes of the SHA-256 of the token.
        public var sha256: [UInt8]
        public var roles: Set<Role>
        public init(name: String, sha256: [UInt8], roles: Set<Role>) { self.name = name; self.sha256 = sha256; self.roles = roles }
    }

    /// Why a request was refused; the raw value is the `reason` label of `vigil_http_auth_failures_total`.
    public enum FailureReason: String, Sendable, CaseIterable {
        /// No `Authorization` header.
        case missingToken = "missing_token"
        /// An `Authorization` header that is not `Bearer <token>`.
        case malformedHeader = "malformed_header"
        /// A bearer token whose digest matches no configured token.
        case unknownToken = "unknown_token"
        /// A known token without a role that grants the route's role.
        case wrongRole = "wrong_role"

        /// 401 when the caller is not known, 403 when it is known but may not.
        public var statusCode: Int { self == .wrongRole ? 403 : 401 }
    }

    /// The outcome of one check.
    public enum Decision: Sendable, Equatable {
        /// May proceed. `principal` is nil when authentication is off (no tokens configured).
        case allowed(Principal?)
        /// Refused; `message` names the token by its configured name at most, never its value.
        case denied(reason: FailureReason, message: String)
    }

    public let tokens: [Token]
    public init(tokens: [Token]) { self.tokens = tokens }

    /// With no tokens configured every route is open (the agent binds loopback by default).
    public var isEnabled: Bool { !tokens.isEmpty }

    /// Decides whether a request with this `Authorization` header may use a route that requires `role`.
    public func authorise(authorization: String?, role: Role) -> Decision {
        guard isEnabled else { return .allowed(nil) }
        guard let authorization else {
            return .denied(reason: .missingToken, message: "missing Authorization: Bearer token")
        }
        guard let presented = Self.bearerToken(authorization) else {
            return .denied(reason: .malformedHeader, message: "expected Authorization: Bearer <token>")
        }
        let digest = SHA256.hash(Array(presented.utf8))
        // Every digest is compared, whatever matched before, so timing tells nothing.
        var match: Int?
        for (index, token) in tokens.enumerated() where Self.constantTimeEqual(token.sha256, digest) { match = index }
        guard let match else { return .denied(reason: .unknownToken, message: "unknown token") }
        let token = tokens[match]
        guard token.roles.grants(role) else {
            return .denied(reason: .wrongRole, message: "token \"\(token.name)\" lacks the \(role.rawValue) role")
        }
        return .allowed(Principal(name: token.name, roles: token.roles))
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 7235), or nil.
    static func bearerToken(_ header: String) -> Substring? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingWhitespace()
        return token.isEmpty ? nil : token
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
