/// Who made a request: the configured name of the token it presented and that token's roles.
///
/// ``RequireRole`` stores it in ``VigilRequestContext/principal`` so a handler (the audit log of the
/// control API) can record who acted. It never holds the token itself.
public struct Principal: Sendable, Equatable {
    public var name: String
    public var roles: Set<Role>
    public init(name: String, roles: Set<Role>) { self.name = name; self.roles = roles }
}
