#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import VigilCore
import VigilStorage
@testable import VigilSources

/// Collects what a source delivers, as a spool would: events, rejects and checkpoint together.
final class CollectingSink: Sendable {
    struct State {
        var bodies: [String] = []
        var ids: [String] = []
        var rejects: [RejectedLine] = []
        var checkpoints: [String: FileCheckpoint] = [:]
        var batches = 0
    }
    let state = Mutex(State())
    /// Number of batches to accept before answering "full" forever (nil: accept all).
    let acceptBatches: Int?
    /// Answer "full" to the first `refuseFirst` calls (back-pressure), then accept.
    let refuseFirst = Mutex(0)

    init(acceptBatches: Int? = nil, refuseFirst: Int = 0) {
        self.acceptBatches = acceptBatches
        self.refuseFirst.withLock { $0 = refuseFirst }
    }

    var sink: SourceSink {
        { events, rejects, checkpoint in
            if self.refuseFirst.withLock({ r in
                if r > 0 { r -= 1; return true }
                return false
            }) { return false }
            return self.state.withLock { s in
                if let limit = self.acceptBatches, s.batches >= limit { return false }
                s.batches += 1
                s.bodies += events.map { String(decoding: $0.body, as: UTF8.self) }
                s.ids += events.map(\.id)
                s.rejects += rejects
                if let checkpoint { s.checkpoints[checkpoint.key] = checkpoint }
                return true
            }
        }
    }

    var bodies: [String] { state.withLock { $0.bodies } }
    var rejects: [RejectedLine] { state.withLock { $0.rejects } }
    var checkpoints: [FileCheckpoint] { state.withLock { Array($0.checkpoints.values) } }

    /// The `n` values of delivered `{"n":…}` lines.
    var numbers: [Int] {
        bodies.compactMap { body in
            guard let r = body.range(of: #"{"n":"#) else { return nil }
            return Int(body[r.upperBound...].prefix { $0.isNumber })
        }
    }
}

struct TempDir: ~Copyable {
    let path: String
    init() {
        var template = Array("/tmp/vigil-tail-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { "\(path)/\(name)" }
}

func line(_ n: Int) -> String { #"{"n":\#(n),"pad":"\#(String(repeating: "x", count: n % 37))"}"# + "\n" }

func append(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    precondition(fd >= 0)
    _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

func appendLines(_ path: String, _ range: Range<Int>) {
    append(path, range.map(line).joined())
}

@Suite(.serialized) struct FileTailerTests {
    static func configuration(_ dir: borrowing TempDir, format: LogFormat = .json, chunk: Int = 64 * 1024,
                              maxLine: Int = 1 << 20) -> FileTailerConfiguration {
        FileTailerConfiguration(paths: [dir.file("*.log")], format: format, scanInterval: .milliseconds(10),
                                pollInterval: .milliseconds(5), idleFlush: .milliseconds(100), maxLineBytes: maxLine,
                                readChunkBytes: chunk)
    }

    static func pipeline(maxLine: Int = 1 << 20, registry: MetricRegistry = MetricRegistry()) throws -> EventPipeline {
        try EventPipeline(configuration: PipelineConfiguration(maxLineBytes: maxLine), registry: registry)
    }

    /// Runs a tailer while `body` drives the files; `body` returns when its conditions are met.
    static func withTailer(_ tailer: FileTailer, _ body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await tailer.run() }
            try await body()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    /// Waits (up to 20 s, for slow shared machines) until `condition` holds; the test's assertions come after.
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func rotationTableDeliversEveryLineOnce() async throws {
        let dir = TempDir()
        let app = dir.file("app.log")
        appendLines(app, 0..<100)
        let collector = CollectingSink()
        let registry = MetricRegistry()
        let tailer = FileTailer(configuration: Self.configuration(dir, chunk: 4096), pipeline: try Self.pipeline(),
                                registry: registry, checkpoints: [], sink: collector.sink)
        let truncations = registry.counter("vigil_file_truncations_total", help: "", labelNames: ["source"]).labels(["file"])
        let dirPath = dir.path
        try await Self.withTailer(tailer) {
            try await Self.eventually { collector.bodies.count >= 100 }
            // Rename then create; the writer still appends to the renamed file (grow while rotated).
            let oldFD = open(app, O_WRONLY | O_APPEND)
            rename(app, "\(dirPath)/app.log.1")
            appendLines("\(dirPath)/app.log", 150..<200)
            _ = Array((100..<150).map(line).joined().utf8).withUnsafeBytes { write(oldFD, $0.baseAddress, $0.count) }
            close(oldFD)
            try await Self.eventually { collector.bodies.count >= 200 }
            // Copy-truncate: the file shrinks to 0, then is written again.
            truncate("\(dirPath)/app.log", 0)
            try await Self.eventually { truncations.value >= 1 }
            appendLines("\(dirPath)/app.log", 200..<250)
            try await Self.eventually { collector.bodies.count >= 250 }
            // Delete and recreate.
            unlink("\(dirPath)/app.log")
            appendLines("\(dirPath)/app.log", 250..<300)
            // Many files at once.
            for f in 0..<20 { appendLines("\(dirPath)/f\(f).log", (1000 + f * 10)..<(1010 + f * 10)) }
            try await Self.eventually { collector.bodies.count >= 500 }
            try await Task.sleep(for: .milliseconds(100))  // room for any duplicate to show up
        }
        let numbers = collector.numbers
        #expect(numbers.count == 500)
        #expect(Set(numbers) == Set(Array(0..<300) + Array(1000..<1200)))
        #expect(truncations.value == 1)
        #expect(collector.rejects.isEmpty)
    }

    @Test func restartResumesAtTheLastAcknowledgedCheckpoint() async throws {
        let dir = TempDir()
        let app = dir.file("app.log")
        appendLines(app, 0..<500)
        // First run: the sink takes three batches, then is full (back-pressure) until the agent stops.
        let first = CollectingSink(acceptBatches: 3)
        let t1 = FileTailer(configuration: Self.configuration(dir, chunk: 2048), pipeline: try Self.pipeline(),
                            registry: MetricRegistry(), checkpoints: [], sink: first.sink)
        try await Self.withTailer(t1) {
            try await Self.eventually { first.state.withLock { $0.batches } >= 3 }
            try await Task.sleep(for: .milliseconds(50))
        }
        let taken = first.numbers
        #expect(taken.count > 0 && taken.count < 500)
        appendLines(app, 500..<600)
        // Second run restores the stored checkpoints.
        let second = CollectingSink(refuseFirst: 2)
        let t2 = FileTailer(configuration: Self.configuration(dir, chunk: 2048), pipeline: try Self.pipeline(),
                            registry: MetricRegistry(), checkpoints: first.checkpoints, sink: second.sink)
        try await Self.withTailer(t2) {
            try await Self.eventually { taken.count + second.bodies.count >= 600 }
            try await Task.sleep(for: .milliseconds(50))
        }
        let all = taken + second.numbers
        #expect(all.count == 600)
        #expect(Set(all) == Set(0..<600))
        #expect(second.numbers.min() == taken.count)
    }

    @Test func partialLastLineWaitsThenIsFlushed() async throws {
        let dir = TempDir()
        let app = dir.file("app.log")
        append(app, #"{"n":1}"# + "\n" + #"{"n":2"#)
        let collector = CollectingSink()
        let tailer = FileTailer(configuration: Self.configuration(dir), pipeline: try Self.pipeline(),
                                registry: MetricRegistry(), checkpoints: [], sink: collector.sink)
        try await Self.withTailer(tailer) {
            try await Self.eventually { collector.bodies.count >= 1 }
            append(app, "}")  // completes the line before the idle timeout
            try await Self.eventually { collector.bodies.count >= 2 }
        }
        #expect(collector.bodies == [#"{"n":1}"#, #"{"n":2}"#])
        // The last line is covered by the checkpoint (the key changes as the fingerprint grows: take the latest).
        #expect(collector.checkpoints.map(\.offset).max() == Int64(#"{"n":1}"#.utf8.count + 1 + #"{"n":2}"#.utf8.count))
    }

    @Test func malformedCorpusIsRejectedWithReasons() async throws {
        let dir = TempDir()
        let app = dir.file("bad.log")
        var bytes: [UInt8] = []
        bytes += Array("{\"a\":\n".utf8)                                         // invalid_json
        bytes += Array("[1,2,3]\n".utf8)                                         // not_an_object
        bytes += Array("42\n".utf8)                                              // not_an_object
        bytes += Array("{\"a\":\"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)   // invalid_utf8
        bytes += Array("{\"a\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: 5 << 20) + Array("\"}\n".utf8) // cut, marked
        bytes += Array("{\"a\":\"x".utf8) + [0, 0] + Array("\"}\n".utf8)        // nul_byte
        bytes += Array((String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100) + "\n").utf8) // too_deep
        bytes += Array("\n".utf8)                                                // blank: counted, not dead-lettered
        bytes += Array("{\"n\":7}\n".utf8)
        #expect(FileManager.default.createFile(atPath: app, contents: Data(bytes)))
        let collector = CollectingSink()
        let registry = MetricRegistry()
        let tailer = FileTailer(configuration: Self.configuration(dir), pipeline: try Self.pipeline(registry: registry),
                                registry: registry, checkpoints: [], sink: collector.sink)
        try await Self.withTailer(tailer) {
            try await Self.eventually { collector.bodies.count >= 2 && collector.rejects.count >= 6 }
        }
        // The 5 MiB line is cut at max_line_bytes and delivered as marked text; the rest of it is skipped.
        #expect(collector.bodies.count == 2)
        #expect(collector.bodies.last == #"{"n":7}"#)
        let cut = collector.bodies.first ?? ""
        #expect(cut.hasPrefix(#"{"message":"{\"a\":\"yyyy"#) && cut.hasSuffix(#"yyy","vigil.truncated":true}"#))
        #expect(cut.utf8.count < Self.configuration(dir).maxLineBytes + 64)
        #expect(collector.rejects.map(\.reason) == [.invalidJSON, .notAnObject, .notAnObject, .invalidUTF8, .nulByte, .tooDeep])
        #expect(collector.rejects.allSatisfy { $0.raw.count <= RejectedLine.maxRawBytes && $0.position.hasPrefix(app + ":") })
        let truncated = registry.counter("vigil_lines_truncated_total", help: "", labelNames: ["source"]).labels(["file"])
        #expect(truncated.value == 1)
    }

    @Test func criAndDockerFormats() async throws {
        let dir = TempDir()
        append(dir.file("cri.log"), "2025-03-01T00:00:00Z stdout P {\"n\":\n2025-03-01T00:00:00Z stdout F 1}\n2025-03-01T00:00:01Z stderr F {\"n\":2}\n")
        let cri = CollectingSink()
        try await Self.withTailer(FileTailer(configuration: Self.configuration(dir, format: .cri), pipeline: try Self.pipeline(),
                                             registry: MetricRegistry(), checkpoints: [], sink: cri.sink)) {
            try await Self.eventually { cri.bodies.count >= 2 }
        }
        #expect(cri.bodies == [#"{"n":1}"#, #"{"n":2}"#])

        let dir2 = TempDir()
        append(dir2.file("docker.log"), #"""
        {"log":"{\"n\":","stream":"stdout","time":"2025-03-01T00:00:00Z"}
        {"log":"3}\n","stream":"stdout","time":"2025-03-01T00:00:00Z"}
        {"log":"{\"n\":4}\n","stream":"stderr","time":"2025-03-01T00:00:01Z"}

        """#)
        let docker = CollectingSink()
        try await Self.withTailer(FileTailer(configuration: Self.configuration(dir2, format: .docker), pipeline: try Self.pipeline(),
                                             registry: MetricRegistry(), checkpoints: [], sink: docker.sink)) {
            try await Self.eventually { docker.bodies.count >= 2 }
        }
        #expect(docker.bodies == [#"{"n":3}"#, #"{"n":4}"#])
    }

    @Test func stdinSourceReadsToEndOfFile() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = (0..<1000).map(line).joined() + "[1]\n" + #"{"n":1000}"#
        let writer = fds[1]
        _ = Array(text.utf8).withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        close(writer)
        let collector = CollectingSink()
        let executor = QueueExecutor()
        let source = StdinSource(pipeline: try Self.pipeline(), fileDescriptor: fds[0], runID: "test", executor: executor, sink: collector.sink)
        try await source.run()
        close(fds[0])
        #expect(Set(collector.numbers) == Set(0...1000))
        #expect(collector.numbers.count == 1001)
        #expect(collector.rejects.map(\.reason) == [.notAnObject])
        #expect(collector.rejects.first?.position == "stdin:1001")
        #expect(Set(collector.state.withLock { $0.ids }).count == 1001)
        #expect(executor.calls.load(ordering: .relaxed) >= 2)   // every read ran on the executor
    }
}
