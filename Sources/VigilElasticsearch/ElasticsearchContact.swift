import Synchronization

/// Whether the shipper has reached Elasticsearch yet, for `/readyz`: the sink is ready from its first
/// successful request (the start-up probe `GET /` or a `_bulk`, answered 2xx) on; until then each failed
/// attempt replaces the reason it is not ready. Later failures do not make it unready again: events wait in
/// the spool and the shipper's metrics report the outage.
///
/// Invariants: `onChange` sees `.ready` at most once and nothing after it; it is called outside the lock.
///
/// ```swift
/// let contact = ElasticsearchContact { status in print(status) }
/// contact.failed("connection refused")   // notReady(reason: "connection refused")
/// contact.succeeded()                    // ready
/// contact.failed("HTTP 503")             // (nothing: already ready)
/// ```
public final class ElasticsearchContact: Sendable {
    public enum Status: Sendable, Equatable, CustomStringConvertible {
        case notReady(reason: String)
        case ready

        public var description: String {
            switch self {
            case .ready: "ready"
            case let .notReady(reason): "notReady(reason: \"\(reason)\")"
            }
        }
    }

    /// The reason before any attempt has finished.
    public static let initialReason = "no successful request to Elasticsearch yet"

    private let state = Mutex<Status>(.notReady(reason: ElasticsearchContact.initialReason))
    private let onChange: @Sendable (Status) -> Void

    public init(onChange: @escaping @Sendable (Status) -> Void = { _ in }) {
        self.onChange = onChange
    }

    public var status: Status { state.withLock { $0 } }
    public var isReady: Bool { status == .ready }

    /// A request was answered 2xx.
    public func succeeded() {
        let changed = state.withLock { status -> Bool in
            guard status != .ready else { return false }
            status = .ready
            return true
        }
        if changed { onChange(.ready) }
    }

    /// A request failed (no answer, or an answer that is not 2xx); `reason` must hold no credentials.
    public func failed(_ reason: String) {
        let changed = state.withLock { status -> Bool in
            guard status != .ready, status != .notReady(reason: reason) else { return false }
            status = .notReady(reason: reason)
            return true
        }
        if changed { onChange(.notReady(reason: reason)) }
    }

    /// Records the outcome of a request: a status, or a transport failure's message.
    public func record(status: Int?, failure: String? = nil) {
        if let status, (200..<300).contains(status) {
            succeeded()
        } else if let status {
            failed("Elasticsearch answered HTTP \(status)" + (status == 401 || status == 403 ? " (check the credentials)" : ""))
        } else {
            failed("cannot reach Elasticsearch: \(failure ?? "no response")")
        }
    }
}
