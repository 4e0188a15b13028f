import ArgumentParser
import Dispatch
import Foundation
import VigilTestSupport

/// `vigil-es-mock`: the Elasticsearch-compatible bulk server of VigilTestSupport as a process, for
/// benchmarks and manual runs. Prints `listening on HOST:PORT`, serves until SIGINT/SIGTERM, then
/// prints its counters as JSON (also at `GET /_mock/stats`; faults at `POST /_mock/faults`).
@main
struct MockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-es-mock",
        abstract: "An Elasticsearch-compatible _bulk server with fault injection, for tests and benchmarks.")

    @Option(help: "Address to listen on (loopback only by default).") var host = "127.0.0.1"
    @Option(help: "Port; 0 picks a free one.") var port = 9200
    @Option(help: "Requests larger than this get 413.") var maxRequestBytes = 100 << 20
    @Option(help: "Initial faults as JSON (see MockFaults), e.g. '{\"itemStatus\":429,\"itemFraction\":0.05}'.") var faults: String?
    @Option(help: "Count loss and duplicates by the first 8 hex digits of this string field (e.g. request_id).") var countField: String?
    @Option(help: "Event loop threads.") var threads = 1
    @Flag(inversion: .prefixedNo, help: "Keep document bodies (memory grows with the documents).") var storeBodies = false
    @Flag(help: "Parse every document fully instead of checking it is an object.") var strict = false
    @Option(help: "Write the chosen port to this file once listening.") var portFile: String?
    @Option(help: "Keep the documents in this file (index, id, document per line), written before each acknowledgement and loaded at start: a node that survives SIGKILL.") var journal: String?

    func run() async throws {
        let mock = MockElasticsearch(configuration: .init(host: host, port: port, maxRequestBytes: maxRequestBytes, storeBodies: storeBodies,
                                                          strictJSON: strict, countField: countField, threads: threads,
                                                          journalPath: journal))
        let bound = try await mock.start()
        if let faults {
            try await mock.setFaults(try JSONDecoder().decode(MockFaults.self, from: Data(faults.utf8)))
        }
        print("listening on \(host):\(bound)")
        fflush(nil)
        if let portFile { try "\(bound)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }

        await waitForTerminationSignal()
        let stats = mock.stats()
        try await mock.stop()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(stats), as: UTF8.self))
    }

    private func waitForTerminationSignal() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "vigil-es-mock.signals")
            let resumed = ResumeOnce(continuation)
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler { resumed.resume() }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Resumes a continuation at most once, from whichever signal comes first.
final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
    func resume() {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume()
    }
}

/// Keeps the signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    static func keep(_ new: [any DispatchSourceSignal]) { sources = new }
}

