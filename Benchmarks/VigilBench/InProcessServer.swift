#if canImport(Hummingbird)
import Hummingbird
import Logging
import NIOCore
import Synchronization
import VigilCore
#if canImport(VigilGzip)
import VigilGzip
#endif

/// A minimal Hummingbird server for `/metrics` inside the benchmark, so a whole scrape of the benchmark's
/// registry (HTTP parsing, rendering, optional gzip, the loopback transfer) can be timed without filling a
/// running agent with 100,000 series. It renders the way the agent's server should: plain bodies straight
/// into a `ByteBuffer` with `render(_:using:)`, reusing the previous response's storage once NIO has
/// written it (a fresh 60 MB buffer per scrape costs more in page faults than the rendering), and gzip from
/// the registry's kept buffer.
enum InProcessServer {
    static func run(registry: MetricRegistry, scrape: @escaping @Sendable (Int) throws -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        // The server keeps a reference to the last body; when the response that shared it has been written,
        // the reference is unique again and `clear()` keeps its capacity instead of allocating.
        let lastBody = Mutex<ByteBuffer>(ByteBufferAllocator().buffer(capacity: 0))
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            var headers: HTTPFields = [.contentType: format.contentType]
            let gzip = request.headers[.acceptEncoding]?.contains("gzip") ?? false
            var buffer: ByteBuffer
            #if canImport(VigilGzip)
            if gzip {
                let compressed = registry.withRendered(format) { Gzip.compress(Array($0), level: 1) }
                buffer = ByteBuffer(bytes: compressed)
                headers[.contentEncoding] = "gzip"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
            }
            #endif
            buffer = lastBody.withLock { kept in
                let taken = kept
                kept = ByteBufferAllocator().buffer(capacity: 0)
                return taken
            }
            buffer.clear()
            registry.render(format) { maximumSize, write in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maximumSize) { write($0) }
            }
            let keep = buffer
            lastBody.withLock { $0 = keep }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "vigil-bench"),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: {
                // Stopping the server by cancellation logs errors that mean nothing here.
                var logger = Logger(label: "vigil-bench")
                logger.logLevel = .critical
                return logger
            }())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            // The client blocks on its socket: give it a thread of its own rather than a cooperative one.
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                BlockingThread.start {
                    do { try scrape(port); done.resume() } catch { done.resume(throwing: error) }
                }
            }
            group.cancelAll()
        }
    }
}
#endif

#if canImport(Glibc)
import Glibc

/// Runs a closure on a new detached pthread.
enum BlockingThread {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed")
        pthread_detach(thread)
    }
}
#endif
