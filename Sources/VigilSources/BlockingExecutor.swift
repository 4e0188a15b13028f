/// Runs a blocking call (a `read` that waits for a pipe, a file or SQLite call) off Swift's cooperative pool,
/// where a blocked thread would starve every other task. The runtime passes its executor for blocking work;
/// the sources own no threads.
///
/// ```swift
/// let n = try await executor.run { read(fd, buffer, count) }
/// ```
public protocol BlockingExecutor: Sendable {
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
}
