import Hummingbird
import HTTPTypes
import NIOCore
import VigilCore
import VigilGzip

/// `GET /metrics`: the registry in Prometheus text 0.0.4 or OpenMetrics 1.0 (by `Accept`), gzip when asked.
///
/// Open even with tokens configured: Prometheus scrapes it, and it carries counts, never event content.
struct MetricsRoutes: RouteGroup {
    let registry: MetricRegistry
    /// Monotonic seconds, for the render-duration gauge.
    let monotonicSeconds: @Sendable () -> Double

    var name: String { "metrics" }
    var access: RouteAccess { .open }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        routes.get("/metrics") { request, _ in self.metrics(request) }
    }

    func metrics(_ request: Request) -> Response {
        let start = monotonicSeconds()
        let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
        var body = registry.render(format)
        var headers: HTTPFields = [.contentType: format.contentType]
        if Self.acceptsGzip(request.headers[.acceptEncoding]) {
            body = Gzip.compress(body, level: 1)
            headers[.contentEncoding] = "gzip"
        }
        headers[.vary] = "Accept, Accept-Encoding"
        registry.recordRenderDuration(seconds: monotonicSeconds() - start)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// True when `Accept-Encoding` lists gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let coding = fields.first?.lowercased(), coding == "gzip" || coding == "*" else { continue }
            let q = fields.dropFirst().first { $0.lowercased().hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }
}
