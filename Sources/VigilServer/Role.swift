/// What a bearer token may do. A route group requires one role; ``grants(_:)`` says which roles satisfy it.
///
/// - `viewer` reads (log search; next the rollout status and the audit log).
/// - `ingest` writes events (`/v1/logs`, `/v1/predictions`, `/v1/labels`). It does **not** imply `viewer`:
///   a shipping credential sits on many hosts, and one that leaks should not read back the logs.
/// - `release-manager` acts on rollouts and implies `viewer`: nobody promotes what they cannot see.
/// - `admin` implies every role.
///
/// ```swift
/// Role.releaseManager.grants(.viewer)   // true
/// Role.ingest.grants(.viewer)           // false
/// ```
public enum Role: String, Sendable, CaseIterable, Codable, Hashable {
    case viewer
    case ingest
    case releaseManager = "release-manager"
    case admin

    /// True when a token holding this role may call a route that requires `required`.
    public func grants(_ required: Role) -> Bool {
        switch (self, required) {
        case (.admin, _): return true
        case (.releaseManager, .viewer): return true
        default: return self == required
        }
    }
}

extension Set where Element == Role {
    /// True when any role in the set grants `required`.
    public func grants(_ required: Role) -> Bool { contains { $0.grants(required) } }
}
