import Foundation

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests of a sender: it records every request (headers and body) and
/// answers each with the status that `status` gives for the request's index (0, 1, …), with an empty body.
/// Blocking sockets on one thread; keep-alive connections are served one after another. ``stop()`` closes it.
final class ScriptedHTTPReceiver: @unchecked Sendable {
    struct Request {
        var requestLine: String
        /// Header names lower-cased.
        var headers: [String: String]
        var body: [UInt8]
        /// The status this request was answered with.
        var answered: Int
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private var statusFor: @Sendable (Int) -> Int
    private var stopped = false

    init(status: @escaping @Sendable (Int) -> Int) throws {
        statusFor = status
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw HarnessError("socket() failed") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
              listen(fd, 16) == 0,
              withUnsafeMutablePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }) == 0
        else { close(fd); throw HarnessError("cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    var url: String { "http://127.0.0.1:\(port)/api/v1/write" }

    var requests: [Request] { lock.withLock { recorded } }

    /// Changes the answers of the requests still to come.
    func answer(_ status: @escaping @Sendable (Int) -> Int) { lock.withLock { statusFor = status } }

    func stop() {
        let first = lock.withLock { () -> Bool in defer { stopped = true }; return !stopped }
        if first { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        func fill() -> Bool {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            var headerEnd: Int?
            while headerEnd == nil {
                if buffer.count >= 4 {
                    for i in 0...(buffer.count - 4) where Array(buffer[i..<(i + 4)]) == separator { headerEnd = i; break }
                }
                if headerEnd == nil, !fill() { return }
            }
            let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst()
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyStart = headerEnd! + 4
            while buffer.count < bodyStart + length { if !fill() { return } }
            let body = Array(buffer[bodyStart..<(bodyStart + length)])
            buffer.removeFirst(bodyStart + length)
            let status = lock.withLock { () -> Int in
                let status = statusFor(recorded.count)
                recorded.append(Request(requestLine: requestLine, headers: headers, body: body, answered: status))
                return status
            }
            let response = Array("HTTP/1.1 \(status) Scripted\r\nContent-Length: 0\r\n\r\n".utf8)
            _ = response.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}
