import CCurl
import Synchronization

/// An HTTP request for `CurlClient`.
public struct CurlRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines as `Name: value`. Values may hold secrets: they are never logged.
    public var headers: [String]
    public var body: [UInt8]
    /// This request's whole-transfer timeout; nil uses the client's `requestTimeout`.
    public var timeout: Duration?

    public init(method: String, url: String, headers: [String] = [], body: [UInt8] = [], timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The request for a log line: the URL without credentials and each header's value replaced by
    /// `<redacted>` when the header can carry a secret (`Authorization`, `Proxy-Authorization`, `Cookie`,
    /// any name with `key`, `token` or `secret`).
    public var redactedDescription: String {
        let headers = self.headers.map(CurlRequest.redactHeader).joined(separator: ", ")
        return "\(method) \(CurlError.redact(url)) [\(headers)]"
    }

    /// `Name: <redacted>` for a header that can carry a secret, the line unchanged otherwise.
    public static func redactHeader(_ line: String) -> String {
        guard let colon = line.firstIndex(of: ":") else { return line }
        let name = line[..<colon].lowercased()
        let secret = name == "authorization" || name == "proxy-authorization" || name == "cookie"
            || name.contains("key") || name.contains("token") || name.contains("secret")
        return secret ? String(line[..<colon]) + ": <redacted>" : line
    }
}

/// An HTTP response as libcurl received it.
public struct CurlResponse: Sendable {
    public var status: Int
    /// Header lines of the final response, names lower-cased.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Bytes of request body uploaded.
    public var uploadedBytes: Int

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.name == lower })?.value
    }
}

/// TLS settings passed to libcurl.
public struct CurlTLSOptions: Sendable, Equatable {
    /// PEM file of certificate authorities to trust instead of the system store.
    public var caFile: String?
    /// PEM client certificate and key for mutual TLS.
    public var certFile: String?
    public var keyFile: String?
    /// Disables certificate and host name verification. Only for tests; logged as a warning at start.
    public var insecureSkipVerify: Bool

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// Settings shared by every request of a `CurlClient`.
public struct CurlClientConfiguration: Sendable {
    public var connectTimeout: Duration
    public var requestTimeout: Duration
    public var tls: CurlTLSOptions
    /// Responses larger than this fail with `CURLE_WRITE_ERROR` instead of exhausting memory.
    public var maxResponseBytes: Int

    public init(connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(60),
                tls: CurlTLSOptions = CurlTLSOptions(), maxResponseBytes: Int = 256 << 20) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.tls = tls
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A blocking-libcurl HTTP client with an async API.
///
/// Transfers run on a ``BlockingPool`` of `connections` threads, never on the cooperative pool. Easy handles
/// are kept in a cache and reused, so connections stay alive between requests. Cancelling the calling task
/// aborts the transfer. Most callers use ``HTTPClient``, which adds credentials, the insecure-TLS warning
/// and a simpler `request(...)`.
///
/// ```swift
/// let client = CurlClient(configuration: .init(), connections: 2)
/// let response = try await client.send(CurlRequest(method: "GET", url: elasticsearch + "/"))   // e.g. "http://127.0.0.1:9200"
/// client.shutdown()
/// ```
public final class CurlClient: Sendable {
    /// Idle easy handles, cleaned up when the last transfer using the cache has finished.
    private final class HandleCache: Sendable {
        private struct Handle: @unchecked Sendable { let raw: UnsafeMutableRawPointer? }
        private let idle = Mutex<[Handle]>([])

        /// An idle handle, or a new one.
        func take() -> UnsafeMutableRawPointer? {
            if let handle = idle.withLock({ $0.popLast() }) { return handle.raw }
            return curl_easy_init()
        }

        func give(_ raw: UnsafeMutableRawPointer?) {
            guard let raw else { return }
            idle.withLock { $0.append(Handle(raw: raw)) }
        }

        deinit {
            for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.raw) }
        }
    }

    private let pool: BlockingPool
    private let handles = HandleCache()
    public let configuration: CurlClientConfiguration

    public init(configuration: CurlClientConfiguration, connections: Int = 1) {
        Self.globalInit
        self.configuration = configuration
        pool = BlockingPool(label: "vigil-curl", threads: max(1, connections))
    }

    // curl_global_init is not thread-safe; run it once before any handle exists.
    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Stops the client's threads after the queued requests.
    public func shutdown() { pool.shutdown() }

    /// Performs `request` and returns the response whatever its status. Throws only when no response came.
    public func send(_ request: CurlRequest) async throws(CurlError) -> CurlResponse {
        try await result(for: request).get()
    }

    /// Like ``send(_:)``, as a value. (Callers that are themselves async and throwing use this: the
    /// Swift 6.3 optimizer crashed splitting a coroutine around a typed-throws async call.)
    public func result(for request: CurlRequest) async -> Result<CurlResponse, CurlError> {
        let cancelled = CancelFlag()
        let configuration = self.configuration
        let handles = self.handles
        let result: Result<CurlResponse, CurlError> = await withTaskCancellationHandler {
            do {
                return try await pool.run {
                    if cancelled.isSet {
                        return .failure(CurlError(code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "cancelled", url: request.url))
                    }
                    let handle = handles.take()
                    defer { handles.give(handle) }
                    return Self.perform(request, on: handle, configuration: configuration, cancelled: cancelled)
                }
            } catch {
                return .failure(CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "client is shut down", url: request.url))
            }
        } onCancel: {
            cancelled.set()
        }
        return result
    }

    final class CancelFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }

    /// Collects the response of one transfer; only touched by the thread running it.
    private final class Sink {
        var body: [UInt8] = []
        var headers: [(name: String, value: String)] = []
        let limit: Int
        let cancelled: CancelFlag
        var overflow = false
        init(limit: Int, cancelled: CancelFlag) { self.limit = limit; self.cancelled = cancelled }
    }

    private static func perform(_ request: CurlRequest, on handle: UnsafeMutableRawPointer?, configuration: CurlClientConfiguration,
                                cancelled: CancelFlag) -> Result<CurlResponse, CurlError> {
        guard let handle else {
            return .failure(CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed", url: request.url))
        }
        // Reset clears the previous request's options but keeps the connection cache (keep-alive).
        curl_easy_reset(handle)
        let sink = Sink(limit: configuration.maxResponseBytes, cancelled: cancelled)
        var errorBuffer = [CChar](repeating: 0, count: Int(ccurl_error_size()) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        // Without "Expect:" libcurl waits for "100 Continue" before large bodies, costing a round trip.
        for line in request.headers + ["Expect:"] { headerList = curl_slist_append(headerList, line) }
        defer { curl_slist_free_all(headerList) }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            request.body.withUnsafeBufferPointer { body in
                let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
                _ = ccurl_setopt_string(handle, CURLOPT_URL, request.url)
                _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
                _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
                _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
                _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.requestTimeout))
                _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
                _ = ccurl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
                switch request.method {
                case "GET":
                    _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
                case "HEAD":
                    _ = ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
                default:
                    _ = ccurl_setopt_long(handle, CURLOPT_POST, 1)
                    _ = ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafePointer(bitPattern: 1)))
                    _ = ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                    if request.method != "POST" { _ = ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method) }
                }
                let tls = configuration.tls
                if let ca = tls.caFile { _ = ccurl_setopt_string(handle, CURLOPT_CAINFO, ca) }
                if let cert = tls.certFile { _ = ccurl_setopt_string(handle, CURLOPT_SSLCERT, cert) }
                if let key = tls.keyFile { _ = ccurl_setopt_string(handle, CURLOPT_SSLKEY, key) }
                if tls.insecureSkipVerify {
                    _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
                    _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
                }
                _ = ccurl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, writeCallback)
                _ = ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
                _ = ccurl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
                _ = ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
                _ = ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
                _ = ccurl_setopt_xferinfo_callback(handle, progressCallback)
                _ = ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, sinkPointer)
                return curl_easy_perform(handle)
            }
        }
        // The error buffer and header list die with this call; do not let the handle keep pointers to them.
        _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : String(cString: curl_easy_strerror(code))
            let message = sink.overflow ? "response larger than \(configuration.maxResponseBytes) bytes" : detail
            return .failure(CurlError(code: Int(code.rawValue), message: message, url: request.url))
        }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var uploaded: curl_off_t = 0
        _ = ccurl_getinfo_off_t(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded)
        return .success(CurlResponse(status: status, headers: sink.headers, body: sink.body, uploadedBytes: Int(uploaded)))
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    private static let writeCallback: ccurl_data_callback = { buffer, size, count, userdata in
        let sink = Unmanaged<Sink>.fromOpaque(userdata!).takeUnretainedValue()
        let length = size * count
        guard sink.body.count + length <= sink.limit else { sink.overflow = true; return 0 }
        if let buffer, length > 0 {
            buffer.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
        }
        return length
    }

    private static let headerCallback: ccurl_data_callback = { buffer, size, count, userdata in
        let sink = Unmanaged<Sink>.fromOpaque(userdata!).takeUnretainedValue()
        let length = size * count
        guard let buffer, length > 0 else { return length }
        let line = buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            sink.headers.removeAll()   // a new response (after 100 Continue or a redirect) starts
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            sink.headers.append((name, value))
        }
        return length
    }

    private static let progressCallback: ccurl_xferinfo_callback = { userdata, _, _, _, _ in
        let sink = Unmanaged<Sink>.fromOpaque(userdata!).takeUnretainedValue()
        return sink.cancelled.isSet ? 1 : 0
    }
}

extension Substring {
    /// Trims spaces, tabs, CR and LF. Works on bytes: "\r\n" is one `Character`, so comparing characters misses it.
    fileprivate func trimmingWhitespace() -> String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }
}
