/// Who may call a route: anyone, or a bearer token with a role (when tokens are configured).
public enum RouteAccess: Sendable, Hashable, CustomStringConvertible {
    /// No token needed, even with tokens configured (Prometheus scrapes, liveness and readiness probes).
    case open
    /// A token whose roles grant this role.
    case role(Role)

    public var description: String {
        switch self {
        case .open: return "open"
        case .role(let role): return role.rawValue
        }
    }
}
