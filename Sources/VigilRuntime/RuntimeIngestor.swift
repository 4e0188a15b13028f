import Foundation
import Synchronization
import VigilCore
import VigilServer
import VigilStorage
import VigilHTTPClient

/// HTTP ingest: each line goes once through the pipeline; accepted events and the rejected lines'
/// dead letters are committed through the spool's one writer (as the file and stdin sources' are) in one
/// transaction before the request is answered, so `202` always means durably taken.
final class RuntimeIngestor: EventIngestor {
    private let pipeline: Mutex<EventPipeline>
    private let writer: SpoolWriter
    private let io: BlockingPool
    private let onAccepted: @Sendable ([Event]) -> Void
    private let now: @Sendable () -> Int64
    /// `http` for the NDJSON endpoints, `otlp` for the OTLP receiver: the events' source and the dead letters' origin.
    private let source: String

    init(pipeline: EventPipeline, writer: SpoolWriter, io: BlockingPool, now: @escaping @Sendable () -> Int64,
         source: String = "http", onAccepted: @escaping @Sendable ([Event]) -> Void) {
        self.source = source
        self.pipeline = Mutex(pipeline)
        self.writer = writer
        self.io = io
        self.now = now
        self.onAccepted = onAccepted
    }

    func ingest(endpoint: IngestEndpoint, lines: [ArraySlice<UInt8>], requestID: String) async throws -> IngestResult {
        let readTime = now()
        let kind: EventKind
        switch endpoint {
        case .logs: kind = .log
        case .predictions: kind = .prediction
        case .labels: kind = .label
        }
        // The same request id and line give the same document id, so a client retry is not indexed twice.
        let namespace = DeterministicID.namespace("\(source):\(endpoint.rawValue):\(requestID)")
        let source = self.source
        var events: [Event] = []
        var rejected: [IngestRejection] = []
        var deadLetters: [DeadLetterInput] = []
        events.reserveCapacity(lines.count)
        pipeline.withLock { pipeline in
            for (index, line) in lines.enumerated() {
                let context = LineContext(source: source, id: DeterministicID.make(namespace, position: Int64(index + 1)),
                                          readTimeMillis: readTime, defaultKind: kind)
                switch pipeline.process(Array(line), context: context) {
                case .accepted(let event):
                    events.append(event)
                case .rejected(let reason, let message):
                    rejected.append(IngestRejection(line: index + 1, error: "\(reason.rawValue): \(message)"))
                    deadLetters.append(DeadLetterInput(source: "\(source):/v1/\(endpoint.rawValue)", position: "request \(requestID) line \(index + 1)",
                                                       reason: reason.rawValue, detail: message, raw: Array(line), timeMillis: readTime))
                }
            }
        }
        let writer = self.writer
        let accepted = events
        let letters = deadLetters
        // Events go in as they are (they are `SpoolEncodable`), as the sources' do: no copy per event.
        let result = try await io.run { try writer.append(accepted, source: source, deadLetters: letters) }
        switch result {
        case .committed:
            onAccepted(events)
            return .accepted(count: events.count, rejected: rejected)
        default:
            return .busy(retryAfterSeconds: 1)
        }
    }
}
