import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VigilCore
@testable import VigilRuntime
import VigilServer
import VigilStorage

/// The rollout control API through the router in-process, over a real controller and SQLite store.
struct ControlAPITests {
    static let tokens = [
        Authenticator.Token(name: "alice", sha256: SHA256.hash(Array("rm-secret".utf8)), roles: [.releaseManager]),
        Authenticator.Token(name: "grafana", sha256: SHA256.hash(Array("viewer-secret".utf8)), roles: [.viewer]),
        Authenticator.Token(name: "shipper", sha256: SHA256.hash(Array("ingest-secret".utf8)), roles: [.ingest]),
    ]

    struct Fixture {
        let controller: RolloutController
        let evidence = LocalRolloutEvidence()
        let router: Router<VigilRequestContext>

        init(tokens: [Authenticator.Token] = ControlAPITests.tokens) throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-control-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let registry = MetricRegistry()
            controller = RolloutController(
                definitions: [try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4", minSamples: 100,
                                                    minStepDurationMillis: 0)],
                store: SQLiteRolloutStore(database: try VigilDatabase(dataDirectory: directory.path)), evidence: evidence,
                registry: registry, now: { 1_700_000_000_000 })
            router = VigilHTTPServer(.init(registry: registry, readiness: Readiness(), authenticator: Authenticator(tokens: tokens),
                                           ingestor: nil, logSearch: nil, maxBodyBytes: 1 << 20, makeRequestID: { "r" },
                                           monotonicSeconds: { 0 }, rollouts: RolloutAPI(controller: controller))).makeRouter()
        }

        func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil) async throws -> (HTTPResponse.Status, String) {
            var headers = HTTPFields()
            if let token { headers[.authorization] = "Bearer \(token)" }
            let fields = headers
            return try await Application(router: router).test(.router) { client in
                let r = try await client.execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
                return (r.status, String(buffer: r.body))
            }
        }
    }

    @Test func actionsNeedAReasonAndAreAuditedUnderTheTokensName() async throws {
        let f = try Fixture()
        #expect(try await f.call(.post, "/v1/rollouts/fraud/start", token: "rm-secret", body: "{}").0 == .badRequest)
        #expect(try await f.call(.post, "/v1/rollouts/fraud/start", token: "rm-secret", body: "not json").0 == .badRequest)
        #expect(try await f.call(.post, "/v1/rollouts/fraud/launch", token: "rm-secret", body: #"{"reason":"x"}"#).0 == .notFound)
        #expect(try await f.call(.post, "/v1/rollouts/nope/start", token: "rm-secret", body: #"{"reason":"x"}"#).0 == .notFound)
        #expect(try await f.call(.post, "/v1/rollouts/fraud/pause", token: "rm-secret", body: #"{"reason":"x"}"#).0 == .conflict)
        let (status, body) = try await f.call(.post, "/v1/rollouts/fraud/start", token: "rm-secret", body: #"{"reason":"ship v4"}"#)
        #expect(status == .ok && body.contains(#""outcome":"changed""#))
        let (again, againBody) = try await f.call(.post, "/v1/rollouts/fraud/start", token: "rm-secret", body: #"{"reason":"ship v4"}"#)
        #expect(again == .ok && againBody.contains(#""outcome":"unchanged""#) && againBody.contains("already running"))
        // A viewer may read but not act.
        #expect(try await f.call(.post, "/v1/rollouts/fraud/rollback", token: "viewer-secret", body: #"{"reason":"x"}"#).0 == .forbidden)
        let (_, audit) = try await f.call(.get, "/v1/audit?model=fraud", token: "viewer-secret")
        let entries = try #require((try JSONSerialization.jsonObject(with: Data(audit.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries.first?["actor"] as? String == "alice" && entries.first?["reason"] as? String == "ship v4")
        #expect(try await f.call(.get, "/v1/audit?limit=0", token: "viewer-secret").0 == .badRequest)
        #expect(try await f.call(.get, "/v1/audit?subject=x", token: "viewer-secret").0 == .badRequest)
    }

    @Test func statusVerdictAndAssignmentFollowARollback() async throws {
        let f = try Fixture()
        _ = try await f.call(.post, "/v1/rollouts/fraud/start", token: "rm-secret", body: #"{"reason":"go"}"#)
        await f.controller.evaluateAll()
        f.evidence.update { l in
            for i in 0..<19_000 { l.recordRequest(model: "fraud", variant: "v3", latencySeconds: 0.05, failed: i < 190) }
            for i in 0..<1_000 { l.recordRequest(model: "fraud", variant: "v4", latencySeconds: 0.05, failed: i < 100) }
        }
        await f.controller.evaluateAll()
        let (status, body) = try await f.call(.get, "/v1/rollouts/fraud", token: "viewer-secret")
        #expect(status == .ok && body.contains(#""state":"rolled_back""#))
        let (_, verdict) = try await f.call(.get, "/v1/rollouts/fraud/verdict", token: "viewer-secret")
        let v = try #require(try JSONSerialization.jsonObject(with: Data(verdict.utf8)) as? [String: Any])
        #expect(v["verdict"] as? String == "fail" && v["promotable"] as? Bool == false)
        #expect((v["guardrails"] as? [String: String])?["error_rate"] == "fail")
        for i in 0..<200 {
            let (s, a) = try await f.call(.get, "/v1/assign?model=fraud&unit=user-\(i)", token: "viewer-secret")
            #expect(s == .ok && a.contains(#""variant":"v3""#))
        }
        #expect(try await f.call(.get, "/v1/assign?model=fraud", token: "viewer-secret").0 == .badRequest)
        #expect(try await f.call(.get, "/v1/assign?model=other&unit=u", token: "viewer-secret").0 == .notFound)
        let (_, list) = try await f.call(.get, "/v1/rollouts", token: "viewer-secret")
        #expect(list.contains(#""model":"fraud""#))
    }

    @Test func flaggerWebhooksCheckTheTokenInMetadataAndAnswerByStatus() async throws {
        let f = try Fixture()
        func payload(_ token: String?) -> String {
            #"{"name":"fraud","namespace":"ml","phase":"Progressing","metadata":{"# + (token.map { #""token":""# + $0 + #"""# } ?? "") + "}}"
        }
        #expect(try await f.call(.post, "/v1/flagger/rollback", body: payload(nil)).0 == .unauthorized)
        #expect(try await f.call(.post, "/v1/flagger/rollback", body: payload("wrong")).0 == .unauthorized)
        #expect(try await f.call(.post, "/v1/flagger/rollback", body: payload("ingest-secret")).0 == .forbidden)
        #expect(try await f.call(.post, "/v1/flagger/rollback", body: "[]").0 == .badRequest)
        // Running with no failing guardrail: no rollback (non-2xx), no promotion yet (non-2xx).
        _ = try await f.call(.post, "/v1/rollouts/fraud/start", token: "rm-secret", body: #"{"reason":"go"}"#)
        #expect(try await f.call(.post, "/v1/flagger/rollback", body: payload("viewer-secret")).0 == .forbidden)
        #expect(try await f.call(.post, "/v1/flagger/confirm-promotion", body: payload("viewer-secret")).0 == .forbidden)
        // Equal variants with enough data: promotion confirmed.
        await f.controller.evaluateAll()
        f.evidence.update { l in
            for i in 0..<9_500 { l.recordRequest(model: "fraud", variant: "v3", latencySeconds: 0.05, failed: i < 95) }
            for i in 0..<500 { l.recordRequest(model: "fraud", variant: "v4", latencySeconds: 0.05, failed: i < 5) }
        }
        await f.controller.evaluateAll()
        let (confirm, message) = try await f.call(.post, "/v1/flagger/confirm-promotion", body: payload("viewer-secret"))
        #expect(confirm == .ok, "\(message)")
        // A release manager rolls back: Flagger's rollback hook now answers 200.
        _ = try await f.call(.post, "/v1/rollouts/fraud/rollback", token: "rm-secret", body: #"{"reason":"complaints"}"#)
        #expect(try await f.call(.post, "/v1/flagger/rollback", body: payload("viewer-secret")).0 == .ok)
    }
}
