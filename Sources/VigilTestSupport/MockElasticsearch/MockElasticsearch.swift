import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import VigilCore

/// An Elasticsearch-compatible `_bulk` server for tests and benchmarks, with fault injection.
///
/// It answers `GET /` and `HEAD /` like an Elasticsearch 8 node, `POST /_bulk` and `POST /{index}/_bulk`
/// with ES 8 validation and response bodies (`took`, `errors`, `items` in order, `filter_path`), stores
/// documents by `(_index, _id)` so tests count exactly, answers `create` of an existing id with `409`,
/// a request over `maxRequestBytes` with `413`, and accepts index template / lifecycle policy `PUT`s.
/// Faults (``MockFaults``) switch at any time, through ``setFaults(_:)`` or `POST /_mock/faults`.
///
/// Invariants: every document stored was acknowledged `201`/`200` in some response; `documentCount`
/// counts distinct `(_index, _id)` pairs; a `409` never changes the store.
///
/// ```swift
/// let es = MockElasticsearch()
/// let port = try await es.start()            // 127.0.0.1, a free port
/// try await es.setFaults(MockFaults(itemStatus: 429, itemFraction: 0.05))
/// // … send bulk requests to es.url (http://127.0.0.1:<port>) …
/// es.documentCount                           // exact
/// try await es.stop()
/// ```
public final class MockElasticsearch: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Larger requests (compressed or not) get `413` (Elasticsearch's `http.max_content_length`, 100 MB by default).
        public var maxRequestBytes: Int
        /// Keep document bodies (tests); off, only ids are kept (benchmarks with millions of documents).
        public var storeBodies: Bool
        /// Parse every document fully (tests); off, only check it is an object (benchmarks).
        public var strictJSON: Bool
        /// A top-level string field whose first 8 hex digits number the line, to count loss and duplicates
        /// of shippers that do not send ids (`request_id` for the standard benchmark file).
        public var countField: String?
        /// When set, requests must carry exactly this `Authorization` header, else `401`.
        public var requiredAuthorization: String?
        public var threads: Int
        /// A file that keeps the node's documents across a crash: every document created is appended
        /// (`index<TAB>id<TAB>document`) before the response that acknowledges it is sent, and the file's documents
        /// are loaded at start. See ``readJournal(_:)``.
        public var journalPath: String?

        public init(host: String = "127.0.0.1", port: Int = 0, maxRequestBytes: Int = 100 << 20, storeBodies: Bool = true,
                    strictJSON: Bool = true, countField: String? = nil, requiredAuthorization: String? = nil, threads: Int = 1,
                    journalPath: String? = nil) {
            self.journalPath = journalPath
            self.host = host; self.port = port; self.maxRequestBytes = maxRequestBytes; self.storeBodies = storeBodies
            self.strictJSON = strictJSON; self.countField = countField; self.requiredAuthorization = requiredAuthorization
            self.threads = threads
        }
    }

    /// Counters for tests and `GET /_mock/stats`.
    public struct Stats: Sendable, Codable, Equatable {
        public var documents: Int
        public var duplicates: Int
        public var requests: Int
        public var bulkRequests: Int
        public var itemsReceived: Int
        public var itemsRejected: Int
        /// Items answered 429/503 by the `itemStatus` fault, and whole requests failed by `wholeRequest`.
        public var itemFaultsInjected: Int
        public var requestFaultsInjected: Int
        public var bytesReceived: Int
        public var bytesDecoded: Int
        public var gzipRequests: Int
        public var uniqueLines: Int
        public var duplicateLines: Int
    }

    public let configuration: Configuration
    let state = Mutex(MockBulkState())
    private let group: MultiThreadedEventLoopGroup
    private let listener = Mutex<(channel: (any Channel)?, port: Int, children: [ObjectIdentifier: any Channel])>((nil, 0, [:]))

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
    }

    /// Starts listening and returns the port.
    @discardableResult
    public func start() async throws -> Int {
        if let path = configuration.journalPath {
            let storeBodies = configuration.storeBodies
            try state.withLock { try $0.openJournal(path: path, storeBodies: storeBodies) }
        }
        return try await listen(port: configuration.port)
    }

    /// One document of a journal file.
    public struct JournalEntry: Sendable, Equatable {
        public var index: String
        public var id: String
        public var document: [UInt8]
    }

    /// The documents of a journal file's bytes, in the order they were created (a torn last line is skipped).
    public static func readJournal(_ bytes: [UInt8]) -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for line in bytes.split(separator: 10, omittingEmptySubsequences: true) {
            let fields = line.split(separator: 9, maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].last == UInt8(ascii: "}") else { continue }
            entries.append(JournalEntry(index: String(decoding: fields[0], as: UTF8.self), id: String(decoding: fields[1], as: UTF8.self),
                                        document: Array(fields[2])))
        }
        return entries
    }

    /// The port it listens on (kept while connections are refused).
    public var port: Int { listener.withLock { $0.port } }
    public var url: String { "http://\(configuration.host):\(port)" }

    /// Stops listening, closes every connection and the event loops.
    public func stop() async throws {
        try await stopListening()
        try await group.shutdownGracefully()
        state.withLock { s in
            if s.journalFD >= 0 { close(s.journalFD) }
            s.journalFD = -1
        }
    }

    private func listen(port: Int) async throws -> Int {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if state.withLock({ $0.faults.closeConnections ?? false }) {
                        channel.close(promise: nil)
                        return
                    }
                    let id = ObjectIdentifier(channel)
                    listener.withLock { $0.children[id] = channel }
                    channel.closeFuture.whenComplete { [self] _ in _ = listener.withLock { $0.children.removeValue(forKey: id) } }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MockHTTPHandler(server: self))
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        listener.withLock { $0.channel = channel; $0.port = bound }
        return bound
    }

    private func stopListening() async throws {
        let (server, children) = listener.withLock { state -> ((any Channel)?, [any Channel]) in
            let result = (state.channel, Array(state.children.values))
            state.channel = nil
            return result
        }
        try? await server?.close()
        for child in children { try? await child.close() }
    }

    /// Replaces the active faults. `refuseConnections` closes the listening socket (and open connections)
    /// so clients get `ECONNREFUSED`; turning it off listens on the same port again.
    public func setFaults(_ faults: MockFaults) async throws {
        let wasRefusing = state.withLock { state -> Bool in
            let was = state.faults.refuseConnections ?? false
            state.setFaults(faults)
            return was
        }
        let refuse = faults.refuseConnections ?? false
        if refuse && !wasRefusing {
            try await stopListening()
        } else if !refuse && wasRefusing {
            _ = try await listen(port: port)
        } else if faults.closeConnections ?? false {
            let children = listener.withLock { Array($0.children.values) }
            for child in children { try? await child.close() }
        }
    }

    public func stats() -> Stats {
        state.withLock { s in
            Stats(documents: s.documentCount, duplicates: s.duplicatesAttempted, requests: s.requests, bulkRequests: s.bulkRequests,
                  itemsReceived: s.itemsReceived, itemsRejected: s.itemsRejected,
                  itemFaultsInjected: s.itemFaultsInjected, requestFaultsInjected: s.requestFaultsInjected, bytesReceived: s.bytesReceived,
                  bytesDecoded: s.bytesDecoded, gzipRequests: s.gzipRequests, uniqueLines: s.uniqueLines, duplicateLines: s.duplicateLines)
        }
    }

    /// Distinct documents stored, over all indices.
    public var documentCount: Int { state.withLock { $0.documentCount } }
    /// `create` attempts for ids that already existed (answered `409`).
    public var duplicatesAttempted: Int { state.withLock { $0.duplicatesAttempted } }
    /// The documents of one index, by `_id` (bodies are empty when `storeBodies` is off).
    public func documents(index: String) -> [String: [UInt8]] { state.withLock { $0.indices[index] ?? [:] } }
    /// Every stored `(_index, _id)`.
    public func documentIDs() -> [(index: String, id: String)] {
        state.withLock { s in s.indices.flatMap { index, docs in docs.keys.map { (index, $0) } } }
    }
    public var indexNames: [String] { state.withLock { Array($0.indices.keys).sorted() } }
    /// Index templates, lifecycle policies and component templates received, by `kind/name`.
    public func storedSettings() -> [String: [UInt8]] {
        state.withLock { s in
            var all: [String: [UInt8]] = [:]
            for (k, v) in s.templates { all["_index_template/" + k] = v }
            for (k, v) in s.policies { all["_ilm/policy/" + k] = v }
            return all
        }
    }
    /// The last `Authorization` header received (to check that credentials reach the server).
    public var lastAuthorization: String? { state.withLock { $0.lastAuthorization } }

    // MARK: Routing

    func handle(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: [UInt8]) -> (MockResponse, afterResponse: MockFaults?) {
        let (path, query) = Self.splitURI(uri)
        let authorization = headers.first(name: "authorization")
        let required = configuration.requiredAuthorization
        let limits = MockBulkState.Limits(maxRequestBytes: configuration.maxRequestBytes, storeBodies: configuration.storeBodies,
                                          strictJSON: configuration.strictJSON, countField: configuration.countField)
        let segments = path.split(separator: "/").map(String.init)

        if segments.first == "_mock" {
            switch (method, segments.dropFirst().first) {
            case (.GET, "stats"):
                let data = (try? JSONEncoder().encode(stats())) ?? Data()
                return (MockResponse(status: 200, body: Array(data)), nil)
            case (.POST, "faults"), (.PUT, "faults"):
                do {
                    let faults = try JSONDecoder().decode(MockFaults.self, from: Data(body))
                    return (.json(200, #"{"acknowledged":true}"#), faults)
                } catch {
                    return (.error(400, type: "parse_exception", reason: "invalid faults: \(error)"), nil)
                }
            case (.POST, "reset"):
                state.withLock { s in
                    let faults = s.faults
                    let journal = s.journalFD
                    s = MockBulkState()
                    s.setFaults(faults)
                    s.journalFD = journal
                }
                return (.json(200, #"{"acknowledged":true}"#), nil)
            default:
                return (.json(404, #"{"error":"unknown mock endpoint","status":404}"#), nil)
            }
        }

        return (state.withLock { s -> MockResponse in
            s.requests += 1
            s.lastAuthorization = authorization
            if let required, authorization != required {
                var response = MockResponse.error(401, type: "security_exception",
                                                  reason: "unable to authenticate with provided credentials and anonymous access is not allowed for this request")
                response.headers = [("WWW-Authenticate", "ApiKey"), ("WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\"")]
                return response
            }
            switch (method, segments.count) {
            case (.GET, 0), (.HEAD, 0):
                var response = MockResponse.json(200, Self.infoBody)
                response.headers = [("X-elastic-product", "Elasticsearch")]
                return response
            case (.POST, 1) where segments[0] == "_bulk", (.PUT, 1) where segments[0] == "_bulk":
                return s.bulk(urlIndex: nil, query: query, contentType: headers.first(name: "content-type"),
                              contentEncoding: headers.first(name: "content-encoding"), body: body, limits: limits)
            case (.POST, 2) where segments[1] == "_bulk", (.PUT, 2) where segments[1] == "_bulk":
                return s.bulk(urlIndex: segments[0], query: query, contentType: headers.first(name: "content-type"),
                              contentEncoding: headers.first(name: "content-encoding"), body: body, limits: limits)
            case (.PUT, 2) where segments[0] == "_index_template" || segments[0] == "_component_template":
                guard (try? JSONReader.parse(body)) != nil else {
                    return .error(400, type: "x_content_parse_exception", reason: "[1:1] request body is not valid JSON")
                }
                s.templates[segments[1]] = body
                return .json(200, #"{"acknowledged":true}"#)
            case (.PUT, 3) where segments[0] == "_ilm" && segments[1] == "policy":
                guard (try? JSONReader.parse(body)) != nil else {
                    return .error(400, type: "x_content_parse_exception", reason: "[1:1] request body is not valid JSON")
                }
                s.policies[segments[2]] = body
                return .json(200, #"{"acknowledged":true}"#)
            case (.GET, 2) where segments[0] == "_index_template":
                guard let stored = s.templates[segments[1]] else {
                    return .error(404, type: "resource_not_found_exception", reason: "index template matching [\(segments[1])] not found")
                }
                var body = Array(#"{"index_templates":[{"name":"#.utf8)
                BulkEncoder.appendJSONString(segments[1], to: &body)
                body.append(contentsOf: Array(#","index_template":"#.utf8) + stored + Array("}]}".utf8))
                return MockResponse(status: 200, body: body)
            default:
                return .error(405, type: "illegal_argument_exception", reason: "Incorrect HTTP method for uri [\(uri)] and method [\(method.rawValue)]")
            }
        }, nil)
    }

    static func splitURI(_ uri: String) -> (path: String, query: [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            query[percentDecode(parts[0])] = parts.count > 1 ? percentDecode(parts[1]) : ""
        }
        return (String(uri[..<mark]), query)
    }

    static func percentDecode(_ text: Substring) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2,
               let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(value)
                bytes = bytes.dropFirst(2)
            } else if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let infoBody = """
    {"name":"vigil-mock","cluster_name":"vigil-mock","cluster_uuid":"dmlnaWwtbW9jay1jbHVzdGVy","version":{"number":"8.15.0",\
    "build_flavor":"default","build_type":"tar","build_hash":"1a77947f34deddb41af25e6f0ddb8e830159c179",\
    "build_date":"2024-08-05T10:05:34.233336849Z","build_snapshot":false,"lucene_version":"9.11.1",\
    "minimum_wire_compatibility_version":"7.17.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"}
    """
}
