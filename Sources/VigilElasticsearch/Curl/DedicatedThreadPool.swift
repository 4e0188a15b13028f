import Dispatch
import Foundation
import Synchronization

/// A fixed set of threads of its own that run blocking jobs (libcurl transfers, SQLite calls) so that they
/// never occupy the Swift concurrency cooperative pool.
///
/// Each thread creates one `Context` (for example a curl easy handle) when it starts and keeps it for its
/// lifetime, so per-thread state such as a kept-alive connection is reused across jobs.
///
/// ```swift
/// let pool = DedicatedThreadPool<Void>(name: "io", threads: 1, makeContext: {})
/// let n = await pool.run { _ in 40 + 2 }
/// pool.shutdown()
/// ```
public final class DedicatedThreadPool<Context>: Sendable {
    typealias Job = @Sendable (Context) -> Void

    private final class Shared: Sendable {
        let jobs = Mutex<(queue: [Job?], head: Int)>(([], 0))
        let available = DispatchSemaphore(value: 0)

        func push(_ job: Job?) {
            jobs.withLock { $0.queue.append(job) }
            available.signal()
        }

        func pop() -> Job? {
            available.wait()
            return jobs.withLock { state in
                let job = state.queue[state.head]
                // Drop the slot's reference now: a finished job's closure holds its request (megabytes).
                state.queue[state.head] = nil
                state.head += 1
                // Compact now and then so the array does not grow without bound.
                if state.head > 1024, state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
        }
    }

    private let shared = Shared()
    private let threadCount: Int
    private let stopped = Atomic<Bool>(false)

    /// Starts `threads` threads named `name`; each calls `makeContext` once, and `destroyContext` when it stops.
    public init(name: String, threads: Int,
                makeContext: @escaping @Sendable () -> Context,
                destroyContext: @escaping @Sendable (Context) -> Void = { _ in }) {
        precondition(threads > 0, "a pool needs at least one thread")
        threadCount = threads
        let shared = self.shared
        for index in 0..<threads {
            let thread = Thread {
                let context = makeContext()
                while let job = shared.pop() { job(context) }
                destroyContext(context)
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    deinit { shutdown() }

    /// Runs `body` on one of the pool's threads and returns its result. Jobs start in submission order.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable (Context) throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            shared.push { context in
                do throws(E) {
                    continuation.resume(returning: .success(try body(context)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Lets each thread finish the jobs already queued, then stop. Idempotent.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for _ in 0..<threadCount { shared.push(nil) }
    }
}
