import Hummingbird

/// `GET /healthz` (the process answers) and `GET /readyz` (every registered part is ready; otherwise 503
/// listing what is not, with each part's reason).
///
/// Open even with tokens configured: liveness and readiness probes (kubelet, load balancers) send no token,
/// and the answers name parts, never data.
struct HealthRoutes: RouteGroup {
    let readiness: Readiness

    var name: String { "health" }
    var access: RouteAccess { .open }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.get("/healthz") { _, _ in HTTPResponses.json(.ok, #"{"status":"ok"}"#) }
        routes.get("/readyz") { _, _ in self.readyz() }
    }

    func readyz() -> Response {
        let parts = readiness.snapshot()
        let notReady = parts.filter { !$0.ready }
        var body = #"{"status":"# + (notReady.isEmpty ? #""ready""# : #""not ready""#) + #","parts":{"#
        for (i, part) in parts.enumerated() {
            if i > 0 { body += "," }
            body += JSONText.quote(part.name) + ":" + (part.ready ? #""ready""# : JSONText.quote(part.reason))
        }
        body += "}}"
        return HTTPResponses.json(notReady.isEmpty ? .ok : .serviceUnavailable, body)
    }
}
