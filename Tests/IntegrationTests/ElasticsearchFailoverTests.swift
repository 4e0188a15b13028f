import Foundation
import Testing
import VigilTestSupport

/// `sinks.elasticsearch.hosts` with the built binaries: an agent tails a growing file and ships it round-robin to two
/// `vigil-es-mock` nodes; one node is killed (SIGKILL, by PID) mid-run. Each mock keeps a journal of the documents it
/// created, written before it acknowledges them, so the killed node's store can still be read: across both nodes
/// every line is present, under one `_id` (a document that landed on both, resent after the kill, has the same
/// `_id` on both), the spool drains, and `vigil_elasticsearch_host_up` shows the dead node 0. Restarted on its port
/// and journal, the node is taken back after its backoff and receives documents again.
@Suite(.serialized)
struct ElasticsearchFailoverTests {
    /// A mock node with a journal, on a chosen port (0: any).
    final class Node {
        let name: String
        let journal: URL
        let portFile: URL
        let directory: URL
        var process: ChildProcess
        let port: Int

        let delayMilliseconds: Int

        init(_ name: String, directory: URL, port: Int = 0, delayMilliseconds: Int) throws {
            self.name = name
            self.delayMilliseconds = delayMilliseconds
            self.directory = directory
            journal = directory.appendingPathComponent("\(name).journal")
            portFile = directory.appendingPathComponent("\(name).port")
            process = try Node.launch(name, directory: directory, port: port, journal: journal, portFile: portFile, delay: delayMilliseconds)
            let process = self.process
            let portFile = self.portFile
            self.port = try Harness.eventually("\(name)'s port file") { () -> Int? in
                guard process.isRunning else { throw HarnessError("\(name) exited: \(process.stderr)") }
                return (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }

        /// `delay` holds each `_bulk` answer back after the documents are stored (and journaled): a slow node keeps a
        /// request in flight, so the kill catches documents stored but not yet acknowledged.
        static func launch(_ name: String, directory: URL, port: Int, journal: URL, portFile: URL, delay: Int) throws -> ChildProcess {
            try? FileManager.default.removeItem(at: portFile)
            return try ChildProcess(name, path: try Harness.binary("vigil-es-mock"),
                                    arguments: ["--port", String(port), "--port-file", portFile.path, "--journal", journal.path,
                                                "--faults", #"{"delayMilliseconds":\#(delay)}"#],
                                    directory: directory)
        }

        /// Starts the node again on its port and journal (after a kill).
        func restart() throws {
            process = try Node.launch(name, directory: directory, port: port, journal: journal, portFile: portFile, delay: delayMilliseconds)
            let process = self.process
            let portFile = self.portFile
            _ = try Harness.eventually("\(name) listening again") { () -> Bool? in
                guard process.isRunning else { throw HarnessError("\(name) exited: \(process.stderr)") }
                return FileManager.default.fileExists(atPath: portFile.path) ? true : nil
            }
        }

        var url: String { "http://127.0.0.1:\(port)" }
        /// Documents the node created, from its journal (readable whether it runs or was killed).
        var documents: [MockElasticsearch.JournalEntry] {
            MockElasticsearch.readJournal(Array((try? Data(contentsOf: journal)) ?? Data()))
        }
    }

    static func config(log: String, hosts: [String]) -> String {
        """
        sources:
          - { type: file, paths: ["\(log)"], scan_interval: 50ms }
        redact: { builtin: [] }
        sinks:
          elasticsearch:
            hosts: [\(hosts.map { "\"\($0)\"" }.joined(separator: ", "))]
            gzip_level: 1
            batch: { max_events: 200, timeout: 50ms }
            backoff: { initial: 50ms, max: 500ms }
            request_timeout: 3s
            connect_timeout: 1s
            failover: { health_check_interval: 300ms, backoff_initial: 400ms, backoff_max: 1s }
        """
    }

    /// The line number in a document's `request_id` (its first 8 hex digits: `CrashRecoveryTests.line`).
    static func lineNumber(_ document: [UInt8]) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any],
              let requestID = object["request_id"] as? String else { return nil }
        return Int(requestID.prefix(8), radix: 16)
    }

    /// One sample of `/metrics`, by the exact series text (`name{labels}`).
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Checks the union of the nodes' documents: every line 0..<total present, each under exactly one `_id`, and
    /// no line twice on one node. Returns how many documents are on both nodes.
    static func checkNoLossAndStableIDs(_ nodes: [Node], total: Int) -> Int {
        var idsByLine: [Int: Set<String>] = [:]
        var perNode: [Set<String>] = []
        for node in nodes {
            var ids = Set<String>()
            for entry in node.documents {
                guard let line = lineNumber(entry.document) else {
                    Issue.record("\(node.name) holds a document without a line number: \(String(decoding: entry.document, as: UTF8.self))")
                    continue
                }
                #expect(ids.insert(entry.id).inserted, "\(node.name) created \(entry.id) twice")
                idsByLine[line, default: []].insert(entry.id)
            }
            perNode.append(ids)
        }
        let missing = (0..<total).filter { idsByLine[$0] == nil }
        #expect(missing.isEmpty, "lines lost: \(missing.prefix(20)) (\(missing.count) in all)")
        let unstable = idsByLine.filter { $0.value.count != 1 }
        #expect(unstable.isEmpty, "lines with more than one _id: \(unstable.prefix(5))")
        #expect(Set(idsByLine.keys) == Set(0..<total), "only the written lines are indexed")
        let union = perNode.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(union.count == total, "the union by _id has \(union.count) ids for \(total) lines")
        return perNode.count == 2 ? perNode[0].intersection(perNode[1]).count : 0
    }

    @Test func twoNodesOneKilledMidRunNothingLostOneStableID() throws {
        try run(restartKilledNode: false)
    }

    @Test func aKilledNodeRestartedIsTakenBackAfterItsBackoff() throws {
        try run(restartKilledNode: true)
    }

    func run(restartKilledNode: Bool) throws {
        let dir = try Harness.tempDirectory("vigil-es-failover")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Node("node-a", directory: dir, delayMilliseconds: 200)
        let b = try Node("node-b", directory: dir, delayMilliseconds: 5)
        defer { a.process.stop(); b.process.stop() }

        let logPath = dir.appendingPathComponent("app.log").path
        let writer = try CrashRecoveryTests.Writer(path: logPath)
        let data = dir.appendingPathComponent("agent")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let agent = try AgentProcess(config: Self.config(log: logPath, hosts: [a.url, b.url]), directory: data)
        defer { agent.child.stop() }
        let labelA = "vigil_elasticsearch_host_up{host=\"\(a.url)\"}"
        let labelB = "vigil_elasticsearch_host_up{host=\"\(b.url)\"}"
        #expect(Self.sample(try agent.metricsText(), labelA) == 1)
        #expect(Self.sample(try agent.metricsText(), labelB) == 1)

        // 20,000 lines in chunks of 500 every 20 ms; node A is killed once both nodes hold documents and a
        // quarter of the lines are written, so requests to it are in flight.
        let total = 20_000
        var killedAt: Int?
        var beforeKill = (a: 0, b: 0)
        while writer.written < total {
            try writer.append(500)
            Thread.sleep(forTimeInterval: 0.02)
            if killedAt == nil, writer.written >= total / 4 {
                let counts = (a: a.documents.count, b: b.documents.count)
                if counts.a > 0, counts.b > 0 {
                    a.process.signal(SIGKILL)
                    _ = a.process.wait(seconds: 10)
                    killedAt = writer.written
                    beforeKill = counts
                }
            }
        }
        let killed = try #require(killedAt, "node A was never killed: round-robin did not reach both nodes")
        #expect(a.process.process.terminationReason == .uncaughtSignal)
        #expect(beforeKill.a > 0 && beforeKill.b > 0, "round-robin used both nodes before the kill")

        // Everything reaches node B; the spool drains.
        _ = try Harness.eventually("all \(total) lines indexed on the two nodes", seconds: 40) { () -> Bool? in
            var lines = Set<Int>()
            for node in [a, b] { for entry in node.documents { if let n = Self.lineNumber(entry.document) { lines.insert(n) } } }
            return lines.count >= total ? true : nil
        }
        _ = try Harness.eventually("spool drained", seconds: 20) { () -> Bool? in
            try agent.metricsText().contains("\nvigil_spool_events 0\n") ? true : nil
        }
        let onBoth = Self.checkNoLossAndStableIDs([a, b], total: total)
        let metrics = try agent.metricsText()
        #expect(Self.sample(metrics, labelA) == 0, "the dead node is shown down")
        #expect(Self.sample(metrics, labelB) == 1)
        #expect((Self.sample(metrics, "vigil_elasticsearch_host_failovers_total{host=\"\(a.url)\"}") ?? 0) >= 1)
        #expect(Self.sample(metrics, "vigil_elasticsearch_host_failovers_total{host=\"\(b.url)\"}") == 0)
        let indexed = (Self.sample(metrics, "vigil_elasticsearch_documents_total{outcome=\"delivered\"}") ?? 0)
            + (Self.sample(metrics, "vigil_elasticsearch_documents_total{outcome=\"duplicate\"}") ?? 0)
        #expect(indexed >= Double(total), "every document acknowledged (delivered or 409)")
        // Node A answers 200 ms after storing, so the kill caught a request it had stored but not acknowledged:
        // those documents were resent to B, unchanged, and are on both nodes under the same _id (checked above).
        #expect(onBoth > 0, "the kill should catch documents stored on A but not acknowledged")
        #expect((Self.sample(metrics, "vigil_elasticsearch_documents_total{outcome=\"dead_lettered\"}") ?? 0) == 0)
        print("failover: killed node A after \(killed) lines written (A held \(beforeKill.a), B \(beforeKill.b)); \(onBoth) documents on both nodes")

        guard restartKilledNode else { return }
        // Node A comes back on its port with its journal: after its backoff (≤ 1 s) a health check takes it back,
        // and round-robin sends it documents again.
        let heldBeforeRestart = a.documents.count
        try a.restart()
        _ = try Harness.eventually("node A back in rotation", seconds: 15) { () -> Bool? in
            Self.sample(try agent.metricsText(), labelA) == 1 ? true : nil
        }
        try writer.append(2_000)
        _ = try Harness.eventually("the new lines indexed", seconds: 20) { () -> Bool? in
            var lines = Set<Int>()
            for node in [a, b] { for entry in node.documents { if let n = Self.lineNumber(entry.document) { lines.insert(n) } } }
            return lines.count >= total + 2_000 ? true : nil
        }
        #expect(a.documents.count > heldBeforeRestart, "node A receives documents again after it is taken back")
        _ = Self.checkNoLossAndStableIDs([a, b], total: total + 2_000)
    }
}
