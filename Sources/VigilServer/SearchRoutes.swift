import Hummingbird
import NIOCore

/// `GET /v1/logs/search` over the embedded log store; needs the `viewer` role when tokens are configured.
struct SearchRoutes: RouteGroup {
    /// nil when Elasticsearch is the sink: the route answers 404 saying where to search instead.
    let logSearch: (any LogSearching)?

    var name: String { "search" }
    var access: RouteAccess { .role(.viewer) }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.get("/v1/logs/search") { request, _ in try await self.search(request) }
    }

    func search(_ request: Request) async throws -> Response {
        guard let logSearch else {
            return HTTPResponses.error(.notFound, "log search needs the embedded log store (sinks.local); with Elasticsearch configured, search there")
        }
        let parameters = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        do {
            let body = try await logSearch.search(parameters: parameters)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        } catch let error as LogSearchParameterError {
            return HTTPResponses.error(.badRequest, "query parameter \"\(error.parameter)\": \(error.message)")
        }
    }
}
