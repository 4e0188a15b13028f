import Hummingbird

/// Routes that belong together and share one access rule. The server gives each group a
/// `RouteCollection` that already carries ``RequireRole`` for ``access`` (nothing for `.open`), so a group
/// only adds its handlers; a new concern (the control API's `/v1/rollouts`, `/v1/assign`, `/v1/audit`) is
/// a new group, not another inline check.
protocol RouteGroup: Sendable {
    /// Names the group in the route table (`ingest`, `search`, …).
    var name: String { get }
    var access: RouteAccess { get }
    /// Adds the group's routes to `routes`.
    func addRoutes(to routes: RouteCollection<VigilRequestContext>)
    /// Called with the route of each request the group's authorisation refused.
    func denied(route: String)
}

extension RouteGroup {
    func denied(route: String) {}
}
