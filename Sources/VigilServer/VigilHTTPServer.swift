import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import VigilCore
import VigilGzip

/// Vigil's HTTP API on Hummingbird: `/metrics`, `/healthz`, `/readyz`, the ingest endpoints
/// `POST /v1/{logs,predictions,labels}` and `GET /v1/logs/search`.
///
/// Built as a value so tests can drive the router in-process; `makeApplication` wraps it in a
/// Hummingbird `Application`, which is a `Service` for the agent's `ServiceGroup`.
public struct VigilHTTPServer: Sendable {
    public struct Dependencies: Sendable {
        public var registry: MetricRegistry
        public var readiness: Readiness
        public var authenticator: Authenticator
        /// nil when no `http` source is configured: the ingest endpoints answer 404.
        public var ingestor: (any EventIngestor)?
        public var logSearch: (any LogSearching)?
        public var maxBodyBytes: Int
        /// Produces a fresh request id when the client sends no `X-Request-ID`.
        public var makeRequestID: @Sendable () -> String
        /// Monotonic seconds, for the render-duration gauge.
        public var monotonicSeconds: @Sendable () -> Double

        public init(registry: MetricRegistry, readiness: Readiness, authenticator: Authenticator,
                    ingestor: (any EventIngestor)?, logSearch: (any LogSearching)?, maxBodyBytes: Int,
                    makeRequestID: @escaping @Sendable () -> String, monotonicSeconds: @escaping @Sendable () -> Double) {
            self.registry = registry; self.readiness = readiness; self.authenticator = authenticator
            self.ingestor = ingestor; self.logSearch = logSearch; self.maxBodyBytes = maxBodyBytes
            self.makeRequestID = makeRequestID; self.monotonicSeconds = monotonicSeconds
        }
    }

    let deps: Dependencies
    let httpRequests: CounterFamily
    let httpDuration: HistogramFamily
    let ingestRequests: CounterFamily
    let metricsEndpoint: MetricsEndpoint

    public init(_ deps: Dependencies) {
        self.deps = deps
        metricsEndpoint = MetricsEndpoint(registry: deps.registry, monotonicSeconds: deps.monotonicSeconds)
        httpRequests = deps.registry.counter("vigil_http_requests_total", help: "HTTP requests served by the agent, by route and status code.", labelNames: ["route", "code"], cardinalityLimit: 200)
        httpDuration = deps.registry.histogram("vigil_http_request_duration_seconds", help: "Time to serve an HTTP request, by route.", labelNames: ["route"], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], cardinalityLimit: 50)
        ingestRequests = deps.registry.counter("vigil_ingest_requests_total", help: "Ingest requests by endpoint and outcome (accepted, partial, rejected, busy, too_large, unauthorized, bad_request).", labelNames: ["endpoint", "outcome"])
    }

    /// The router, for in-process tests and for `makeApplication`.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(requests: httpRequests, duration: httpDuration, now: deps.monotonicSeconds))
        router.get("/metrics") { request, _ in self.metrics(request) }
        router.get("/healthz") { _, _ in Self.json(.ok, #"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in self.readyz() }
        for endpoint in IngestEndpoint.allCases {
            router.post("/v1/\(endpoint.rawValue)") { request, context in
                try await self.ingest(endpoint, request: request, context: context)
            }
        }
        router.get("/v1/logs/search") { request, _ in try await self.search(request) }
        return router
    }

    public func makeApplication(host: String, port: Int, logger: Logger,
                                onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "vigil"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    // MARK: - /metrics

    func metrics(_ request: Request) -> Response {
        metricsEndpoint.respond(to: request)
    }

    // MARK: - /readyz

    func readyz() -> Response {
        let parts = deps.readiness.snapshot()
        let notReady = parts.filter { !$0.ready }
        var body = #"{"status":"# + (notReady.isEmpty ? #""ready""# : #""not ready""#) + #","parts":{"#
        for (i, part) in parts.enumerated() {
            if i > 0 { body += "," }
            body += JSONText.quote(part.name) + ":" + (part.ready ? #""ready""# : JSONText.quote(part.reason))
        }
        body += "}}"
        return Self.json(notReady.isEmpty ? .ok : .serviceUnavailable, body)
    }

    // MARK: - ingest

    func ingest(_ endpoint: IngestEndpoint, request: Request, context: BasicRequestContext) async throws -> Response {
        let outcome = ingestRequests
        guard let ingestor = deps.ingestor else {
            return Self.error(.notFound, "no http source is configured; add `- type: http` to sources")
        }
        switch deps.authenticator.check(authorization: request.headers[.authorization], role: .ingest) {
        case .allowed: break
        case .unauthenticated(let why):
            outcome.labels(endpoint.rawValue, "unauthorized").increment()
            var response = Self.error(.unauthorized, why)
            response.headers[.wwwAuthenticate] = #"Bearer realm="vigil""#
            return response
        case .forbidden(let why):
            outcome.labels(endpoint.rawValue, "unauthorized").increment()
            return Self.error(.forbidden, why)
        }
        var body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: deps.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            outcome.labels(endpoint.rawValue, "too_large").increment()
            return Self.error(.contentTooLarge, "request body is larger than server.max_body_bytes (\(deps.maxBodyBytes) bytes)")
        }
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" || encoding == "x-gzip" else {
                outcome.labels(endpoint.rawValue, "bad_request").increment()
                return Self.error(.unsupportedMediaType, "unsupported Content-Encoding \"\(encoding)\"; use gzip or none")
            }
            do {
                body = try Gzip.decompress(body, maxOutputBytes: deps.maxBodyBytes)
            } catch .tooLarge {
                outcome.labels(endpoint.rawValue, "too_large").increment()
                return Self.error(.contentTooLarge, "decompressed body is larger than server.max_body_bytes (\(deps.maxBodyBytes) bytes)")
            } catch {
                outcome.labels(endpoint.rawValue, "bad_request").increment()
                return Self.error(.badRequest, "cannot decompress the gzip body: \(error)")
            }
        }
        let documents: [(number: Int, bytes: ArraySlice<UInt8>)]
        do {
            documents = try RequestFraming.split(body)
        } catch {
            outcome.labels(endpoint.rawValue, "bad_request").increment()
            return Self.error(.badRequest, error.description)
        }
        if documents.isEmpty {
            outcome.labels(endpoint.rawValue, "bad_request").increment()
            return Self.error(.badRequest, "the body holds no documents; send NDJSON (one JSON object per line) or a JSON array")
        }
        let requestID = request.headers[.xRequestID].flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 } ?? deps.makeRequestID()
        let result = try await ingestor.ingest(endpoint: endpoint, lines: documents.map(\.bytes), requestID: requestID)
        switch result {
        case .busy(let seconds):
            outcome.labels(endpoint.rawValue, "busy").increment()
            var response = Self.error(.serviceUnavailable, "storage is full; retry later")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .accepted(let count, let rejected):
            outcome.labels(endpoint.rawValue, rejected.isEmpty ? "accepted" : (count == 0 ? "rejected" : "partial")).increment()
            var text = #"{"accepted":\#(count),"rejected":["#
            for (i, r) in rejected.enumerated() {
                if i > 0 { text += "," }
                // Map the index in `lines` back to the client's line number.
                let number = r.line >= 1 && r.line <= documents.count ? documents[r.line - 1].number : r.line
                text += #"{"line":\#(number),"error":"# + JSONText.quote(r.error) + "}"
            }
            text += #"],"request_id":"# + JSONText.quote(requestID) + "}"
            var response = Self.json(.accepted, text)
            response.headers[.xRequestID] = requestID
            return response
        }
    }

    // MARK: - search

    func search(_ request: Request) async throws -> Response {
        switch deps.authenticator.check(authorization: request.headers[.authorization], role: .viewer) {
        case .allowed: break
        case .unauthenticated(let why): return Self.error(.unauthorized, why)
        case .forbidden(let why): return Self.error(.forbidden, why)
        }
        guard let logSearch = deps.logSearch else {
            return Self.error(.notFound, "log search needs the embedded log store (sinks.local); with Elasticsearch configured, search there")
        }
        let parameters = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        do {
            let body = try await logSearch.search(parameters: parameters)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        } catch let error as LogSearchParameterError {
            return Self.error(.badRequest, "query parameter \"\(error.parameter)\": \(error.message)")
        }
    }

    // MARK: - helpers

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, #"{"error":"# + JSONText.quote(message) + "}")
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-ID")!
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

/// JSON string quoting for response bodies built by hand.
enum JSONText {
    static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        JSONString.appendQuoted(s.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Counts every request by route and status, and times it.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let requests: CounterFamily
    let duration: HistogramFamily
    let now: @Sendable () -> Double

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = now()
        let route = Self.route(request.uri.path)
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

    /// Known routes by name; anything else is `other`, so scanners cannot inflate the series count.
    static func route(_ path: String) -> String {
        switch path {
        case "/metrics", "/healthz", "/readyz", "/v1/logs", "/v1/predictions", "/v1/labels", "/v1/logs/search": return path
        default: return "other"
        }
    }
}
