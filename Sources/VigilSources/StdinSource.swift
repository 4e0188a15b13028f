#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import ServiceLifecycle
import VigilCore

/// Reads JSON lines from standard input (or any file descriptor) until end of file, for pipes and tests
/// (`vigil agent --stdin`). Same sink contract as ``FileTailer`` with a nil checkpoint.
///
/// Ids are `DeterministicID.make(namespace("stdin:<runID>"), position: lineNumber)`: pass a `runID` that is
/// stable for a replayed input to get the same ids again.
///
/// The `read` blocks until the writer sends data or closes the pipe, so it runs on the `executor` passed in,
/// never on the cooperative pool; it waits in `poll` for at most ``pollMilliseconds`` at a time, so that a
/// cancelled source (shutdown, `vigil ship --timeout`) returns even while the writer keeps the pipe open.
/// Give it an executor of its own: a serial executor shared with the spool would hold appends back.
public struct StdinSource: Service {
    public let fileDescriptor: Int32
    public let sourceName: String
    public let maxLineBytes: Int
    public let runID: String
    let pipeline: EventPipeline
    let sink: SourceSink
    let logger: Logger
    let nowMillis: @Sendable () -> Int64
    let executor: any BlockingExecutor
    /// The longest a blocking wait for input lasts before the source checks for cancellation.
    public static let pollMilliseconds: Int32 = 200

    /// - Parameter executor: where the blocking reads run (required: a read on the calling task would block a
    ///   thread of the cooperative pool).
    public init(pipeline: EventPipeline, fileDescriptor: Int32 = 0, sourceName: String = "stdin", runID: String,
                logger: Logger = Logger(label: "vigil.sources.stdin"), executor: any BlockingExecutor,
                nowMillis: @escaping @Sendable () -> Int64 = FileTailer.wallClockMillis, sink: @escaping SourceSink) {
        self.executor = executor
        self.pipeline = pipeline
        self.fileDescriptor = fileDescriptor
        self.sourceName = sourceName
        self.maxLineBytes = pipeline.configuration.maxLineBytes
        self.runID = runID
        self.sink = sink
        self.logger = logger
        self.nowMillis = nowMillis
    }

    /// Reads to end of file; returns when everything read was taken by the sink.
    public func run() async throws {
        var pipeline = self.pipeline
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        let namespace = DeterministicID.namespace("stdin:\(runID)")
        let buffer = ReadBuffer(capacity: 64 * 1024)
        var events: [Event] = []
        var rejects: [RejectedLine] = []
        var lineNumber: Int64 = 0
        let source = sourceName
        func emit(_ line: LineFramer.Line) {
            lineNumber += 1
            let context = LineContext(source: source, id: DeterministicID.make(namespace, position: lineNumber),
                                      readTimeMillis: nowMillis(), truncated: line.truncated)
            if let rejection = pipeline.process(line.bytes, context: context, appendingTo: &events), rejection.reason != .empty {
                rejects.append(RejectedLine(source: source, position: "stdin:\(lineNumber)", reason: rejection.reason,
                                            message: rejection.message, raw: line.bytes))
            }
        }
        let fd = fileDescriptor
        let readOnce: @Sendable () -> ReadBuffer.Outcome = { buffer.read(fd, waitMilliseconds: Self.pollMilliseconds) }
        while !Task.isCancelled {
            let outcome: ReadBuffer.Outcome
            outcome = try await executor.run(readOnce)
            let n: Int
            switch outcome {
            case .again:
                continue
            case .failed(let code):
                logger.error("stdin read failed", metadata: ["error.errno": "\(code)"])
                return
            case .read(let count):
                n = count
            }
            if n == 0 {
                framer.flush(emit)
            } else {
                buffer.withBytes(n) { framer.feed($0, emit) }
            }
            // Each read's lines are one batch, so a slow pipe's lines are not held back.
            if !(events.isEmpty && rejects.isEmpty) {
                try await deliver(events, rejects)
                events.removeAll(keepingCapacity: true)
                rejects.removeAll(keepingCapacity: true)
            }
            if n == 0 { break }
        }
    }

    func deliver(_ events: [Event], _ rejects: [RejectedLine]) async throws {
        while true {
            do {
                if try await sink(events, rejects, nil) { return }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.error("sink failed, retrying the same batch", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// The read buffer of a ``StdinSource``: filled on the executor's thread, read on the source's task, never both
/// at once (the task awaits each read), hence unchecked.
final class ReadBuffer: @unchecked Sendable {
    enum Outcome: Sendable {
        /// `count` bytes were read; 0 is the end of the input.
        case read(Int)
        /// Nothing arrived within the wait (or a signal interrupted it): ask again.
        case again
        case failed(errno: Int32)
    }

    private var bytes: [UInt8]

    init(capacity: Int) { bytes = [UInt8](repeating: 0, count: capacity) }

    /// Waits up to `waitMilliseconds` for input, then reads what is there.
    func read(_ fd: Int32, waitMilliseconds: Int32) -> Outcome {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, waitMilliseconds)
        if ready == 0 { return .again }
        if ready < 0 { return errno == EINTR ? .again : .failed(errno: errno) }
        // Readable, at its end (POLLHUP) or in error: `read` tells which.
        let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
        if n < 0 { return errno == EINTR || errno == EAGAIN ? .again : .failed(errno: errno) }
        return .read(n)
    }

    func withBytes(_ count: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
}

/// `read(2)` (the method above hides the global name).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
