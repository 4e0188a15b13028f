import Hummingbird

/// `GET /metrics`: the registry in Prometheus text 0.0.4 or OpenMetrics 1.0 (by `Accept`), gzip when asked
/// (``MetricsEndpoint`` renders it).
///
/// Open even with tokens configured: Prometheus scrapes it, and it carries counts, never event content.
struct MetricsRoutes: RouteGroup {
    let endpoint: MetricsEndpoint

    var name: String { "metrics" }
    var access: RouteAccess { .open }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.get("/metrics") { request, _ in self.endpoint.respond(to: request) }
    }
}
