import Synchronization
import Testing
@testable import VigilElasticsearch

@Suite struct ElasticsearchContactTests {
    /// An outcome of a request: an HTTP status, or a transport failure's message.
    enum Outcome: Sendable, CustomStringConvertible {
        case status(Int)
        case noAnswer(String)
        var description: String {
            switch self {
            case let .status(s): "HTTP \(s)"
            case let .noAnswer(m): "no answer (\(m))"
            }
        }
    }

    @Test(arguments: [
        ([Outcome](), ElasticsearchContact.Status.notReady(reason: ElasticsearchContact.initialReason), [ElasticsearchContact.Status]()),
        ([.noAnswer("Connection refused")], .notReady(reason: "cannot reach Elasticsearch: Connection refused"),
         [.notReady(reason: "cannot reach Elasticsearch: Connection refused")]),
        ([.noAnswer("Connection refused"), .noAnswer("Connection refused"), .status(200)], .ready,
         [.notReady(reason: "cannot reach Elasticsearch: Connection refused"), .ready]),
        ([.status(503), .status(401)], .notReady(reason: "Elasticsearch answered HTTP 401 (check the credentials)"),
         [.notReady(reason: "Elasticsearch answered HTTP 503"), .notReady(reason: "Elasticsearch answered HTTP 401 (check the credentials)")]),
        ([.status(201), .status(503), .noAnswer("timeout")], .ready, [.ready]),
        ([.status(302)], .notReady(reason: "Elasticsearch answered HTTP 302"), [.notReady(reason: "Elasticsearch answered HTTP 302")]),
    ])
    func readyFromTheFirstSuccessOn(_ outcomes: [Outcome], _ final: ElasticsearchContact.Status, _ reported: [ElasticsearchContact.Status]) {
        let seen = Mutex<[ElasticsearchContact.Status]>([])
        let contact = ElasticsearchContact { status in seen.withLock { $0.append(status) } }
        for outcome in outcomes {
            switch outcome {
            case let .status(s): contact.record(status: s)
            case let .noAnswer(m): contact.record(status: nil, failure: m)
            }
        }
        #expect(contact.status == final)
        #expect(contact.isReady == (final == .ready))
        #expect(seen.withLock { $0 } == reported)
    }
}
