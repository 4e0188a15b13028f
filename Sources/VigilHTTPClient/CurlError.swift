import CCurl

/// A transfer that did not produce an HTTP response. `url` never carries credentials.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// The libcurl result code (`CURLcode`).
    public var code: Int
    /// libcurl's message for the failure (its error buffer when set, else `curl_easy_strerror`).
    public var message: String
    /// The request URL with any `user:password@` part removed.
    public var url: String

    public init(code: Int, message: String, url: String) {
        self.code = code
        self.message = message
        self.url = CurlError.redact(url)
    }

    /// True when libcurl gave up because the transfer was cancelled by the caller.
    public var isCancelled: Bool { code == Int(CURLE_ABORTED_BY_CALLBACK.rawValue) }
    /// True for failures to reach the server at all (refused, DNS, unreachable).
    public var isConnectFailure: Bool {
        code == Int(CURLE_COULDNT_CONNECT.rawValue) || code == Int(CURLE_COULDNT_RESOLVE_HOST.rawValue)
    }
    /// True when a timeout expired.
    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }
    /// True for TLS verification and handshake failures.
    public var isTLSFailure: Bool {
        code == Int(CURLE_PEER_FAILED_VERIFICATION.rawValue) || code == Int(CURLE_SSL_CONNECT_ERROR.rawValue)
            || code == Int(CURLE_SSL_CACERT_BADFILE.rawValue) || code == Int(CURLE_SSL_CERTPROBLEM.rawValue)
    }

    public var description: String { "curl error \(code) for \(url): \(message)" }

    /// Removes the userinfo part (`user:secret@`) of a URL so that it can be logged.
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let authorityStart = schemeEnd.upperBound
        let rest = url[authorityStart...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        guard let at = url[authorityStart..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<authorityStart]) + String(url[url.index(after: at)...])
    }
}
