#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import Testing
import VigilCore
import VigilStorage
@testable import VigilSources

/// Runs blocking calls on a serial queue (as the runtime's executor does) and counts them.
final class QueueExecutor: BlockingExecutor {
    let queue = DispatchQueue(label: "test.blocking")
    let calls = Atomic<Int>(0)

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        calls.add(1, ordering: .relaxed)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Standard input read off the cooperative pool, and file sources that stop at the end (`vigil ship`).
@Suite struct StdinSourceTests {
    @Test func readsOnTheExecutorAndStopsWhenCancelledWhileThePipeStaysOpen() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let text = (0..<10).map(line).joined()
        _ = Array(text.utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        let collector = CollectingSink()
        let executor = QueueExecutor()
        let source = StdinSource(pipeline: try FileTailerTests.pipeline(), fileDescriptor: fds[0], runID: "t",
                                 executor: executor, sink: collector.sink)
        let clock = ContinuousClock()
        let stoppedAfter = try await withThrowingTaskGroup(of: Duration?.self) { group in
            group.addTask { try await source.run(); return nil }
            // The writer keeps the pipe open: the lines arrive, then the source waits for more (a second read).
            // Generous: other suites running in parallel can keep the cooperative pool busy for seconds.
            let deadline = clock.now + .seconds(60)
            while (collector.numbers.count < 10 || executor.calls.load(ordering: .relaxed) < 2) && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let cancelled = clock.now
            group.cancelAll()
            _ = try await group.next()
            return clock.now - cancelled
        }
        #expect(collector.numbers == Array(0..<10))
        #expect(executor.calls.load(ordering: .relaxed) >= 2)
        // Each wait for input lasts at most pollMilliseconds, so cancellation is seen soon after.
        #expect(try #require(stoppedAfter) < .seconds(5))
    }

    @Test func fileSourceWithStopAtEndReturnsAfterReadingEveryFileToItsEnd() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-stop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        append(dir + "/a.log", (0..<500).map(line).joined())
        // The last line has no newline: with a zero idle_flush it is taken at once.
        append(dir + "/b.log", (500..<700).map(line).joined() + #"{"n":700}"#)
        append(dir + "/empty.log", "")
        let collector = CollectingSink()
        let tailer = FileTailer(
            configuration: FileTailerConfiguration(paths: [dir + "/*.log"], idleFlush: .zero, readChunkBytes: 4096, stopAtEnd: true),
            pipeline: try FileTailerTests.pipeline(), registry: MetricRegistry(), checkpoints: [], sink: collector.sink)
        let clock = ContinuousClock()
        let started = clock.now
        try await tailer.run()
        #expect(clock.now - started < .seconds(10))
        #expect(collector.numbers.sorted() == Array(0...700))
    }
}
