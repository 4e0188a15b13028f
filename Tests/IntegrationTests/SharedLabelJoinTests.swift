import Foundation
import Testing

/// Fleet mode's label join with the built agent and a real PostgreSQL: predictions sent to one agent and labels to
/// another join exactly once, and killing agents and stopping the database mid-stream loses no label and counts
/// none twice.
@Suite(.serialized) struct SharedLabelJoinTests {
    static func config(_ server: PostgresServer) -> String {
        """
        storage:
          shared: { url: "\(server.url)", tls: { mode: disable }, timeout: 2s, label_join_grace: 3s }
        models: [ { name: fraud } ]
        """
    }

    static func predictions(_ range: Range<Int>) -> Data {
        Data(range.map { #"{"model":"fraud","variant":"v\#($0 % 2 == 0 ? 3 : 4)","request_id":"r\#($0)","prediction":"\#($0 % 3 == 0 ? 1 : 0)"}"# + "\n" }
            .joined().utf8)
    }

    static func labels(_ range: Range<Int>) -> Data {
        Data(range.map { #"{"model":"fraud","request_id":"r\#($0)","label":"\#($0 % 4 == 0 ? 1 : 0)"}"# + "\n" }.joined().utf8)
    }

    /// The sum of a family's samples whose labels contain every one of `matching`.
    static func total(_ text: String, _ family: String, _ matching: [String] = []) -> Double {
        text.split(separator: "\n").reduce(0) { sum, line in
            guard line.hasPrefix(family + "{") || line.hasPrefix(family + " "),
                  matching.allSatisfy({ line.contains($0) }),
                  let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { return sum }
            return sum + value
        }
    }

    static func joined(_ agent: AgentProcess) throws -> Double {
        total(try agent.metricsText(), "vigil_model_labels_total", [#"outcome="joined""#])
    }

    static func outbox(_ agent: AgentProcess) throws -> Double {
        total(try agent.metricsText(), "vigil_shared_join_outbox_rows")
    }

    static func post(_ agent: AgentProcess, _ path: String, _ body: Data) throws {
        let r = try Harness.http("POST", agent.baseURL + path, body: body)
        guard r.status == 202 else { throw HarnessError("POST \(path): \(r.status) \(String(decoding: r.body, as: UTF8.self))") }
    }

    static func migrate(_ config: String, _ directory: URL) throws {
        let file = directory.appendingPathComponent("vigil.yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let r = try Harness.run(try Harness.binary("vigil"), ["db", "migrate", "--config", file.path])
        guard r.status == 0 else { throw HarnessError("vigil db migrate: \(r.stderr)") }
    }

    /// A migrated database and the data directories of agents A and B.
    struct Fleet {
        let server: PostgresServer
        let config: String
        let dirA: URL, dirB: URL

        init(_ name: String) throws {
            server = try PostgresServer()
            config = SharedLabelJoinTests.config(server)
            dirA = try Harness.tempDirectory("vigil-\(name)-a")
            dirB = try Harness.tempDirectory("vigil-\(name)-b")
            try SharedLabelJoinTests.migrate(config, dirA)
        }

        func agents() throws -> (AgentProcess, AgentProcess) {
            (try AgentProcess(config: config, directory: dirA), try AgentProcess(config: config, directory: dirB))
        }
    }

    @Test func predictionsAtOneAgentAndLabelsAtAnotherJoinExactlyOnce() throws {
        let fleet = try Fleet("join")
        let server = fleet.server
        let (a, b) = try fleet.agents()
        defer { a.child.stop(); b.child.stop() }

        // Each batch's labels go to B right after its predictions go to A: some labels reach the shared store before
        // their predictions do, and are retried within the grace period rather than counted unmatched.
        for batch in 0..<10 {
            let ids = batch * 50..<(batch + 1) * 50
            try Self.post(a, "/v1/predictions", Self.predictions(ids))
            try Self.post(b, "/v1/labels", Self.labels(ids))
        }
        _ = try Harness.eventually("B joins all 500 labels", seconds: 30) { try Self.joined(b) == 500 ? true : nil }
        _ = try Harness.eventually("both outboxes drained", seconds: 10) { try Self.outbox(a) + Self.outbox(b) == 0 ? true : nil }
        let textB = try b.metricsText()
        #expect(Self.total(textB, "vigil_model_labels_total", [#"outcome="unmatched""#]) == 0)
        #expect(Self.total(textB, "vigil_model_confusion_total") == 500)
        #expect(Self.total(textB, "vigil_model_confusion_total", [#"variant="v3""#]) == 250)
        #expect(try Self.joined(a) == 0, "the agent that saw the predictions joins none itself")
        #expect(Self.total(try a.metricsText(), "vigil_model_predictions_total") == 500)
        #expect(try server.psql("SELECT count(*) FROM vigil_pending_predictions") == "0")

        // The same labels again: B joined them, so they are duplicates there at once; A never did, so after the
        // grace period they are unmatched there. Nothing joins a second time.
        try Self.post(b, "/v1/labels", Self.labels(0..<20))
        try Self.post(a, "/v1/labels", Self.labels(20..<30))
        _ = try Harness.eventually("B counts 20 duplicates", seconds: 10) {
            Self.total(try b.metricsText(), "vigil_model_labels_total", [#"outcome="duplicate""#]) == 20 ? true : nil
        }
        _ = try Harness.eventually("A counts 10 unmatched after the grace period", seconds: 15) {
            Self.total(try a.metricsText(), "vigil_model_labels_total", [#"outcome="unmatched""#]) == 10 ? true : nil
        }
        #expect(try Self.joined(b) == 500)
        #expect(try Self.joined(a) == 0)
    }

    @Test func killingAgentsAndStoppingTheDatabaseMidStreamLosesNoLabelAndCountsNoneTwice() throws {
        let fleet = try Fleet("join-kill")
        let server = fleet.server
        var (a, b) = try fleet.agents()
        defer { a.child.stop(); b.child.stop() }

        try Self.post(a, "/v1/predictions", Self.predictions(0..<400))
        _ = try Harness.eventually("A's predictions in the shared store", seconds: 20) {
            try server.psql("SELECT count(*) FROM vigil_pending_predictions") == "400" ? true : nil
        }
        try Self.post(b, "/v1/labels", Self.labels(0..<200))
        _ = try Harness.eventually("B joins the first 200", seconds: 20) { try Self.joined(b) == 200 ? true : nil }

        // The database goes. Both agents go on accepting: predictions 400..<500 at A, labels 200..<400 at B.
        server.stop()
        try Self.post(a, "/v1/predictions", Self.predictions(400..<500))
        try Self.post(b, "/v1/labels", Self.labels(200..<400))
        _ = try Harness.eventually("B's join fails and is counted", seconds: 20) {
            Self.total(try b.metricsText(), "vigil_shared_state_errors_total", [#"operation="join""#]) > 0 ? true : nil
        }
        #expect(try Self.outbox(a) == 100)
        #expect(try Self.outbox(b) == 200)
        #expect(try Self.joined(b) == 200, "nothing joined while the database is down")

        // Both agents are killed outright, then the database comes back and the agents restart on their data.
        a.child.signal(SIGKILL); b.child.signal(SIGKILL)
        #expect(a.child.wait(seconds: 10) != nil && b.child.wait(seconds: 10) != nil)
        try server.start()
        (a, b) = try fleet.agents()
        try Self.post(b, "/v1/labels", Self.labels(400..<500))

        // B's second life joins the 200 labels it had accepted before the kill and the 100 new ones, whose
        // predictions A accepted while the database was down: 200 + 300 = every one of the 500, once.
        _ = try Harness.eventually("B joins the rest", seconds: 30) { try Self.joined(b) == 300 ? true : nil }
        _ = try Harness.eventually("both outboxes drained", seconds: 10) { try Self.outbox(a) + Self.outbox(b) == 0 ? true : nil }
        let text = try b.metricsText()
        #expect(Self.total(text, "vigil_model_labels_total", [#"outcome="unmatched""#]) == 0)
        #expect(Self.total(text, "vigil_model_labels_total", [#"outcome="duplicate""#]) == 0)
        #expect(Self.total(text, "vigil_model_confusion_total") == 300)
        #expect(try server.psql("SELECT count(*) FROM vigil_pending_predictions") == "0")
        #expect(!b.child.stderr.contains("secret"))
    }
}
