#if canImport(Hummingbird)
import Hummingbird
import NIOCore
import Synchronization
import VigilCore
#if canImport(VigilGzip)
import VigilGzip
#endif

/// A minimal Hummingbird server for `/metrics` inside the benchmark, so a whole scrape of the benchmark's
/// registry (HTTP parsing, rendering, optional gzip, the loopback transfer) can be timed without filling a
/// running agent with 100,000 series. It renders the way the agent's server should: plain bodies straight
/// into a `ByteBuffer` with `render(_:using:)`, gzip from the registry's kept buffer.
enum InProcessServer {
    static func run(registry: MetricRegistry, scrape: @escaping @Sendable (Int) throws -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
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
            buffer = ByteBufferAllocator().buffer(capacity: 0)
            registry.render(format) { maximumSize, write in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maximumSize) { write($0) }
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "vigil-bench"),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) })
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
