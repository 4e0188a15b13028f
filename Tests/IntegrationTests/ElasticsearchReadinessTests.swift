import Foundation
import Testing
import VigilTestSupport

/// `/readyz` of an agent that ships to Elasticsearch: not ready, with the reason in the body, until the first
/// request Elasticsearch answers 2xx — also on an idle agent, whose start-up probe (`GET /`) makes the contact.
@Suite(.serialized)
struct ElasticsearchReadinessTests {
    static func config(esPort: Int, extra: String = "") -> String {
        """
        redact: { builtin: [] }
        sinks:
          elasticsearch:
            url: "http://127.0.0.1:\(esPort)"
            backoff: { initial: 50ms, max: 300ms }
            request_timeout: 2s
        \(extra)
        """
    }

    /// The status of `/readyz` and the reason given for the Elasticsearch sink.
    static func readiness(_ agent: AgentProcess) throws -> (status: Int, sink: String?) {
        let response = try Harness.http("GET", "\(agent.baseURL)/readyz")
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let parts = object?["parts"] as? [String: Any]
        return (response.status, parts?["sink.elasticsearch"] as? String)
    }

    @Test func notReadyUntilAnElasticsearchStartedLateAnswers() throws {
        let dir = try Harness.tempDirectory("vigil-es-ready")
        defer { try? FileManager.default.removeItem(at: dir) }
        let esPort = try Harness.freePort()
        let agent = try AgentProcess(config: Self.config(esPort: esPort), directory: dir, waitReady: false)
        defer { agent.child.stop() }

        // Nothing listens yet: not ready, and the body says why.
        let down = try Harness.eventually("a reason naming the refused connection", seconds: 20) { () -> (Int, String)? in
            let (status, reason) = try Self.readiness(agent)
            guard let reason, reason.hasPrefix("cannot reach Elasticsearch") else { return nil }
            return (status, reason)
        }
        #expect(down.0 == 503)
        Thread.sleep(forTimeInterval: 1)
        #expect(try Self.readiness(agent).status == 503, "still not ready while Elasticsearch is down")

        let mock = try ChildProcess("mock", path: try Harness.binary("vigil-es-mock"), arguments: ["--port", String(esPort)], directory: dir)
        defer { mock.stop() }
        let ready = try Harness.eventually("ready once Elasticsearch answers", seconds: 20) { () -> (Int, String?)? in
            guard mock.isRunning else { throw HarnessError("mock exited: \(mock.stderr)") }
            let state = try Self.readiness(agent)
            return state.status == 200 ? state : nil
        }
        #expect(ready.1 == "ready")
        // Ready stays ready: no request has failed, and a later outage is the spool's business, not readiness's.
        #expect(try Self.readiness(agent).status == 200)
    }

    @Test func notReadyWhileConnectionsAreRefusedThenReady() async throws {
        let dir = try Harness.tempDirectory("vigil-es-ready")
        defer { try? FileManager.default.removeItem(at: dir) }
        let es = MockElasticsearch(configuration: .init(storeBodies: false))
        let port = try await es.start()
        defer { Task { try? await es.stop() } }
        try await es.setFaults(MockFaults(refuseConnections: true))
        let agent = try AgentProcess(config: Self.config(esPort: port), directory: dir, waitReady: false)
        defer { agent.child.stop() }

        _ = try Harness.eventually("not ready with the reason", seconds: 20) { () -> Bool? in
            let (status, reason) = try Self.readiness(agent)
            return status == 503 && reason?.hasPrefix("cannot reach Elasticsearch") == true ? true : nil
        }
        try await es.setFaults(.none)
        _ = try Harness.eventually("ready after the first successful request", seconds: 20) { () -> Bool? in
            try Self.readiness(agent).status == 200 ? true : nil
        }
        #expect(es.stats().requests >= 1)
    }

    @Test func anAnswerThatIsNotASuccessIsNotContact() async throws {
        let dir = try Harness.tempDirectory("vigil-es-ready")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The cluster wants credentials the agent does not send: every answer is 401.
        let es = MockElasticsearch(configuration: .init(storeBodies: false, requiredAuthorization: "Basic dmlnaWw6c2VjcmV0"))
        let port = try await es.start()
        defer { Task { try? await es.stop() } }
        let agent = try AgentProcess(config: Self.config(esPort: port), directory: dir, waitReady: false)
        defer { agent.child.stop() }

        let reason = try Harness.eventually("the 401 as the reason", seconds: 20) { () -> String? in
            let (status, reason) = try Self.readiness(agent)
            return status == 503 && reason?.contains("401") == true ? reason : nil
        }
        #expect(reason == "Elasticsearch answered HTTP 401 (check the credentials)")
        try await Task.sleep(for: .seconds(1))
        #expect(try Self.readiness(agent).status == 503)
    }
}
