/// One route of the agent's HTTP API as registered on the router: the server's own route table.
///
/// ``VigilHTTPServer/routes`` lists them; the route × role test requires an entry for each, so a route
/// added without a decided access rule fails the test.
public struct RegisteredRoute: Sendable, Hashable, CustomStringConvertible {
    /// `GET`, `POST`, …
    public var method: String
    /// The route template, e.g. `/v1/logs/search`.
    public var path: String
    public var access: RouteAccess
    /// The group the route belongs to (`metrics`, `health`, `ingest`, `search`).
    public var group: String

    public init(method: String, path: String, access: RouteAccess, group: String) {
        self.method = method; self.path = path; self.access = access; self.group = group
    }

    public var description: String { "\(method) \(path) [\(access)] (\(group))" }
}
