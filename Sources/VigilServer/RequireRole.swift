import Hummingbird
import HTTPTypes
import VigilCore

/// Per-role authorisation as middleware: attached to a route group, it lets a request through only with a
/// bearer token whose roles grant `role`, and records the token's ``Principal`` in the request context.
///
/// Refusals answer `401` (no token, a malformed header or an unknown token; with `WWW-Authenticate: Bearer`)
/// or `403` (a known token without the role), with a JSON body `{"error": "…"}`, and are counted in
/// `vigil_http_auth_failures_total{route,reason}`. `route` is the matched route template, so the label set
/// is bounded by the route table. The token is never logged or echoed.
///
/// ```swift
/// let ingest = RouteCollection(context: VigilRequestContext.self)
///     .add(middleware: RequireRole(.ingest, authenticator: auth, failures: failures))
/// ```
public struct RequireRole: RouterMiddleware {
    public typealias Context = VigilRequestContext

    public let role: Role
    let authenticator: Authenticator
    let failures: CounterFamily
    let onDenied: @Sendable (_ route: String) -> Void

    /// - Parameters:
    ///   - failures: the `vigil_http_auth_failures_total` family, labels `route`, `reason`.
    ///   - onDenied: called with the route of each refused request (the ingest group counts it per endpoint too).
    public init(_ role: Role, authenticator: Authenticator, failures: CounterFamily,
                onDenied: @escaping @Sendable (_ route: String) -> Void = { _ in }) {
        self.role = role; self.authenticator = authenticator; self.failures = failures; self.onDenied = onDenied
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        switch authenticator.authorise(authorization: request.headers[.authorization], role: role) {
        case .allowed(let principal):
            var context = context
            context.principal = principal
            return try await next(request, context)
        case .denied(let reason, let message):
            let route = context.endpointPath ?? "other"
            failures.labels(route, reason.rawValue).increment()
            onDenied(route)
            var response = HTTPResponses.error(reason.statusCode == 403 ? .forbidden : .unauthorized, message)
            if reason.statusCode == 401 { response.headers[.wwwAuthenticate] = #"Bearer realm="vigil""# }
            return response
        }
    }
}
