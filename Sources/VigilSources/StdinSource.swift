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
public struct StdinSource: Service {
    public let fileDescriptor: Int32
    public let sourceName: String
    public let maxLineBytes: Int
    public let runID: String
    let pipeline: EventPipeline
    let sink: SourceSink
    let logger: Logger
    let nowMillis: @Sendable () -> Int64

    public init(pipeline: EventPipeline, fileDescriptor: Int32 = 0, sourceName: String = "stdin", runID: String,
                logger: Logger = Logger(label: "vigil.sources.stdin"),
                nowMillis: @escaping @Sendable () -> Int64 = FileTailer.wallClockMillis, sink: @escaping SourceSink) {
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
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
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
        while !Task.isCancelled {
            // A blocking read; stdin sources are for pipes, where it returns as data arrives or at EOF.
            let n = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("stdin read failed", metadata: ["error.errno": "\(errno)"])
                break
            }
            if n == 0 {
                framer.flush(emit)
            } else {
                buffer.withUnsafeBytes { framer.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), emit) }
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
