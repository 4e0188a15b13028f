#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal blocking HTTP/1.1 GET over loopback, for timing whole `/metrics` scrapes: one connection per
/// request (`Connection: close`), the body read to its end (Content-Length, chunked or close-delimited).
/// Responses are read into one buffer kept across requests, so the client adds little to the timing.
final class LoopbackHTTPClient {
    struct Failure: Error, CustomStringConvertible { let description: String }
    struct Response { var status: Int; var headers: [(String, String)]; var bodyBytes: Int }

    let port: UInt16
    let path: String
    private var storage = [UInt8](repeating: 0, count: 1 << 20)

    /// Accepts `http://127.0.0.1:PORT/path` or `http://localhost:PORT/path` only.
    init(url: String) throws {
        guard url.hasPrefix("http://") else { throw Failure(description: "only http:// URLs: \(url)") }
        let rest = url.dropFirst("http://".count)
        let hostPort = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(hostPort.count)
        let parts = hostPort.split(separator: ":")
        guard parts.count == 2, parts[0] == "127.0.0.1" || parts[0] == "localhost", let port = UInt16(parts[1]) else {
            throw Failure(description: "the scrape URL must be loopback with a port, e.g. http://127.0.0.1:9750/metrics")
        }
        self.port = port
        self.path = path.isEmpty ? "/" : String(path)
    }

    func get(accept: String, gzip: Bool) throws -> Response {
        try request(method: "GET", headers: "Accept: \(accept)\r\n" + (gzip ? "Accept-Encoding: gzip\r\n" : ""), body: [])
    }

    /// `PUT` of `body` (for pushing series into pushgateway).
    func put(_ body: [UInt8], contentType: String) throws -> Response {
        try request(method: "PUT", headers: "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n", body: body)
    }

    /// The body of the last response, de-chunked (only for checks outside the timed part).
    func lastBody() throws -> [UInt8] {
        let data = storage[0..<lastReceived]
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headerEnd = data.indices.prefix(16_384).first(where: { data[$0...].starts(with: separator) }) else {
            throw Failure(description: "no HTTP header in the response")
        }
        let head = String(decoding: data[..<headerEnd], as: UTF8.self).lowercased()
        let body = data[(headerEnd + 4)...]
        guard head.contains("transfer-encoding: chunked") else { return Array(body) }
        var out: [UInt8] = []
        var index = body.startIndex
        while index < body.endIndex {
            guard let lineEnd = body[index...].firstIndex(of: 13) else { break }
            let sizeText = String(decoding: body[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText, radix: 16) else { throw Failure(description: "bad chunk size") }
            if size == 0 { return out }
            out.append(contentsOf: body[(lineEnd + 2)..<(lineEnd + 2 + size)])
            index = lineEnd + 2 + size + 2
        }
        throw Failure(description: "truncated chunked body")
    }

    private var lastReceived = 0

    private func request(method: String, headers: String, body payload: [UInt8]) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port) failed (errno \(errno))") }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(headers)Connection: close\r\n\r\n"
        var bytes = Array(request.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send failed") }
            sent += n
        }
        bytes = []

        // Read everything until the peer closes (we asked for Connection: close), then frame.
        var received = 0
        while true {
            if received == storage.count {
                storage.append(contentsOf: repeatElement(0, count: storage.count))
            }
            let n = storage.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            if n < 0 { if errno == EINTR { continue }; throw Failure(description: "recv failed") }
            if n == 0 { break }
            received += n
        }
        lastReceived = received
        return try Self.parse(storage[0..<received])
    }

    static func parse(_ data: ArraySlice<UInt8>) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headerEnd = data.indices.prefix(16_384).first(where: { data[$0...].starts(with: separator) }) else {
            throw Failure(description: "no HTTP header in the response")
        }
        let head = String(decoding: data[..<headerEnd], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = head.first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else {
            throw Failure(description: "bad status line")
        }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        let body = data[(headerEnd + 4)...]
        var bodyBytes = body.count
        if let length = headers.first(where: { $0.0 == "content-length" }).flatMap({ Int($0.1) }) {
            guard length == body.count else { throw Failure(description: "short body: \(body.count) of \(length)") }
        } else if headers.contains(where: { $0.0 == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            bodyBytes = try dechunkedLength(body)
        }
        return Response(status: status, headers: headers, bodyBytes: bodyBytes)
    }

    private static func dechunkedLength(_ body: ArraySlice<UInt8>) throws -> Int {
        var index = body.startIndex
        var total = 0
        while index < body.endIndex {
            guard let lineEnd = body[index...].indices.first(where: { body[$0] == 13 }) else { break }
            let sizeText = String(decoding: body[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText, radix: 16) else { throw Failure(description: "bad chunk size") }
            if size == 0 { return total }
            total += size
            index = lineEnd + 2 + size + 2
        }
        throw Failure(description: "truncated chunked body")
    }
}
