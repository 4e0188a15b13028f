import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VigilCore
import VigilHTTPClient
@testable import VigilRuntime
import VigilServer
@testable import VigilStorage

/// Every route × every credential, driven through the router in-process over a real pipeline, spool and
/// log store. The table below is the test's own statement of who may call what; the server's route list
/// must match it exactly, so a route added without an entry here fails `everyRegisteredRouteHasAnEntry`.
struct RouteAuthorisationTests {
    /// One row of the route table: the access rule and a request that succeeds when access is granted.
    struct Entry: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var access: RouteAccess
        var body: String?
        /// The status of the request above when it is let through.
        var allowed: HTTPResponse.Status
        /// The route template when `path` fills in parameters (`/v1/rollouts/{model}`).
        var template: String? = nil
        var testDescription: String { "\(method.rawValue) \(path)" }
        var key: String { "\(method.rawValue) \(template ?? path)" }
    }

    static let table: [Entry] = [
        Entry(method: .get, path: "/metrics", access: .open, allowed: .ok),
        Entry(method: .get, path: "/healthz", access: .open, allowed: .ok),
        Entry(method: .get, path: "/readyz", access: .open, allowed: .ok),
        Entry(method: .post, path: "/v1/logs", access: .role(.ingest), body: "{\"message\":\"m\"}\n", allowed: .accepted),
        Entry(method: .post, path: "/v1/predictions", access: .role(.ingest),
              body: "{\"model\":\"m\",\"request_id\":\"r1\",\"prediction\":1}\n", allowed: .accepted),
        Entry(method: .post, path: "/v1/labels", access: .role(.ingest), body: "{\"model\":\"m\",\"request_id\":\"r1\",\"label\":1}\n", allowed: .accepted),
        Entry(method: .get, path: "/v1/logs/search?q=anything", access: .role(.viewer), allowed: .ok),
        Entry(method: .get, path: "/v1/rollouts", access: .role(.viewer), allowed: .ok),
        Entry(method: .get, path: "/v1/rollouts/fraud", access: .role(.viewer), allowed: .ok, template: "/v1/rollouts/{model}"),
        Entry(method: .get, path: "/v1/rollouts/fraud/verdict", access: .role(.viewer), allowed: .ok,
              template: "/v1/rollouts/{model}/verdict"),
        Entry(method: .get, path: "/v1/audit?model=fraud&limit=5", access: .role(.viewer), allowed: .ok),
        Entry(method: .get, path: "/v1/assign?model=fraud&unit=user-1", access: .role(.viewer), allowed: .ok),
        // Starting is `changed` the first time and `unchanged` after: 200 both times.
        Entry(method: .post, path: "/v1/rollouts/fraud/start", access: .role(.releaseManager), body: #"{"reason":"ship v4"}"#,
              allowed: .ok, template: "/v1/rollouts/{model}/{action}"),
        // Flagger sends no headers: the route is open and checks metadata.token itself (see FlaggerWebhookTests).
        // A pending rollout is not promotable and needs no rollback: 403 to both.
        Entry(method: .post, path: "/v1/flagger/confirm-promotion",
              access: .open, body: #"{"name":"fraud","namespace":"ml","phase":"Progressing","metadata":{"token":"s3cret-viewer"}}"#,
              allowed: .forbidden),
        Entry(method: .post, path: "/v1/flagger/rollback",
              access: .open, body: #"{"name":"fraud","namespace":"ml","phase":"Progressing","metadata":{"token":"s3cret-viewer"}}"#,
              allowed: .forbidden),
    ]

    /// What a request carries in `Authorization`.
    enum Credential: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case none, malformed, unknown, viewer, ingest, releaseManager, admin
        var testDescription: String { rawValue }

        /// The secret of the token configured with this single role.
        static func secret(for role: Role) -> String { "s3cret-\(role.rawValue)" }

        var header: String? {
            switch self {
            case .none: return nil
            case .malformed: return "Basic dXNlcjpwYXNz"
            case .unknown: return "Bearer s3cret-nobody"
            case .viewer: return "Bearer " + Self.secret(for: .viewer)
            case .ingest: return "Bearer " + Self.secret(for: .ingest)
            case .releaseManager: return "Bearer " + Self.secret(for: .releaseManager)
            case .admin: return "Bearer " + Self.secret(for: .admin)
            }
        }

        var role: Role? {
            switch self {
            case .none, .malformed, .unknown: return nil
            case .viewer: return .viewer
            case .ingest: return .ingest
            case .releaseManager: return .releaseManager
            case .admin: return .admin
            }
        }
    }

    /// One token per role, named after it.
    static let tokens = Role.allCases.map {
        Authenticator.Token(name: "\($0.rawValue)-token", sha256: SHA256.hash(Array(Credential.secret(for: $0).utf8)), roles: [$0])
    }

    struct Fixture {
        let registry = MetricRegistry()
        let server: VigilHTTPServer

        init(tokens: [Authenticator.Token]) throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-routes-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try VigilDatabase(dataDirectory: directory.path)
            let spool = try Spool(database: database, configuration: SpoolConfiguration())
            let pipeline = try EventPipeline(configuration: PipelineConfiguration(), registry: registry)
            let ingestor = RuntimeIngestor(pipeline: pipeline, writer: SpoolWriter(spool: spool, registry: registry), io: BlockingPool(label: "test"), now: { 1_700_000_000_000 }, onAccepted: { _ in })
            let search = LocalLogSearch(store: try LogStore(dataDirectory: directory.path), io: BlockingPool(label: "test.search"), now: { 1_700_000_000_000 })
            let controller = RolloutController(
                definitions: [try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4")],
                store: SQLiteRolloutStore(database: database), evidence: LocalRolloutEvidence(), registry: registry,
                now: { 1_700_000_000_000 })
            server = VigilHTTPServer(.init(registry: registry, readiness: Readiness(), authenticator: Authenticator(tokens: tokens),
                                           ingestor: ingestor, logSearch: search, maxBodyBytes: 1 << 20,
                                           makeRequestID: { "fixed-request" }, monotonicSeconds: { 0 },
                                           rollouts: RolloutAPI(controller: controller)))
        }

        func send(_ entry: Entry, authorization: String?) async throws -> TestResponse {
            var headers = HTTPFields()
            if let authorization { headers[.authorization] = authorization }
            let fields = headers
            return try await Application(router: server.makeRouter()).test(.router) { client in
                try await client.execute(uri: entry.path, method: entry.method, headers: fields,
                                         body: entry.body.map { ByteBuffer(string: $0) })
            }
        }
    }

    @Test func everyRegisteredRouteHasAnEntry() throws {
        let routes = try Fixture(tokens: Self.tokens).server.routes
        let registered = Dictionary(uniqueKeysWithValues: routes.map { ("\($0.method) \($0.path)", $0.access) })
        let expected = Dictionary(Self.table.map { ($0.key.split(separator: "?")[0].description, $0.access) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(registered.keys) == Set(expected.keys), "a route without an entry in RouteAuthorisationTests.table, or an entry without a route")
        for (route, access) in registered {
            #expect(expected[route] == access, "\(route): registered as \(access), the table says \(expected[route].map(String.init(describing:)) ?? "nothing")")
        }
    }

    @Test(arguments: table, Credential.allCases)
    func routeRoleMatrix(entry: Entry, credential: Credential) async throws {
        let f = try Fixture(tokens: Self.tokens)
        let response = try await f.send(entry, authorization: credential.header)
        let body = String(buffer: response.body)
        #expect(!body.contains("s3cret"), "a token leaked into the response")
        switch entry.access {
        case .open:
            #expect(response.status == entry.allowed)
        case .role(let required):
            if let role = credential.role {
                if role.grants(required) {
                    #expect(response.status == entry.allowed, "\(credential) on \(entry.path): \(body)")
                } else {
                    #expect(response.status == .forbidden)
                    #expect(response.headers[.wwwAuthenticate] == nil)
                    #expect(body.contains("lacks the \(required.rawValue) role"))
                }
            } else {
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="vigil""#)
            }
            if response.status == .unauthorized || response.status == .forbidden {
                #expect(response.headers[.contentType] == "application/json")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                #expect(object["error"] is String)
            }
        }
    }

    /// With no tokens configured the API stays as it was: every route open.
    @Test(arguments: table)
    func withoutTokensEveryRouteIsOpen(entry: Entry) async throws {
        let f = try Fixture(tokens: [])
        #expect(try await f.send(entry, authorization: nil).status == entry.allowed)
        // A header sent anyway is ignored, not rejected.
        #expect(try await f.send(entry, authorization: "Bearer whatever").status == entry.allowed)
    }

    @Test func refusalsAreCountedByRouteAndReasonWithoutTheToken() async throws {
        let f = try Fixture(tokens: Self.tokens)
        let logs = Self.table[3], search = Self.table[6]
        _ = try await f.send(logs, authorization: nil)
        _ = try await f.send(logs, authorization: "Bearer s3cret-nobody")
        _ = try await f.send(logs, authorization: "Bearer s3cret-nobody")
        _ = try await f.send(logs, authorization: Credential.viewer.header)
        _ = try await f.send(search, authorization: "Token x")
        _ = try await f.send(search, authorization: Credential.ingest.header)
        _ = try await f.send(search, authorization: Credential.viewer.header)
        let text = String(decoding: f.registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains(#"vigil_http_auth_failures_total{route="/v1/logs",reason="missing_token"} 1"#))
        #expect(text.contains(#"vigil_http_auth_failures_total{route="/v1/logs",reason="unknown_token"} 2"#))
        #expect(text.contains(#"vigil_http_auth_failures_total{route="/v1/logs",reason="wrong_role"} 1"#))
        #expect(text.contains(#"vigil_http_auth_failures_total{route="/v1/logs/search",reason="malformed_header"} 1"#))
        #expect(text.contains(#"vigil_http_auth_failures_total{route="/v1/logs/search",reason="wrong_role"} 1"#))
        #expect(!text.contains(#"reason="wrong_role"} 2"#))
        // The ingest endpoint's own outcome counter still sees the refusals.
        #expect(text.contains(#"vigil_ingest_requests_total{endpoint="logs",outcome="unauthorized"} 4"#))
        #expect(!text.contains("s3cret"))
    }

    /// The middleware's contract for handlers (the control API's audit log): who acted.
    @Test(arguments: [(Credential.releaseManager, "release-manager-token"), (.admin, "admin-token")])
    func principalIsRecordedInTheContext(credential: Credential, name: String) async throws {
        let router = Router(context: VigilRequestContext.self)
        let group = RouteCollection(context: VigilRequestContext.self)
            .add(middleware: RequireRole(.releaseManager, authenticator: Authenticator(tokens: Self.tokens),
                                         failures: MetricRegistry().counter("f_total", help: "f", labelNames: ["route", "reason"])))
        group.post("/v1/act") { _, context in context.principal?.name ?? "nobody" }
        router.addRoutes(group)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/act", method: .post, headers: [.authorization: credential.header!]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == name)
            }
            try await client.execute(uri: "/v1/act", method: .post, headers: [.authorization: Credential.viewer.header!]) { response in
                #expect(response.status == .forbidden)
            }
        }
    }
}
