#if canImport(VigilServer)
import Hummingbird
import Logging
import VigilCore
import VigilServer

/// The agent's HTTP server (`VigilHTTPServer`, the same router, middleware and `/metrics` handler) on
/// 127.0.0.1 inside the benchmark, so whole scrapes of the benchmark's registry (HTTP parsing, rendering,
/// gzip, the loopback transfer) can be timed without filling a running agent with 100,000 series.
enum InProcessServer {
    static func run(registry: MetricRegistry, scrape: @escaping @Sendable (Int) throws -> Void) async throws {
        var logger = Logger(label: "vigil-bench")
        // Stopping the server by cancellation logs errors that mean nothing here.
        logger.logLevel = .critical
        let server = VigilHTTPServer(.init(
            registry: registry, readiness: Readiness(), authenticator: Authenticator(tokens: []), ingestor: nil,
            logSearch: nil, maxBodyBytes: 1 << 20, makeRequestID: { "bench" }, monotonicSeconds: { 0 }))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.makeApplication(host: "127.0.0.1", port: 0, logger: logger) { port in portContinuation.yield(port) }
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
