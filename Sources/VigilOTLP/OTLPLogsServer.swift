import Foundation
import Hummingbird
import HummingbirdCore
import HTTPTypes
import Logging
import NIOCore
import SwiftProtobuf
import VigilCore
import VigilGzip
import VigilServer

/// The OTLP/HTTP logs receiver: `POST /v1/logs` on its own listener (the OTLP port, 4318 by default), taking
/// an `ExportLogsServiceRequest` as protobuf (`application/x-protobuf`) or JSON (`application/json`),
/// optionally gzip (`Content-Encoding: gzip`). Each log record becomes one JSON document (``OTLPLogMapping``)
/// that goes through the same ingestor as `POST /v1/logs` NDJSON on the API port, so parsing, redaction, the
/// spool and the sinks treat both alike. Needs the `ingest` role when tokens are configured.
///
/// Answers, as the OTLP/HTTP specification asks, in the request's encoding:
/// - `200` with an `ExportLogsServiceResponse` once the accepted records are committed to the spool; its
///   `partial_success` holds the number of refused records and why, when some were.
/// - `400` with a `google.rpc.Status` (code 3, INVALID_ARGUMENT) for a body that does not decode.
/// - `413` for a body over `max_request_bytes` (compressed or not); `415` for another `Content-Type` or
///   `Content-Encoding` (the Status then in JSON).
/// - `503` with `Retry-After` when storage is full (code 14, UNAVAILABLE): OTLP exporters retry it.
///
/// Counted in `vigil_ingest_requests_total{endpoint="otlp_logs",outcome}` and
/// `vigil_otlp_log_records_total{outcome}`.
public struct OTLPLogsServer: Sendable {
    public struct Dependencies: Sendable {
        public var registry: MetricRegistry
        public var authenticator: Authenticator
        public var ingestor: any EventIngestor
        public var maxRequestBytes: Int
        /// Which fields the pipeline reads, so the documents use the same names (`service`, `level`, `message`, ...).
        public var fields: PipelineConfiguration.Fields
        /// A fresh request id per request (document ids derive from it and the record's position).
        public var makeRequestID: @Sendable () -> String

        public init(registry: MetricRegistry, authenticator: Authenticator, ingestor: any EventIngestor, maxRequestBytes: Int,
                    fields: PipelineConfiguration.Fields, makeRequestID: @escaping @Sendable () -> String) {
            self.registry = registry; self.authenticator = authenticator; self.ingestor = ingestor
            self.maxRequestBytes = maxRequestBytes; self.fields = fields; self.makeRequestID = makeRequestID
        }
    }

    /// The `endpoint` label of `vigil_ingest_requests_total` for this receiver.
    static let endpointLabel = "otlp_logs"

    let deps: Dependencies
    let mapping: OTLPLogMapping
    let requests: CounterFamily
    let records: CounterFamily
    let authFailures: CounterFamily

    public init(_ deps: Dependencies) {
        self.deps = deps
        mapping = OTLPLogMapping(fields: deps.fields)
        // The same families as the API server's (the registry hands back the registered family).
        requests = deps.registry.counter("vigil_ingest_requests_total", help: "Ingest requests by endpoint and outcome (accepted, partial, rejected, busy, too_large, unauthorized, bad_request).", labelNames: ["endpoint", "outcome"])
        authFailures = deps.registry.counter("vigil_http_auth_failures_total", help: "Requests refused by authorisation, by route and reason (missing_token, malformed_header, unknown_token, wrong_role).", labelNames: ["route", "reason"], cardinalityLimit: 200)
        records = deps.registry.counter("vigil_otlp_log_records_total", help: "OTLP log records received on the OTLP port, by outcome (accepted: committed to the spool; rejected: refused by the pipeline and reported in partial_success).", labelNames: ["outcome"])
    }

    /// The router, for in-process tests and for ``makeApplication(host:port:tls:logger:onServerRunning:)``.
    public func makeRouter() -> Router<VigilRequestContext> {
        let router = Router(context: VigilRequestContext.self)
        let requests = self.requests
        router.group()
            .add(middleware: RequireRole(.ingest, authenticator: deps.authenticator, failures: authFailures,
                                         onDenied: { _ in requests.labels(Self.endpointLabel, "unauthorized").increment() }))
            .post("/v1/logs") { request, _ in try await self.export(request) }
        return router
    }

    /// The receiver as a `Service` for the agent's `ServiceGroup`: plain HTTP, or TLS from `tls`.
    public func makeApplication(host: String, port: Int, tls: TLSCertificateStore? = nil, logger: Logger,
                                onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: ServerChannelBuilder.http1(tls: tls),
            configuration: .init(address: .hostname(host, port: port), serverName: "vigil-otlp"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    func export(_ request: Request) async throws -> Response {
        guard let encoding = OTLPEncoding(contentType: request.headers[.contentType]) else {
            count("bad_request")
            return Self.status(.unsupportedMediaType, code: 3, encoding: .json,
                               "unsupported Content-Type \"\(request.headers[.contentType] ?? "")\"; send application/x-protobuf or application/json")
        }
        var body: [UInt8]
        do {
            body = Array(try await request.body.collect(upTo: deps.maxRequestBytes).readableBytesView)
        } catch {
            count("too_large")
            return Self.status(.contentTooLarge, code: 8, encoding: encoding,
                               "request body is larger than the otlp source's max_request_bytes (\(deps.maxRequestBytes) bytes)")
        }
        if let contentEncoding = request.headers[.contentEncoding]?.lowercased(), contentEncoding != "identity" {
            guard contentEncoding == "gzip" || contentEncoding == "x-gzip" else {
                count("bad_request")
                return Self.status(.unsupportedMediaType, code: 3, encoding: encoding, "unsupported Content-Encoding \"\(contentEncoding)\"; use gzip or none")
            }
            do {
                body = try Gzip.decompress(body, maxOutputBytes: deps.maxRequestBytes)
            } catch .tooLarge {
                count("too_large")
                return Self.status(.contentTooLarge, code: 8, encoding: encoding,
                                   "decompressed body is larger than the otlp source's max_request_bytes (\(deps.maxRequestBytes) bytes)")
            } catch {
                count("bad_request")
                return Self.status(.badRequest, code: 3, encoding: encoding, "cannot decompress the gzip body: \(error)")
            }
        }
        let export: ExportLogsServiceRequest
        do {
            export = try OTLPPayload.decode(body, encoding: encoding)
        } catch {
            count("bad_request")
            return Self.status(.badRequest, code: 3, encoding: encoding, error.description)
        }
        let documents = mapping.documents(export)
        guard !documents.isEmpty else {
            count("accepted")
            return Self.exportResponse(ExportLogsServiceResponse(), encoding: encoding)
        }
        let requestID = request.headers[.otlpRequestID].flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 } ?? deps.makeRequestID()
        switch try await deps.ingestor.ingest(endpoint: .logs, lines: documents.map { $0[...] }, requestID: requestID) {
        case .busy(let seconds):
            count("busy")
            var response = Self.status(.serviceUnavailable, code: 14, encoding: encoding, "storage is full; retry later")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .accepted(let accepted, let rejected):
            count(rejected.isEmpty ? "accepted" : (accepted == 0 ? "rejected" : "partial"))
            records.labels("accepted").increment(by: accepted)
            var response = ExportLogsServiceResponse()
            if !rejected.isEmpty {
                records.labels("rejected").increment(by: rejected.count)
                response.partialSuccess.rejectedLogRecords = Int64(rejected.count)
                response.partialSuccess.errorMessage = Self.rejectionMessage(rejected, export: export)
            }
            return Self.exportResponse(response, encoding: encoding)
        }
    }

    private func count(_ outcome: String) { requests.labels(Self.endpointLabel, outcome).increment() }

    /// The first few refusals, each naming its record by its place in the request.
    static func rejectionMessage(_ rejected: [IngestRejection], export: ExportLogsServiceRequest, limit: Int = 5) -> String {
        var paths: [String] = []
        for (r, resourceLogs) in export.resourceLogs.enumerated() {
            for (s, scopeLogs) in resourceLogs.scopeLogs.enumerated() {
                for l in scopeLogs.logRecords.indices { paths.append("resourceLogs[\(r)].scopeLogs[\(s)].logRecords[\(l)]") }
            }
        }
        var parts = rejected.prefix(limit).map { r in
            let path = r.line >= 1 && r.line <= paths.count ? paths[r.line - 1] : "record \(r.line)"
            return "\(path): \(r.error)"
        }
        if rejected.count > limit { parts.append("and \(rejected.count - limit) more") }
        return parts.joined(separator: "; ")
    }

    static func exportResponse(_ message: ExportLogsServiceResponse, encoding: OTLPEncoding) -> Response {
        response(.ok, encoding: encoding, bytes: encode(message, encoding))
    }

    /// A `google.rpc.Status` body, as OTLP/HTTP answers failures.
    static func status(_ status: HTTPResponse.Status, code: Int32, encoding: OTLPEncoding, _ message: String) -> Response {
        var body = RPCStatus()
        body.code = code
        body.message = message
        return response(status, encoding: encoding, bytes: encode(body, encoding))
    }

    static func encode(_ message: some SwiftProtobuf.Message, _ encoding: OTLPEncoding) -> [UInt8] {
        switch encoding {
        case .protobuf: return (try? message.serializedBytes()) ?? []
        case .json: return (try? message.jsonUTF8Bytes()) ?? Array("{}".utf8)
        }
    }

    static func response(_ status: HTTPResponse.Status, encoding: OTLPEncoding, bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: encoding.contentType],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension HTTPField.Name {
    /// Lets a client (a retrying collector) give its own request id, so a retried batch gets the same document ids.
    static let otlpRequestID = HTTPField.Name("X-Request-ID")!
}
