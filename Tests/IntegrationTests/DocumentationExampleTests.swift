// Every ```swift example of a doc comment under Sources/VigilRuntime and Sources/VigilInternalEvents, and
// HTTPClient.swift's of Sources/VigilHTTPClient (it posts to a real Alertmanager, which this target's harness
// starts), verbatim, in a test that compiles and runs it (with the values its comments state checked after it).
// `documentationExamplesAreCompiled` (Tests/VigilCoreTests/DocumentationExampleTests.swift) fails when an example
// in the sources is not found line for line in a test target's DocumentationExampleTests.swift: change an example
// in both places.
import Foundation
import Logging
import Testing
import VigilCore
import VigilHTTPClient
import VigilInternalEvents
@testable import VigilRuntime
#if canImport(VigilPostgres)
import VigilPostgres
#endif

@Suite struct RuntimeDocumentationExampleTests {
    /// VigilRuntime/ProcessMetrics.swift
    @Test func processMetrics() throws {
        let registry = MetricRegistry()
        ProcessMetrics.register(in: registry, version: VigilVersion.version, revision: "abc1234")
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains(#"vigil_build_info{version="\#(VigilVersion.version)",revision="abc1234"} 1"#))
    }

    /// VigilRuntime/ShipSummary.swift
    @Test func shipSummary() throws {
        let summary = ShipSummary(outcome: .complete, sink: "elasticsearch", seconds: 1.5, read: 3, blank: 0,
                                  rejected: ["invalid_json": 1], delivered: 2, deadLettered: 0, pending: 0, pendingBefore: 0)
        summary.exitStatus(failOnRejected: false)   // 0
        summary.exitStatus(failOnRejected: true)    // 4
        #expect(summary.exitStatus(failOnRejected: false) == 0)
        #expect(summary.exitStatus(failOnRejected: true) == 4)
    }

    /// VigilInternalEvents/InternalEvent.swift
    @Test func internalEvent() throws {
        let registry = MetricRegistry()
        let lines = InternalEventTests.Lines()
        let logger = Logger(label: "vigil.test") { label in
            JSONLogHandler(label: label, level: .trace, output: { lines.append($0) })
        }
        let rotated = Emitter<FileRotated>(registry: registry, logger: logger)
        rotated.emit(FileRotated(source: "app", path: "/var/log/app.log", deleted: false))
        // {"level":"info","msg":"file rotated, reading it to its end","file.path":"/var/log/app.log",...}
        // vigil_file_rotations_total{source="app",kind="renamed"} += 1
        let line = try #require(lines.all.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["msg"] as? String == "file rotated, reading it to its end")
        #expect(object["file.path"] as? String == "/var/log/app.log")
        #expect(rotated.metrics.rotations(source: "app", deleted: false) == 1)
        #expect(String(decoding: registry.render(.prometheusText), as: UTF8.self)
            .contains(#"vigil_file_rotations_total{source="app",kind="renamed"} 1"#))
    }

    /// VigilHTTPClient/HTTPClient.swift, against Debian's Alertmanager on a free loopback port.
    @Test func httpClient() async throws {
        let directory = try Harness.tempDirectory("vigil-doc-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try AlertmanagerServer(directory: directory)
        defer { server.stop() }
        let alertmanager = server.url
        let client = try HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: .seconds(5)), logger: Logger(label: "http"))
        let response = try await client.request(method: "POST", url: alertmanager + "/api/v2/alerts",   // e.g. "http://127.0.0.1:9093"
                                                headers: ["Content-Type": "application/json"], body: Array("[]".utf8))
        print(response.status)   // 200
        client.shutdown()
        #expect(response.status == 200)
    }

    #if canImport(VigilPostgres)
    /// VigilPostgres/SharedStateConfiguration.swift (the target exists on branches that have the fleet's shared state)
    @Test func sharedStateConfiguration() throws {
        let c = try SharedStateConfiguration(url: "postgres://vigil:secret@db:5432/vigil")
        c.redactedURL   // "postgres://vigil:***@db:5432/vigil"
        #expect(c.redactedURL == "postgres://vigil:***@db:5432/vigil")
    }
    #endif
}
