/// The three ingest endpoints. The endpoint decides how an event is classified when it has no `type` field.
public enum IngestEndpoint: String, Sendable, CaseIterable {
    case logs, predictions, labels
}

/// One line of an ingest request that was refused, numbered from 1 as the client sent it.
public struct IngestRejection: Sendable, Equatable {
    public var line: Int
    public var error: String
    public init(line: Int, error: String) { self.line = line; self.error = error }
}

/// What became of an ingest request.
public enum IngestResult: Sendable, Equatable {
    /// The accepted events are durably stored (committed to the spool) before this is returned.
    case accepted(count: Int, rejected: [IngestRejection])
    /// Storage is full under the `block` policy: nothing was stored; the client should retry later.
    case busy(retryAfterSeconds: Int)
}

/// Takes the lines of an ingest request into the pipeline. Implemented by the runtime.
public protocol EventIngestor: Sendable {
    /// - Parameters:
    ///   - lines: one JSON document per element, in request order.
    ///   - requestID: the client's `X-Request-ID` when given (so a retried request produces the same
    ///     document ids and is not indexed twice), otherwise a fresh identifier.
    func ingest(endpoint: IngestEndpoint, lines: [ArraySlice<UInt8>], requestID: String) async throws -> IngestResult
}

/// Answers `GET /v1/logs/search`. Implemented by the runtime over the embedded log store.
public protocol LogSearching: Sendable {
    /// Returns the JSON response body. Throws ``LogSearchParameterError`` for a bad parameter.
    func search(parameters: [(name: String, value: String)]) async throws -> [UInt8]
}

/// A query parameter of `GET /v1/logs/search` that could not be used.
public struct LogSearchParameterError: Error, Sendable {
    public var parameter: String
    public var message: String
    public init(parameter: String, message: String) { self.parameter = parameter; self.message = message }
}
