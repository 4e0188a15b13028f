import Hummingbird
import HTTPTypes
import NIOCore
import VigilCore

/// JSON responses built by hand (the bodies are small and fixed in shape).
enum HTTPResponses {
    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, #"{"error":"# + JSONText.quote(message) + "}")
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-ID")!
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

/// JSON string quoting for response bodies built by hand.
enum JSONText {
    static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        JSONString.appendQuoted(s.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
