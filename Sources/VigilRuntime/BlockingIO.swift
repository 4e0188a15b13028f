import Dispatch

/// Runs blocking work (SQLite, file reads) on a dedicated serial queue, off Swift's cooperative pool,
/// so a slow disk never starves the HTTP server's tasks.
final class BlockingIO: Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
