import Hummingbird
import HummingbirdCore
import HTTPTypes
import Logging
import NIOCore
import VigilCore

/// Vigil's HTTP API on Hummingbird, as route groups by concern:
///
/// | group | routes | access |
/// | --- | --- | --- |
/// | ``MetricsRoutes`` | `GET /metrics` | open |
/// | ``HealthRoutes`` | `GET /healthz`, `GET /readyz` | open |
/// | ``IngestRoutes`` | `POST /v1/logs`, `/v1/predictions`, `/v1/labels` | `ingest` |
/// | ``SearchRoutes`` | `GET /v1/logs/search` | `viewer` |
/// | ``RolloutReadRoutes`` | `GET /v1/rollouts`, `/v1/rollouts/{model}`, `/v1/rollouts/{model}/verdict`, `/v1/audit`, `/v1/assign` | `viewer` |
/// | ``RolloutActionRoutes`` | `POST /v1/rollouts/{model}/{action}` | `release-manager` |
/// | ``FlaggerRoutes`` | `POST /v1/flagger/confirm-promotion`, `/v1/flagger/rollback` | open; `metadata.token` checked in the handler |
///
/// Each group's routes sit behind a ``RequireRole`` middleware for its access rule, which does nothing
/// but pass through while no tokens are configured. ``routes`` lists what was registered.
///
/// Built as a value so tests can drive the router in-process; ``makeApplication(host:port:tls:logger:onServerRunning:)``
/// wraps it in a Hummingbird `Application`, which is a `Service` for the agent's `ServiceGroup`.
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
        /// nil when no rollouts are configured: the control API answers 404 saying so.
        public var rollouts: (any RolloutControlling)?

        public init(registry: MetricRegistry, readiness: Readiness, authenticator: Authenticator,
                    ingestor: (any EventIngestor)?, logSearch: (any LogSearching)?, maxBodyBytes: Int,
                    makeRequestID: @escaping @Sendable () -> String, monotonicSeconds: @escaping @Sendable () -> Double,
                    rollouts: (any RolloutControlling)? = nil) {
            self.registry = registry; self.readiness = readiness; self.authenticator = authenticator
            self.ingestor = ingestor; self.logSearch = logSearch; self.maxBodyBytes = maxBodyBytes
            self.makeRequestID = makeRequestID; self.monotonicSeconds = monotonicSeconds
            self.rollouts = rollouts
        }
    }

    let deps: Dependencies
    let httpRequests: CounterFamily
    let httpDuration: HistogramFamily
    let ingestRequests: CounterFamily
    let authFailures: CounterFamily
    let metricsEndpoint: MetricsEndpoint

    public init(_ deps: Dependencies) {
        self.deps = deps
        metricsEndpoint = MetricsEndpoint(registry: deps.registry, monotonicSeconds: deps.monotonicSeconds)
        httpRequests = deps.registry.counter("vigil_http_requests_total", help: "HTTP requests served by the agent, by route and status code.", labelNames: ["route", "code"], cardinalityLimit: 200)
        httpDuration = deps.registry.histogram("vigil_http_request_duration_seconds", help: "Time to serve an HTTP request, by route.", labelNames: ["route"], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], cardinalityLimit: 50)
        ingestRequests = deps.registry.counter("vigil_ingest_requests_total", help: "Ingest requests by endpoint and outcome (accepted, partial, rejected, busy, too_large, unauthorized, bad_request).", labelNames: ["endpoint", "outcome"])
        authFailures = deps.registry.counter("vigil_http_auth_failures_total", help: "Requests refused by authorisation, by route and reason (missing_token, malformed_header, unknown_token, wrong_role).", labelNames: ["route", "reason"], cardinalityLimit: 200)
    }

    /// The route groups, in registration order. A new concern is one more entry here.
    var groups: [any RouteGroup] {
        [
            MetricsRoutes(endpoint: metricsEndpoint),
            HealthRoutes(readiness: deps.readiness),
            IngestRoutes(ingestor: deps.ingestor, maxBodyBytes: deps.maxBodyBytes, makeRequestID: deps.makeRequestID,
                         outcome: ingestRequests),
            SearchRoutes(logSearch: deps.logSearch),
            RolloutReadRoutes(rollouts: deps.rollouts),
            RolloutActionRoutes(rollouts: deps.rollouts, maxBodyBytes: deps.maxBodyBytes),
            FlaggerRoutes(rollouts: deps.rollouts, authenticator: deps.authenticator),
        ]
    }

    /// The router, for in-process tests and for `makeApplication`.
    public func makeRouter() -> Router<VigilRequestContext> { build().router }

    /// Every route the router serves, with its group and access rule, in registration order.
    public var routes: [RegisteredRoute] { build().routes }

    private func build() -> (router: Router<VigilRequestContext>, routes: [RegisteredRoute]) {
        let router = Router(context: VigilRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(requests: httpRequests, duration: httpDuration, now: deps.monotonicSeconds))
        let recorder = RouteRecorder(router: router)
        for group in groups {
            recorder.add(group) { group in
                guard case .role(let role) = group.access else { return nil }
                return RequireRole(role, authenticator: deps.authenticator, failures: authFailures,
                                   onDenied: { route in group.denied(route: route) })
            }
        }
        return (router, recorder.routes)
    }

    /// The server as a `Service`: plain HTTP, or TLS from `tls` (each new connection takes the store's
    /// current context, so a reloaded certificate is served without a restart).
    public func makeApplication(host: String, port: Int, tls: TLSCertificateStore? = nil, logger: Logger,
                                onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls {
            server = HTTPServerBuilder { responder in
                ReloadingTLSChannel(base: HTTP1Channel(responder: responder), store: tls)
            }
        } else {
            server = .http1()
        }
        return Application(
            router: makeRouter(),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "vigil"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
