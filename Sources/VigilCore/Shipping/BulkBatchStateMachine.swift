/// How many documents of one spool block a batch resolved (delivered, known indexed or dead-lettered), or,
/// when a batch is created, how many of its documents come from that block. A batch's documents are runs of
/// consecutive documents of one block each, in order.
public struct BlockDocuments: Sendable, Equatable {
    public var blockID: Int64
    public var count: Int

    public init(blockID: Int64, count: Int) {
        self.blockID = blockID
        self.count = count
    }
}

/// A document the shipper gives up on: its position in the batch, the HTTP status that condemned it
/// (0 when no single status did, as for `max_retries_exceeded`) and Elasticsearch's reason.
public struct BulkDeadLetter: Sendable, Equatable {
    public var position: Int
    public var status: Int
    public var reason: String

    public init(position: Int, status: Int, reason: String) {
        self.position = position
        self.status = status
        self.reason = reason
    }
}

/// The decisions for one `_bulk` batch, from its first request until each of its documents is delivered or
/// dead-lettered: which documents to send, when to split, which items to retry after what backoff, which to
/// give up on. Pure: the caller sends the requests, sleeps, stores the dead letters and reports back.
///
/// States: `idle` → `awaitingResponse` ⇄ `waitingToRetry` → `awaitingDeadLetterStore` → `finished`.
/// A request covers one *part* of the batch (positions in it); a split pushes the two halves of a part on a
/// stack of parts still to send, first half on top, so parts are sent one at a time, depth first.
///
/// Invariants:
/// - A document is reported resolved only when a response said 2xx or 409 for it, or when it was
///   dead-lettered and the caller stored the dead letter (`deadLettersStored(true)`). Cancelled, retried or
///   unsent documents are never resolved, so their spool blocks stay.
/// - Only the items a response failed with `429`/`5xx` are resent; a whole-request failure (no response,
///   `429`/`5xx`/`408`/`401`/`403`/`404`, an unreadable body) resends the same items.
/// - `413` and `400` split a part in halves; a single document that still gets them is dead-lettered with
///   the reason, so splitting ends after at most ⌈log₂ n⌉ levels.
/// - Other `4xx`, per item or for the whole request, dead-letter the items with Elasticsearch's reason.
/// - The backoff attempt counts consecutive retries of a part in which nothing succeeded; any progress
///   (some items delivered or dead-lettered) starts the count again.
/// - With `maxRetries`, an item retried more than that many times is dead-lettered as
///   `max_retries_exceeded: <last reason>`.
///
/// ```swift
/// var rng = SystemRandomNumberGenerator()
/// var machine = BulkBatchStateMachine(runs: [BlockDocuments(blockID: 7, count: 2)], maxRetries: nil,
///                                     backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(30)))
/// _ = machine.start()                                   // .send(positions: [0, 1])
/// let response = machine.responseReceived(.perItem([.delivered, .deadLetter(status: 400, reason: "bad")]), using: &rng)
/// // response.next == .finish(deadLetters: [BulkDeadLetter(position: 1, status: 400, reason: "bad")])
/// let resolved = machine.deadLettersStored(true)        // [BlockDocuments(blockID: 7, count: 2)]
/// ```
public struct BulkBatchStateMachine: Sendable {
    /// What the caller does next.
    public enum Action: Sendable, Equatable {
        /// Send these positions of the batch (all of them, in order, on the first request), then call
        /// ``responseReceived(_:using:)``.
        case send(positions: [Int])
        /// The part of `itemCount` documents was answered `status` as a whole: it is split, and its first half
        /// `positions` is sent now (then ``responseReceived(_:using:)``).
        case split(status: Int, itemCount: Int, positions: [Int])
        /// Wait `delay`, then call ``retryTimerFired()``, which resends `positions`.
        case retryAfter(Duration, positions: [Int], reason: String)
        /// No more requests: store `deadLetters` (possibly none), then call ``deadLettersStored(_:)``.
        case finish(deadLetters: [BulkDeadLetter])
    }

    /// The result of a response: what it settled, for the metrics, and the next action.
    public struct ResponseAction: Sendable, Equatable {
        /// Documents indexed by this response (2xx).
        public var delivered: Int
        /// Documents answered `409`: an earlier attempt indexed them.
        public var duplicates: Int
        public var next: Action
    }

    private struct Progress: Sendable {
        /// The positions the current request (or the coming retry) carries.
        var part: [Int]
        /// Parts still to send after `part`, the next on top.
        var stack: [[Int]]
        /// Consecutive attempts of `part` that settled nothing, for the backoff.
        var failures: Int
        /// Retries per position (only with `maxRetries`).
        var attempts: [Int]
        /// Positions answered 2xx or 409.
        var delivered: [Bool]
        var deadLetters: [BulkDeadLetter]
    }

    private enum State: Sendable {
        case idle
        case awaitingResponse(Progress)
        case waitingToRetry(Progress)
        case awaitingDeadLetterStore(delivered: [Bool], deadLetters: [BulkDeadLetter])
        case finished
        /// Only while a method mutates the payload, so that its arrays are not copied on write.
        case modifying
    }

    private var state: State = .idle
    private let runs: [BlockDocuments]
    private let maxRetries: Int?
    private let backoff: Backoff
    /// Documents in the batch.
    public let count: Int

    /// - Parameters:
    ///   - runs: the batch's documents as runs of consecutive documents of one block, in order.
    ///   - maxRetries: resends per document before it is dead-lettered; nil retries for ever.
    ///   - backoff: the wait before a retry of a part that made no progress.
    public init(runs: [BlockDocuments], maxRetries: Int?, backoff: Backoff) {
        self.runs = runs
        self.maxRetries = maxRetries
        self.backoff = backoff
        count = runs.reduce(0) { $0 + $1.count }
    }

    /// The first request: every document of the batch.
    public mutating func start() -> Action {
        guard case .idle = state else { preconditionFailure("start() called twice") }
        let all = Array(0..<count)
        guard count > 0 else {
            state = .awaitingDeadLetterStore(delivered: [], deadLetters: [])
            return .finish(deadLetters: [])
        }
        state = .awaitingResponse(Progress(part: all, stack: [], failures: 0, attempts: maxRetries == nil ? [] : Array(repeating: 0, count: count),
                                           delivered: Array(repeating: false, count: count), deadLetters: []))
        return .send(positions: all)
    }

    /// The response to the request of the last `.send`/`.split`, as ``BulkResponseClassifier`` classified it
    /// (a request without a response is `.retryAll`). `generator` draws the backoff's jitter.
    public mutating func responseReceived<G: RandomNumberGenerator>(_ decision: BulkResponseDecision, using generator: inout G) -> ResponseAction {
        guard case var .awaitingResponse(progress) = state else { preconditionFailure("response without a request in flight") }
        state = .modifying
        let part = progress.part
        var delivered = 0
        var duplicates = 0
        var retry: [Int] = []
        var retryReason = ""
        var split: Int?
        switch decision {
        case .allDelivered:
            for position in part { progress.delivered[position] = true }
            delivered = part.count
        case let .perItem(outcomes):
            precondition(outcomes.count == part.count, "the classifier returns one outcome per item sent")
            for (position, outcome) in zip(part, outcomes) {
                switch outcome {
                case .delivered:
                    progress.delivered[position] = true
                    delivered += 1
                case .duplicate:
                    progress.delivered[position] = true
                    duplicates += 1
                case let .deadLetter(status, reason):
                    progress.deadLetters.append(BulkDeadLetter(position: position, status: status, reason: reason))
                case let .retry(status, reason):
                    retry.append(position)
                    retryReason = reason.isEmpty ? "http \(status)" : reason
                }
            }
        case let .retryAll(_, reason):
            retry = part
            retryReason = reason
        case let .split(status, reason):
            if part.count == 1 {
                progress.deadLetters.append(BulkDeadLetter(position: part[0], status: status, reason: reason))
            } else {
                let middle = part.count / 2
                progress.stack.append(Array(part[middle...]))
                progress.stack.append(Array(part[..<middle]))
                split = status
            }
        case let .deadLetterAll(status, reason):
            for position in part { progress.deadLetters.append(BulkDeadLetter(position: position, status: status, reason: reason)) }
        }

        // Give up on documents that reached max_retries.
        if let maxRetries {
            retry = retry.filter { position in
                progress.attempts[position] += 1
                guard progress.attempts[position] > maxRetries else { return true }
                progress.deadLetters.append(BulkDeadLetter(position: position, status: 0, reason: "max_retries_exceeded: \(retryReason)"))
                return false
            }
        }

        if !retry.isEmpty {
            progress.failures = retry.count < part.count ? 0 : progress.failures + 1
            progress.part = retry
            let delay = backoff.delay(attempt: progress.failures, using: &generator)
            state = .waitingToRetry(progress)
            return ResponseAction(delivered: delivered, duplicates: duplicates, next: .retryAfter(delay, positions: retry, reason: retryReason))
        }
        let next = nextPart(&progress)
        if let split, case let .send(positions) = next {
            return ResponseAction(delivered: delivered, duplicates: duplicates, next: .split(status: split, itemCount: part.count, positions: positions))
        }
        return ResponseAction(delivered: delivered, duplicates: duplicates, next: next)
    }

    /// The backoff of the last `.retryAfter` has passed: resend its items.
    public mutating func retryTimerFired() -> Action {
        guard case let .waitingToRetry(progress) = state else { preconditionFailure("retry timer without a retry pending") }
        state = .awaitingResponse(progress)
        return .send(positions: progress.part)
    }

    /// The caller's task was cancelled (shutdown deadline): send nothing more. What is already delivered
    /// or dead-lettered still counts; the rest stays unresolved.
    public mutating func cancelled() -> Action {
        switch state {
        case var .awaitingResponse(progress), var .waitingToRetry(progress):
            state = .modifying
            progress.stack.removeAll()
            state = .awaitingDeadLetterStore(delivered: progress.delivered, deadLetters: progress.deadLetters)
            return .finish(deadLetters: progress.deadLetters)
        case .idle:
            state = .awaitingDeadLetterStore(delivered: Array(repeating: false, count: count), deadLetters: [])
            return .finish(deadLetters: [])
        case let .awaitingDeadLetterStore(_, deadLetters):
            return .finish(deadLetters: deadLetters)
        case .finished, .modifying:
            preconditionFailure("cancelled() after the batch finished")
        }
    }

    /// The dead letters of `.finish` are stored (`true`) or could not be (`false`: they stay unresolved and
    /// their blocks in the spool, to be tried again after a restart). Returns, per block run, how many of its
    /// documents are resolved, in the order of `runs`, with consecutive runs of one block merged.
    public mutating func deadLettersStored(_ stored: Bool) -> [BlockDocuments] {
        guard case .awaitingDeadLetterStore(var resolved, let deadLetters) = state else {
            preconditionFailure("deadLettersStored(_:) without a finished batch")
        }
        state = .modifying
        if stored { for letter in deadLetters { resolved[letter.position] = true } }
        state = .finished
        var result: [BlockDocuments] = []
        var position = 0
        for run in runs {
            var settled = 0
            for k in position..<position + run.count where resolved[k] { settled += 1 }
            position += run.count
            if let last = result.last, last.blockID == run.blockID {
                result[result.count - 1].count += settled
            } else {
                result.append(BlockDocuments(blockID: run.blockID, count: settled))
            }
        }
        return result
    }

    /// The next part on the stack, or the end of the batch.
    private mutating func nextPart(_ progress: inout Progress) -> Action {
        if let next = progress.stack.popLast() {
            progress.part = next
            progress.failures = 0
            state = .awaitingResponse(progress)
            return .send(positions: next)
        }
        state = .awaitingDeadLetterStore(delivered: progress.delivered, deadLetters: progress.deadLetters)
        return .finish(deadLetters: progress.deadLetters)
    }
}
