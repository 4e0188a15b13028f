import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import SwiftProtobuf
import Testing
import VigilCore
import VigilGzip
@testable import VigilOTLP
import VigilServer

/// The receiver in-process (Hummingbird's router test client) over the real event pipeline: status codes,
/// response bodies in the request's encoding, gzip, partial success, storage full, authorisation, metrics.
struct OTLPLogsServerTests {
    /// Runs each document through a real ``EventPipeline`` as the runtime's ingestor does, and keeps the events.
    final class PipelineIngestor: EventIngestor {
        let pipeline: Mutex<EventPipeline>
        let events = Mutex<[Event]>([])
        let busy: Bool

        init(registry: MetricRegistry, maxLineBytes: Int = 1 << 20, busy: Bool = false) throws {
            pipeline = Mutex(try EventPipeline(configuration: PipelineConfiguration(maxLineBytes: maxLineBytes), registry: registry))
            self.busy = busy
        }

        func ingest(endpoint: IngestEndpoint, lines: [ArraySlice<UInt8>], requestID: String) async throws -> IngestResult {
            if busy { return .busy(retryAfterSeconds: 2) }
            var rejected: [IngestRejection] = []
            var accepted: [Event] = []
            pipeline.withLock { pipeline in
                for (index, line) in lines.enumerated() {
                    switch pipeline.process(Array(line), context: LineContext(source: "otlp", id: "\(requestID):\(index + 1)", readTimeMillis: 1_000)) {
                    case .accepted(let event): accepted.append(event)
                    case .rejected(let reason, let message): rejected.append(IngestRejection(line: index + 1, error: "\(reason.rawValue): \(message)"))
                    }
                }
            }
            events.withLock { $0.append(contentsOf: accepted) }
            return .accepted(count: accepted.count, rejected: rejected)
        }
    }

    struct Fixture {
        let registry = MetricRegistry()
        let ingestor: PipelineIngestor
        let server: OTLPLogsServer

        init(tokens: [Authenticator.Token] = [], maxRequestBytes: Int = 1 << 20, maxLineBytes: Int = 1 << 20, busy: Bool = false) throws {
            ingestor = try PipelineIngestor(registry: registry, maxLineBytes: maxLineBytes, busy: busy)
            server = OTLPLogsServer(.init(registry: registry, authenticator: Authenticator(tokens: tokens), ingestor: ingestor,
                                          maxRequestBytes: maxRequestBytes, fields: PipelineConfiguration.Fields(),
                                          makeRequestID: { "req" }))
        }

        func metric(_ series: String) -> Double? {
            let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
                return Double(line.split(separator: " ")[1])
            }
            return nil
        }
    }

    static func request(messages: [String]) -> ExportLogsServiceRequest {
        var request = ExportLogsServiceRequest()
        var resourceLogs = ResourceLogs()
        resourceLogs.resource.attributes = [OTLPLogMappingTests.kv("service.name", OTLPLogMappingTests.s("checkout"))]
        var scopeLogs = ScopeLogs()
        for message in messages {
            var record = LogRecord()
            record.timeUnixNano = 1_733_534_400_000_000_000
            record.severityText = "ERROR"
            record.body = OTLPLogMappingTests.s(message)
            record.traceID = Data(repeating: 0xab, count: 16)
            scopeLogs.logRecords.append(record)
        }
        resourceLogs.scopeLogs = [scopeLogs]
        request.resourceLogs = [resourceLogs]
        return request
    }

    @Test func protobufExportIsAcceptedAndAnsweredWithAnEmptyProtobufResponse() async throws {
        let f = try Fixture()
        let body: [UInt8] = try Self.request(messages: ["one", "two"]).serializedBytes()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/x-protobuf"],
                                     body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-protobuf")
                let decoded = try ExportLogsServiceResponse(serializedBytes: Array(response.body.readableBytesView))
                #expect(!decoded.hasPartialSuccess)
            }
        }
        let events = f.ingestor.events.withLock { $0 }
        #expect(events.map(\.message) == ["one", "two"])
        #expect(events.map(\.service) == ["checkout", "checkout"])
        #expect(events.map(\.level) == ["error", "error"])
        #expect(events.map(\.timestampMillis) == [1_733_534_400_000, 1_733_534_400_000])
        #expect(String(decoding: events[0].body, as: UTF8.self).contains(#""trace.id":"abababababababababababababababab""#))
        #expect(f.metric(#"vigil_ingest_requests_total{endpoint="otlp_logs",outcome="accepted"}"#) == 1)
        #expect(f.metric(#"vigil_otlp_log_records_total{outcome="accepted"}"#) == 2)
    }

    @Test func gzipJSONExportIsAnsweredInJSON() async throws {
        let f = try Fixture()
        let json = try Self.request(messages: ["zipped"]).jsonString()
        // The canonical protobuf JSON has base64 ids; OTLP/JSON wants hex: write it as an exporter would.
        let otlpJSON = json.replacingOccurrences(of: "\"q6urq6urq6urq6urq6urqw==\"", with: "\"" + String(repeating: "ab", count: 16) + "\"")
        #expect(otlpJSON != json)
        let body = Gzip.compress(Array(otlpJSON.utf8))
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post,
                                     headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                                     body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == "{}")
            }
        }
        let events = f.ingestor.events.withLock { $0 }
        #expect(events.map(\.message) == ["zipped"])
        #expect(String(decoding: events[0].body, as: UTF8.self).contains(#""trace.id":"abababababababababababababababab""#))
    }

    @Test func refusedRecordsAreReportedInPartialSuccess() async throws {
        let f = try Fixture(maxLineBytes: 300)
        let body: [UInt8] = try Self.request(messages: ["short", String(repeating: "x", count: 400), "also short"]).serializedBytes()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/x-protobuf"],
                                     body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                let decoded = try ExportLogsServiceResponse(serializedBytes: Array(response.body.readableBytesView))
                #expect(decoded.partialSuccess.rejectedLogRecords == 1)
                #expect(decoded.partialSuccess.errorMessage.hasPrefix("resourceLogs[0].scopeLogs[0].logRecords[1]: too_large"))
            }
        }
        #expect(f.ingestor.events.withLock { $0.map(\.message) } == ["short", "also short"])
        #expect(f.metric(#"vigil_ingest_requests_total{endpoint="otlp_logs",outcome="partial"}"#) == 1)
        #expect(f.metric(#"vigil_otlp_log_records_total{outcome="rejected"}"#) == 1)
    }

    struct Failure: Sendable {
        var name: String
        var headers: HTTPFields
        var body: [UInt8]
        var status: HTTPResponse.Status
        var responseType: String
        var message: String
        var outcome: String
    }

    static let failures: [Failure] = [
        Failure(name: "undecodable protobuf", headers: [.contentType: "application/x-protobuf"], body: [0x0a, 0x05, 0x01],
                status: .badRequest, responseType: "application/x-protobuf", message: "the body is not a protobuf ExportLogsServiceRequest", outcome: "bad_request"),
        Failure(name: "undecodable JSON", headers: [.contentType: "application/json"], body: Array("{]".utf8),
                status: .badRequest, responseType: "application/json", message: "the body is not an OTLP/JSON ExportLogsServiceRequest", outcome: "bad_request"),
        Failure(name: "NDJSON content type", headers: [.contentType: "application/x-ndjson"], body: Array("{}".utf8),
                status: .unsupportedMediaType, responseType: "application/json", message: "unsupported Content-Type \"application/x-ndjson\"", outcome: "bad_request"),
        Failure(name: "brotli", headers: [.contentType: "application/json", .contentEncoding: "br"], body: Array("{}".utf8),
                status: .unsupportedMediaType, responseType: "application/json", message: "unsupported Content-Encoding \"br\"", outcome: "bad_request"),
        Failure(name: "not gzip", headers: [.contentType: "application/json", .contentEncoding: "gzip"], body: Array("{}".utf8),
                status: .badRequest, responseType: "application/json", message: "cannot decompress the gzip body", outcome: "bad_request"),
        Failure(name: "too large", headers: [.contentType: "application/json"], body: Array(repeating: 0x20, count: 5_000),
                status: .contentTooLarge, responseType: "application/json", message: "request body is larger than the otlp source's max_request_bytes (4096 bytes)", outcome: "too_large"),
        Failure(name: "gzip bomb", headers: [.contentType: "application/json", .contentEncoding: "gzip"], body: Gzip.compress(Array(repeating: 0x20, count: 100_000)),
                status: .contentTooLarge, responseType: "application/json", message: "decompressed body is larger", outcome: "too_large"),
    ]

    @Test(arguments: failures.indices)
    func failuresAnswerAStatusMessage(_ index: Int) async throws {
        let c = Self.failures[index]
        let f = try Fixture(maxRequestBytes: 4_096)
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: c.headers, body: ByteBuffer(bytes: c.body)) { response in
                #expect(response.status == c.status, "\(c.name)")
                #expect(response.headers[.contentType] == c.responseType, "\(c.name)")
                let bytes = Array(response.body.readableBytesView)
                let status = c.responseType == "application/json" ? try RPCStatus(jsonUTF8Bytes: bytes) : try RPCStatus(serializedBytes: bytes)
                #expect(status.message.hasPrefix(c.message), "\(c.name): \(status.message)")
                #expect(status.code == (c.status == .contentTooLarge ? 8 : 3), "\(c.name)")
            }
        }
        #expect(f.metric("vigil_ingest_requests_total{endpoint=\"otlp_logs\",outcome=\"\(c.outcome)\"}") == 1, "\(c.name)")
        #expect(f.ingestor.events.withLock { $0.isEmpty })
    }

    @Test func fullStorageAnswers503WithRetryAfter() async throws {
        let f = try Fixture(busy: true)
        let body: [UInt8] = try Self.request(messages: ["later"]).serializedBytes()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/x-protobuf"],
                                     body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "2")
                let status = try RPCStatus(serializedBytes: Array(response.body.readableBytesView))
                #expect(status.code == 14)
            }
        }
        #expect(f.metric(#"vigil_ingest_requests_total{endpoint="otlp_logs",outcome="busy"}"#) == 1)
    }

    @Test func emptyExportIsAccepted() async throws {
        let f = try Fixture()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{}")
            }
        }
    }

    @Test func tokensNeedTheIngestRole() async throws {
        let tokens = [Authenticator.Token(name: "shipper", sha256: SHA256.hash(Array("ship".utf8)), roles: [.ingest]),
                      Authenticator.Token(name: "reader", sha256: SHA256.hash(Array("read".utf8)), roles: [.viewer])]
        let f = try Fixture(tokens: tokens)
        let body: [UInt8] = try Self.request(messages: ["authorised"]).serializedBytes()
        try await Application(router: f.server.makeRouter()).test(.router) { client in
            for (authorization, status) in [(nil, HTTPResponse.Status.unauthorized), ("Bearer nope", .unauthorized),
                                            ("Bearer read", .forbidden), ("Bearer ship", .ok)] as [(String?, HTTPResponse.Status)] {
                var headers: HTTPFields = [.contentType: "application/x-protobuf"]
                if let authorization { headers[.authorization] = authorization }
                try await client.execute(uri: "/v1/logs", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                    #expect(response.status == status, "\(authorization ?? "no token")")
                }
            }
        }
        #expect(f.ingestor.events.withLock { $0.map(\.message) } == ["authorised"])
        #expect(f.metric(#"vigil_ingest_requests_total{endpoint="otlp_logs",outcome="unauthorized"}"#) == 3)
    }
}
