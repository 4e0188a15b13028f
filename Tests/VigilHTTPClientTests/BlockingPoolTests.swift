import Foundation
import Synchronization
import Testing
import VigilHTTPClient

@Suite struct BlockingPoolTests {
    struct Boom: Error, Equatable {}

    /// Counters shared by the jobs of a test.
    final class Counters: Sendable {
        let active = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        let started = Atomic<Int>(0)
        let ran = Atomic<Int>(0)
    }

    @Test func runsOffTheCallerAndReturnsResultsAndErrors() async throws {
        let pool = BlockingPool(label: "test-pool")
        defer { pool.shutdown() }
        #expect(pool.state == .running)
        // One thread: every job runs on the same one.
        let first = try await pool.run { UInt(pthread_self()) }
        let second = try await pool.run { UInt(pthread_self()) }
        #expect(first == second)
        #expect(try await pool.run { 40 + 2 } == 42)
        await #expect(throws: Boom.self) { try await pool.run { () throws -> Int in throw Boom() } }
    }

    /// One thread: jobs never overlap, as a SQLite connection needs.
    @Test func oneThreadRunsOneJobAtATime() async throws {
        let pool = BlockingPool(label: "test-serial")
        defer { pool.shutdown() }
        let counters = Counters()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await pool.run {
                        if counters.active.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
                            counters.overlapped.store(true, ordering: .relaxed)
                        }
                        usleep(100)
                        counters.active.subtract(1, ordering: .sequentiallyConsistent)
                    }
                }
            }
            try await group.waitForAll()
        }
        let sawOverlap = counters.overlapped.load(ordering: .relaxed)
        #expect(!sawOverlap)
    }

    /// running → shuttingDown → stopped; queued jobs still run, later ones are refused.
    @Test func shutdownFinishesQueuedJobsThenRefuses() async throws {
        let pool = BlockingPool(label: "test-shutdown", threads: 2)
        let release = DispatchSemaphore(value: 0)
        let counters = Counters()
        let first = Task { try await pool.run { counters.started.add(1, ordering: .relaxed); release.wait(); counters.ran.add(1, ordering: .relaxed) } }
        let second = Task { try await pool.run { counters.started.add(1, ordering: .relaxed); release.wait(); counters.ran.add(1, ordering: .relaxed) } }
        // Both jobs are accepted and running (blocked) before the shutdown.
        for _ in 0..<500 where counters.started.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        let startedCount = counters.started.load(ordering: .relaxed)
        #expect(startedCount == 2)
        pool.shutdown()
        #expect(pool.state == .shuttingDown)
        await #expect(throws: BlockingPoolError.self) { try await pool.run { 1 } }
        release.signal()
        release.signal()
        try await first.value
        try await second.value
        let ranCount = counters.ran.load(ordering: .relaxed)
        #expect(ranCount == 2)
        for _ in 0..<100 where pool.state != .stopped { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pool.state == .stopped)
        pool.shutdown()   // idempotent
        #expect(pool.state == .stopped)
    }
}
