import Hummingbird
import VigilCore

/// Counts every request by route and status, and times it.
///
/// `route` is the matched route template (set by the router before the route's middleware chain runs) or
/// `other` for a path or method no route matches, so scanners probing random paths cannot inflate the series
/// count: the label set is bounded by the route table.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = VigilRequestContext
    let requests: CounterFamily
    let duration: HistogramFamily
    let now: @Sendable () -> Double

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = now()
        let route = context.endpointPath ?? "other"
        do {
            let response = try await next(request, context)
            requests.labels(route, String(response.status.code)).increment()
            duration.labels(route).observe(now() - start)
            return response
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            requests.labels(route, String(code)).increment()
            duration.labels(route).observe(now() - start)
            throw error
        }
    }
}
