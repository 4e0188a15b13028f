// Every ```swift example of a doc comment under Sources/VigilSources, verbatim, in a test that compiles and runs it
// (with real pipes, a real spool in a temp directory, and the values its comments state checked after it).
// `documentationExamplesAreCompiled` (Tests/VigilCoreTests/DocumentationExampleTests.swift) fails when an example
// in the sources is not found line for line in a test target's DocumentationExampleTests.swift: change an example
// in both places.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VigilCore
import VigilStorage
@testable import VigilSources

@Suite struct SourcesDocumentationExampleTests {
    /// BlockingExecutor.swift
    @Test func blockingExecutor() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = Array("hello".utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        let executor = QueueExecutor()
        let fd = fds[0], count = 64
        nonisolated(unsafe) let buffer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        let n = try await executor.run { read(fd, buffer, count) }
        #expect(n == 5)
        #expect(executor.calls.load(ordering: .relaxed) == 1)
    }

    /// FileTailer.swift: builds the tailer as the example does, then hands its sink a batch as the tailer would
    /// (FileTailerTests run tailers over real files).
    @Test func fileTailer() async throws {
        let directory = NSTemporaryDirectory() + "vigil-sources-doc-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(database: try VigilDatabase(dataDirectory: directory), configuration: SpoolConfiguration())
        let registry = MetricRegistry()
        var pipeline = try FileTailerTests.pipeline(registry: registry)
        let writer = SpoolWriter(spool: spool, registry: registry)   // the runtime runs its appends on a BlockingPool
        let tailer = FileTailer(configuration: .init(paths: ["/var/log/app/*.log"]), pipeline: pipeline,
                                registry: registry, checkpoints: try spool.loadCheckpoints(), sink: { events, rejects, checkpoint in
            let letters = rejects.map { DeadLetterInput(source: $0.source, position: $0.position, reason: $0.reason.rawValue, detail: $0.message, raw: $0.raw) }
            return try writer.append(events, source: "file", checkpoint: checkpoint, deadLetters: letters) == .committed
        })

        guard case .accepted(let event) = pipeline.process(Array(#"{"message":"hi"}"#.utf8),
                                                            context: LineContext(source: "file", id: "f:0", readTimeMillis: 0))
        else { Issue.record("the pipeline rejected the line"); return }
        let checkpoint = FileCheckpoint(key: "2049:1:ab", path: "/var/log/app/a.log", offset: 32)
        let reject = RejectedLine(source: "file", position: "/var/log/app/a.log:17", reason: .invalidJSON, message: "not JSON", raw: Array("{".utf8))
        #expect(try await tailer.sink([event], [reject], checkpoint))
        #expect(try spool.stats().events == 1)
        #expect(try spool.deadLetters.list().map(\.reason) == ["invalid_json"])
        #expect(try spool.loadCheckpoints() == [checkpoint])
    }
}
