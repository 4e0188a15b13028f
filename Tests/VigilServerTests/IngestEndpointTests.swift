import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VigilCore
import VigilGzip
@testable import VigilRuntime
import VigilServer
@testable import VigilStorage
import VigilHTTPClient

/// The HTTP API in-process (Hummingbird's router test client) over a real pipeline and a real SQLite spool.
struct IngestEndpointTests {
    struct Fixture {
        let registry = MetricRegistry()
        let directory: URL
        let spool: Spool
        let server: VigilHTTPServer

        init(tokens: [Authenticator.Token] = [], maxBodyBytes: Int = 1 << 20, spoolMaxBytes: Int64 = 1 << 30) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-server-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try VigilDatabase(dataDirectory: directory.path)
            spool = try Spool(database: database, configuration: SpoolConfiguration(maxBytes: spoolMaxBytes))
            let pipeline = try EventPipeline(configuration: PipelineConfiguration(), registry: registry)
            let ingestor = RuntimeIngestor(pipeline: pipeline, writer: SpoolWriter(spool: spool, registry: registry), io: BlockingPool(label: "test"), now: { 1_700_000_000_000 }, onAccepted: { _ in })
            server = VigilHTTPServer(.init(registry: registry, readiness: Readiness(), authenticator: Authenticator(tokens: tokens),
                                           ingestor: ingestor, logSearch: nil, maxBodyBytes: maxBodyBytes,
                                           makeRequestID: { "fixed-request" }, monotonicSeconds: { 0 }))
        }

        func spooledBodies() throws -> [String] {
            try spool.oldestBlocks(limit: 100).flatMap(\.records).map { String(decoding: $0.body, as: UTF8.self) }
        }
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func ndjsonWithPartialRejectionsAnswers202WithLineNumbers() async throws {
        let f = try Fixture()
        let body = "{\"message\":\"one\"}\n[1,2]\n\n{\"message\":\"three\"}\n{bad json}\n"
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .accepted)
                let object = try Self.json(response.body)
                #expect(object["accepted"] as? Int == 2)
                let rejected = try #require(object["rejected"] as? [[String: Any]])
                #expect(rejected.map { $0["line"] as? Int } == [2, 5])
                #expect((rejected[0]["error"] as? String)?.hasPrefix("not_an_object") == true)
                #expect((rejected[1]["error"] as? String)?.hasPrefix("invalid_json") == true)
            }
        }
        #expect(try f.spooledBodies() == ["{\"message\":\"one\"}", "{\"message\":\"three\"}"])
        // The rejected lines are kept as dead letters with their reason.
        let letters = try f.spool.deadLetters.list(limit: 10)
        #expect(Set(letters.map(\.reason)) == ["not_an_object", "invalid_json"])
    }

    @Test func jsonArrayBodiesAreSplitIntoDocuments() async throws {
        let f = try Fixture()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/predictions", method: .post,
                                     body: ByteBuffer(string: #"[{"model":"m","request_id":"a","prediction":1}, {"model":"m","request_id":"b","prediction":0}]"#)) { response in
                #expect(response.status == .accepted)
                let object = try Self.json(response.body)
                #expect(object["accepted"] as? Int == 2)
            }
        }
        let records = try f.spool.oldestBlocks(limit: 10).flatMap(\.records)
        #expect(records.map(\.kind) == [EventKind.prediction.rawValue, EventKind.prediction.rawValue])
    }

    @Test func gzipBodiesAreAccepted() async throws {
        let f = try Fixture()
        let compressed = Gzip.compress(Array("{\"message\":\"zipped\"}\n".utf8))
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentEncoding: "gzip"], body: ByteBuffer(bytes: compressed)) { response in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentEncoding: "gzip"], body: ByteBuffer(string: "not gzip")) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try f.spooledBodies() == ["{\"message\":\"zipped\"}"])
    }

    @Test func oversizedBodiesGet413() async throws {
        let f = try Fixture(maxBodyBytes: 1024)
        let big = String(repeating: "{\"message\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", count: 100)
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge)
            }
            // A small gzip body that inflates past the limit is refused too.
            let bomb = Gzip.compress(Array(big.utf8))
            #expect(bomb.count < 1024)
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentEncoding: "gzip"], body: ByteBuffer(bytes: bomb)) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(try f.spooledBodies().isEmpty)
    }

    @Test func emptyOrUnframeableBodiesGet400() async throws {
        let f = try Fixture()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, body: ByteBuffer(string: "\n\n")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/logs", method: .post, body: ByteBuffer(string: "[{\"a\":1}")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("never ends"))
            }
        }
    }

    @Test func tokensGate401And403() async throws {
        let ingestToken = Authenticator.Token(name: "ci", sha256: SHA256.hash(Array("s3cret-ingest".utf8)), roles: [.ingest])
        let viewerToken = Authenticator.Token(name: "grafana", sha256: SHA256.hash(Array("s3cret-view".utf8)), roles: [.viewer])
        let f = try Fixture(tokens: [ingestToken, viewerToken])
        let line = ByteBuffer(string: "{\"message\":\"x\"}\n")
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, body: line) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] != nil)
            }
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.authorization: "Bearer wrong"], body: line) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.authorization: "Bearer s3cret-view"], body: line) { response in
                #expect(response.status == .forbidden)
                #expect(!String(buffer: response.body).contains("s3cret"))
            }
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.authorization: "Bearer s3cret-ingest"], body: line) { response in
                #expect(response.status == .accepted)
            }
            // Prometheus and probes need no token.
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("s3cret"))
            }
        }
        #expect(try f.spooledBodies().count == 1)
    }

    @Test func fullSpoolUnderBlockAnswers503WithRetryAfter() async throws {
        let f = try Fixture(spoolMaxBytes: 1 << 20)
        let line = "{\"message\":\"" + String(repeating: "y", count: 4000) + "\"}\n"
        let body = String(repeating: line, count: 200)   // ~800 KB per request
        let statuses = try await Application(router: f.server.makeRouter()).test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 {
                let response = try await client.execute(uri: "/v1/logs", method: .post, body: ByteBuffer(string: body))
                statuses.append(response.status)
                if response.status == .serviceUnavailable { #expect(response.headers[.retryAfter] == "1") }
            }
            return statuses
        }
        #expect(statuses.first == .accepted)
        #expect(statuses.contains(.serviceUnavailable))
        // Nothing acknowledged was lost: every accepted request's events are in the spool.
        let accepted = statuses.filter { $0 == .accepted }.count
        #expect(try f.spool.stats().events == Int64(accepted * 200))
    }
}
