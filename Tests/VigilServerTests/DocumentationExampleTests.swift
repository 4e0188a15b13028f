// Every ```swift example of a doc comment under Sources/VigilServer, verbatim, in a test that compiles and runs it
// (through Hummingbird's test client where it serves requests, with the values its comments state checked after it).
// `documentationExamplesAreCompiled` (Tests/VigilCoreTests/DocumentationExampleTests.swift) fails when an example
// in the sources is not found line for line in a test target's DocumentationExampleTests.swift: change an example
// in both places.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VigilCore
@testable import VigilServer

@Suite struct ServerDocumentationExampleTests {
    /// Role.swift
    @Test func role() throws {
        Role.releaseManager.grants(.viewer)   // true
        Role.ingest.grants(.viewer)           // false
        #expect(Role.releaseManager.grants(.viewer))
        #expect(!Role.ingest.grants(.viewer))
    }

    /// Authenticator.swift
    @Test func authenticator() throws {
        let auth = Authenticator(tokens: [.init(name: "ci", sha256: SHA256.hash(Array("s3cret".utf8)), roles: [.ingest])])
        auth.authorise(authorization: "Bearer s3cret", role: .ingest)   // .allowed(Principal(name: "ci", roles: [.ingest]))
        auth.authorise(authorization: nil, role: .ingest)               // .denied(reason: .missingToken, …)
        #expect(auth.authorise(authorization: "Bearer s3cret", role: .ingest) == .allowed(Principal(name: "ci", roles: [.ingest])))
        guard case .denied(reason: .missingToken, _) = auth.authorise(authorization: nil, role: .ingest) else {
            Issue.record("a request without a token was not denied for a missing token"); return
        }
    }

    /// RequireRole.swift
    @Test func requireRole() async throws {
        let auth = Authenticator(tokens: [.init(name: "ci", sha256: SHA256.hash(Array("s3cret".utf8)), roles: [.ingest])])
        let registry = MetricRegistry()
        let failures = registry.counter("vigil_http_auth_failures_total", help: "f", labelNames: ["route", "reason"])
        let ingest = RouteCollection(context: VigilRequestContext.self)
            .add(middleware: RequireRole(.ingest, authenticator: auth, failures: failures))
        ingest.post("/v1/logs") { _, context in context.principal?.name ?? "nobody" }
        let router = Router(context: VigilRequestContext.self)
        router.addRoutes(ingest)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ci")
            }
            try await client.execute(uri: "/v1/logs", method: .post) { response in
                #expect(response.status == .unauthorized)
            }
        }
        #expect(failures.labels("/v1/logs", "missing_token").value == 1)
    }
}
