import Hummingbird

/// The request context of Vigil's router: Hummingbird's core storage plus the authenticated principal.
public struct VigilRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``RequireRole`` when the request presented a valid token with the route's role; nil on open
    /// routes and when no tokens are configured.
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }
}
