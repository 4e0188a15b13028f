/// Where a fleet's shared state lives (`storage.shared`): a PostgreSQL database.
///
/// The URL names user, host, port and database; the password comes from `passwordFile` (preferred) or, when
/// written into the URL, is kept out of every log line and error (``redactedURL``).
///
/// ```swift
/// let c = try SharedStateConfiguration(url: "postgres://vigil:secret@db:5432/vigil")
/// c.redactedURL   // "postgres://vigil:***@db:5432/vigil"
/// ```
public struct SharedStateConfiguration: Sendable, Hashable {
    /// How the connection is encrypted; the names and meanings are libpq's `sslmode`.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without verifying its certificate (libpq's default).
        case prefer
        /// TLS always, without verifying the certificate.
        case require
        /// TLS always; the certificate must chain to `caFile` (or the system's CAs) and name the host.
        case verifyFull = "verify_full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// The password written into the URL, if any (prefer `passwordFile`).
    public var inlinePassword: String?
    public var passwordFile: String?
    public var tls: TLSMode = .prefer
    public var caFile: String?
    /// How long one operation (a connection included) may take before it fails.
    public var timeoutMillis: Int64 = 5_000
    /// How long a label whose prediction is not in the shared store yet is retried before it counts `unmatched`
    /// (its prediction may have reached another agent that has not flushed it yet).
    public var labelJoinGraceMillis: Int64 = 10_000

    /// A problem with the URL, said without its password.
    public struct URLError: Error, CustomStringConvertible, Hashable {
        public var description: String
    }

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`).
    public init(url: String) throws(URLError) {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw URLError(description: "expected a postgres://USER@HOST:PORT/DATABASE URL, got \"\(Self.redact(url))\"")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("?") { throw URLError(description: "query parameters are not read here: use password_file and tls") }
        guard let at = rest.lastIndex(of: "@") else {
            throw URLError(description: "the URL needs a user: postgres://USER@HOST:PORT/DATABASE")
        }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        if let colon = userInfo.firstIndex(of: ":") {
            user = Self.percentDecoded(userInfo[..<colon])
            inlinePassword = Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
        } else {
            user = Self.percentDecoded(userInfo)
        }
        guard !user.isEmpty else { throw URLError(description: "the URL needs a user: postgres://USER@HOST:PORT/DATABASE") }
        guard let slash = rest.firstIndex(of: "/") else {
            throw URLError(description: "the URL needs a database: postgres://USER@HOST:PORT/DATABASE")
        }
        database = Self.percentDecoded(rest[rest.index(after: slash)...])
        guard !database.isEmpty, !database.contains("/") else {
            throw URLError(description: "the URL needs one database name after the host: postgres://USER@HOST:PORT/DATABASE")
        }
        var hostPort = rest[..<slash]
        port = 5432
        if hostPort.hasPrefix("[") {  // [IPv6]:port
            guard let close = hostPort.firstIndex(of: "]") else { throw URLError(description: "unclosed [ in the host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            if hostPort.hasPrefix(":") { port = try Self.port(hostPort.dropFirst()) } else if !hostPort.isEmpty {
                throw URLError(description: "unexpected \"\(hostPort)\" after the host")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = try Self.port(hostPort[hostPort.index(after: colon)...])
        } else {
            host = String(hostPort)
        }
        guard !host.isEmpty else { throw URLError(description: "the URL needs a host: postgres://USER@HOST:PORT/DATABASE") }
    }

    /// The URL as it may be logged: the password, if one was given, replaced by `***`.
    public var redactedURL: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)\(inlinePassword == nil ? "" : ":***")@\(h):\(port)/\(database)"
    }

    /// Replaces a password in any text that looks like a postgres URL (for messages about a URL that did not parse).
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > schemeEnd.upperBound else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private static func port(_ text: Substring) throws(URLError) -> Int {
        guard let p = Int(text), (1...65_535).contains(p) else { throw URLError(description: "the port must be 1–65535, got \"\(text)\"") }
        return p
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v); bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
