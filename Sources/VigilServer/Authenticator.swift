import VigilCore

/// Checks `Authorization: Bearer TOKEN` against the configured tokens.
///
/// Tokens are configured as SHA-256 digests, so the configuration file holds no secret; the presented
/// token is hashed and compared with every digest in constant time. A token value is never logged.
public struct Authenticator: Sendable {
    public enum Role: String, Sendable, CaseIterable { case viewer, ingest, releaseManager = "release-manager" }

    public struct Token: Sendable {
        public var name: String
        public var sha256: [UInt8]
        public var roles: Set<Role>
        public init(name: String, sha256: [UInt8], roles: Set<Role>) { self.name = name; self.sha256 = sha256; self.roles = roles }
    }

    public enum Outcome: Sendable, Equatable {
        /// Auth is off (no tokens configured) or the token has the role; `name` is the token's name.
        case allowed(name: String?)
        case unauthenticated(String)
        case forbidden(String)
    }

    public let tokens: [Token]
    public init(tokens: [Token]) { self.tokens = tokens }

    public var isEnabled: Bool { !tokens.isEmpty }

    public func check(authorization: String?, role: Role) -> Outcome {
        guard isEnabled else { return .allowed(name: nil) }
        guard let authorization else { return .unauthenticated("missing Authorization: Bearer token") }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .unauthenticated("expected Authorization: Bearer <token>")
        }
        let digest = SHA256.hash(Array(parts[1].utf8))
        var match: Token?
        for token in tokens where Self.constantTimeEqual(token.sha256, digest) { match = token }
        guard let match else { return .unauthenticated("unknown token") }
        if match.roles.contains(role) || (role == .viewer && !match.roles.isEmpty) { return .allowed(name: match.name) }
        return .forbidden("token \"\(match.name)\" lacks the \(role.rawValue) role")
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
