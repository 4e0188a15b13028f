import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization
import VigilCore
import VigilGzip

/// `GET /metrics`: the registry in the format the `Accept` header asks for (Prometheus text 0.0.4 or
/// OpenMetrics 1.0.0), gzip-compressed with ISA-L when `Accept-Encoding` allows.
///
/// The body is written straight into the response's `ByteBuffer`: plain text in one pass into memory sized
/// from the encoder's bound; gzip as 64 KiB rendered pieces fed to igzip one by one, so the uncompressed
/// exposition never exists as a whole and each piece is still in the cache when it is compressed. The
/// previous response's buffer is reused once NIO has written it: a fresh multi-megabyte buffer per scrape
/// costs more in page faults than rendering it.
final class MetricsEndpoint: Sendable {
    /// Pieces handed from the renderer to igzip: large enough that per-call overhead vanishes, small
    /// enough to stay in L2 between rendering and compressing.
    static let chunkBytes = 64 << 10
    /// ISA-L level 1, as the shipper: at about 3 GB/s on exposition text it costs a tenth of the render.
    static let gzipLevel: Int32 = 1

    private let registry: MetricRegistry
    private let monotonicSeconds: @Sendable () -> Double
    /// The storage of the last response body, to reuse; empty while a scrape has it out.
    private let kept = Mutex<ByteBuffer>(ByteBuffer())

    init(registry: MetricRegistry, monotonicSeconds: @escaping @Sendable () -> Double) {
        self.registry = registry
        self.monotonicSeconds = monotonicSeconds
    }

    func respond(to request: Request) -> Response {
        let start = monotonicSeconds()
        let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        var body = takeBuffer()
        if Self.acceptsGzip(request.headers[.acceptEncoding]) {
            Self.renderGzip(registry, format, into: &body)
            headers[.contentEncoding] = "gzip"
        } else {
            registry.render(format) { maximumSize, write in
                body.writeWithUnsafeMutableBytes(minimumWritableBytes: maximumSize) { write($0) }
            }
        }
        keep(body)
        registry.recordRenderDuration(seconds: monotonicSeconds() - start)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// The exposition as one gzip member appended to `body`.
    static func renderGzip(_ registry: MetricRegistry, _ format: ExpositionFormat, into body: inout ByteBuffer) {
        let stream = GzipStream(level: gzipLevel)
        // Exposition text compresses 10-15 times; start with room for a generous share of each piece and let
        // the loop ask for more when igzip fills it.
        let room = chunkBytes / 4 + 1_024
        func feed(_ input: UnsafeRawBufferPointer, isLast: Bool) {
            var rest = input
            repeat {
                var consumed = 0
                body.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { output in
                    let step = stream.compress(rest, isLast: isLast, into: output)
                    consumed = step.consumed
                    return step.written
                }
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
            } while !rest.isEmpty || (isLast && !stream.isFinished)
        }
        registry.render(format, chunkBytes: chunkBytes) { feed($0, isLast: false) }
        feed(UnsafeRawBufferPointer(start: nil, count: 0), isLast: true)
    }

    /// True when `Accept-Encoding` lists gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let coding = fields.first?.lowercased(), coding == "gzip" || coding == "*" else { continue }
            let q = fields.dropFirst().first { $0.lowercased().hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    /// The kept buffer, emptied. When NIO still holds the previous response (concurrent scrapes, or a slow
    /// client), `clear()` allocates fresh storage instead of overwriting it.
    private func takeBuffer() -> ByteBuffer {
        var buffer = kept.withLock { kept in
            var taken = ByteBuffer()
            swap(&taken, &kept)
            return taken
        }
        buffer.clear()
        return buffer
    }

    /// Keeps `body`'s storage for the next scrape, unless it is far larger than this body needed (the
    /// registry shrank, or this was a gzip scrape after plain ones): then it is freed with the response.
    private func keep(_ body: ByteBuffer) {
        let wasteful = body.capacity > 1 << 20 && body.readableBytes < body.capacity / 8
        kept.withLock { $0 = wasteful ? ByteBuffer() : body }
    }
}
