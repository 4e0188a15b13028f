import Dispatch
import Foundation
import Synchronization

/// The pool of dedicated threads that runs Vigil's blocking work — libcurl transfers, SQLite calls, file
/// reads — so that it never occupies a thread of Swift's cooperative pool. A last resort, as NIO's
/// `NIOThreadPool` is: prefer non-blocking I/O where there is one.
///
/// Jobs start in submission order; with one thread (the default) they also run one at a time, in order,
/// which is what a SQLite connection or a spool writer needs.
///
/// States: `running` (accepts jobs) → `shuttingDown` (after ``shutdown()``: refuses new jobs, the threads
/// finish the jobs already queued) → `stopped` (every thread has exited).
///
/// Invariants:
/// - Every job accepted by ``run(_:)`` runs exactly once, even when ``shutdown()`` follows at once.
/// - A job submitted after ``shutdown()`` is refused with ``BlockingPoolError`` and never runs.
/// - A job's closure is released as soon as it has run (a finished job may hold a multi-megabyte request).
///
/// ```swift
/// let pool = BlockingPool(label: "vigil.example")
/// let answer = try await pool.run { 40 + 2 }   // 42, computed on the pool's thread
/// pool.shutdown()
/// ```
public final class BlockingPool: Sendable {
    /// Where the pool is in its life.
    public enum State: Sendable, Equatable {
        case running
        case shuttingDown
        case stopped
    }

    private typealias Job = @Sendable () -> Void

    private struct Queue: Sendable {
        var jobs: [Job?] = []
        var head = 0
        var state = State.running
        var liveThreads: Int
    }

    private final class Shared: Sendable {
        let queue: Mutex<Queue>
        let available = DispatchSemaphore(value: 0)
        init(threads: Int) { queue = Mutex(Queue(liveThreads: threads)) }

        /// The next job, or nil when the pool shuts down and the queue is empty.
        func pop() -> Job? {
            available.wait()
            return queue.withLock { queue -> Job? in
                guard queue.head < queue.jobs.count else { return nil }   // a wake-up for shutdown
                let job = queue.jobs[queue.head]
                queue.jobs[queue.head] = nil
                queue.head += 1
                // Compact now and then so the array does not grow without bound.
                if queue.head > 1024, queue.head * 2 > queue.jobs.count {
                    queue.jobs.removeFirst(queue.head)
                    queue.head = 0
                }
                return job
            }
        }

        func threadExited() {
            queue.withLock { queue in
                queue.liveThreads -= 1
                if queue.liveThreads == 0 { queue.state = .stopped }
            }
        }
    }

    private let shared: Shared
    /// The pool's name; its threads are `label-0`, `label-1`, ….
    public let label: String
    public let threadCount: Int

    /// Starts `threads` threads named after `label`.
    public init(label: String, threads: Int = 1) {
        precondition(threads > 0, "a pool needs at least one thread")
        self.label = label
        threadCount = threads
        let shared = Shared(threads: threads)
        self.shared = shared
        for index in 0..<threads {
            let thread = Thread {
                while let job = shared.pop() { job() }
                shared.threadExited()
            }
            thread.name = "\(label)-\(index)"
            thread.start()
        }
    }

    deinit { shutdown() }

    /// The pool's current state.
    public var state: State { shared.queue.withLock { $0.state } }

    /// Runs `body` on one of the pool's threads and returns its result or rethrows its error.
    /// - Throws: ``BlockingPoolError`` when the pool is shutting down or stopped; whatever `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = shared.queue.withLock { queue -> Bool in
                guard queue.state == .running else { return false }
                queue.jobs.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted {
                shared.available.signal()
            } else {
                continuation.resume(throwing: BlockingPoolError(label: label))
            }
        }
    }

    /// Refuses new jobs and lets each thread finish the jobs already queued, then stop. Idempotent; does not wait.
    public func shutdown() {
        let wasRunning = shared.queue.withLock { queue -> Bool in
            guard queue.state == .running else { return false }
            queue.state = .shuttingDown
            return true
        }
        guard wasRunning else { return }
        // One wake-up per thread beyond the queued jobs: each thread sees an empty queue once and exits.
        for _ in 0..<threadCount { shared.available.signal() }
    }
}

/// A job was submitted to a ``BlockingPool`` that is shutting down or stopped.
public struct BlockingPoolError: Error, Sendable, CustomStringConvertible {
    public var label: String
    public var description: String { "blocking pool \(label) is shut down" }
}
