import Hummingbird
import HTTPTypes
import VigilCore
import VigilGzip

/// `POST /v1/logs`, `/v1/predictions`, `/v1/labels`: NDJSON or a JSON array, optionally gzip, acknowledged
/// (`202`) only once the accepted events are committed to the spool. Needs the `ingest` role when tokens
/// are configured.
struct IngestRoutes: RouteGroup {
    /// nil when no `http` source is configured: the endpoints answer 404 saying how to enable them.
    let ingestor: (any EventIngestor)?
    let maxBodyBytes: Int
    let makeRequestID: @Sendable () -> String
    /// `vigil_ingest_requests_total{endpoint,outcome}`.
    let outcome: CounterFamily

    var name: String { "ingest" }
    var access: RouteAccess { .role(.ingest) }

    func addRoutes(to routes: RouteCollection<VigilRequestContext>) {
        for endpoint in IngestEndpoint.allCases {
            routes.post("/v1/\(endpoint.rawValue)") { request, _ in try await self.ingest(endpoint, request: request) }
        }
    }

    func denied(route: String) {
        guard let endpoint = IngestEndpoint.allCases.first(where: { "/v1/\($0.rawValue)" == route }) else { return }
        outcome.labels(endpoint.rawValue, "unauthorized").increment()
    }

    func ingest(_ endpoint: IngestEndpoint, request: Request) async throws -> Response {
        guard let ingestor else {
            return HTTPResponses.error(.notFound, "no http source is configured; add `- type: http` to sources")
        }
        var body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            outcome.labels(endpoint.rawValue, "too_large").increment()
            return HTTPResponses.error(.contentTooLarge, "request body is larger than server.max_body_bytes (\(maxBodyBytes) bytes)")
        }
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" || encoding == "x-gzip" else {
                outcome.labels(endpoint.rawValue, "bad_request").increment()
                return HTTPResponses.error(.unsupportedMediaType, "unsupported Content-Encoding \"\(encoding)\"; use gzip or none")
            }
            do {
                body = try Gzip.decompress(body, maxOutputBytes: maxBodyBytes)
            } catch .tooLarge {
                outcome.labels(endpoint.rawValue, "too_large").increment()
                return HTTPResponses.error(.contentTooLarge, "decompressed body is larger than server.max_body_bytes (\(maxBodyBytes) bytes)")
            } catch {
                outcome.labels(endpoint.rawValue, "bad_request").increment()
                return HTTPResponses.error(.badRequest, "cannot decompress the gzip body: \(error)")
            }
        }
        let documents: [(number: Int, bytes: ArraySlice<UInt8>)]
        do {
            documents = try RequestFraming.split(body)
        } catch {
            outcome.labels(endpoint.rawValue, "bad_request").increment()
            return HTTPResponses.error(.badRequest, error.description)
        }
        if documents.isEmpty {
            outcome.labels(endpoint.rawValue, "bad_request").increment()
            return HTTPResponses.error(.badRequest, "the body holds no documents; send NDJSON (one JSON object per line) or a JSON array")
        }
        let requestID = request.headers[.xRequestID].flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 } ?? makeRequestID()
        let result = try await ingestor.ingest(endpoint: endpoint, lines: documents.map(\.bytes), requestID: requestID)
        switch result {
        case .busy(let seconds):
            outcome.labels(endpoint.rawValue, "busy").increment()
            var response = HTTPResponses.error(.serviceUnavailable, "storage is full; retry later")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .accepted(let count, let rejected):
            outcome.labels(endpoint.rawValue, rejected.isEmpty ? "accepted" : (count == 0 ? "rejected" : "partial")).increment()
            var text = #"{"accepted":\#(count),"rejected":["#
            for (i, r) in rejected.enumerated() {
                if i > 0 { text += "," }
                // Map the index in `lines` back to the client's line number.
                let number = r.line >= 1 && r.line <= documents.count ? documents[r.line - 1].number : r.line
                text += #"{"line":\#(number),"error":"# + JSONText.quote(r.error) + "}"
            }
            text += #"],"request_id":"# + JSONText.quote(requestID) + "}"
            var response = HTTPResponses.json(.accepted, text)
            response.headers[.xRequestID] = requestID
            return response
        }
    }
}
