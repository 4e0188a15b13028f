/// The remote-write sender's decisions: which queued batch to send next, whether an answer delivers, retries or
/// drops it, how long to back off, and which batches to drop when the queue is full. Pure: time comes in as
/// `now` (a monotonic duration since the caller's start), randomness as a generator; the caller performs each
/// action (send, sleep, delete a file) and reports what happened.
///
/// Answers follow the Prometheus remote write 1.0 specification: `2xx` delivers; `5xx`, `429` and requests that
/// got no answer (refused, timed out) are retried with exponential backoff and full jitter, for as long as the
/// batch stays in the queue; any other status (`4xx`: the receiver refuses the data) drops the batch at once,
/// with the reason `rejected`, since sending it again cannot succeed.
///
/// Invariants:
/// - Batches are sent one at a time, oldest first, so each series' samples reach the receiver in timestamp
///   order. A batch being retried blocks the ones behind it.
/// - The queue holds at most `maxBatches` batches and `maxBytes` bytes, except that the batch in flight is never
///   dropped; when a new batch would break a limit, the oldest batches not in flight are dropped (reason
///   `queue_full`), the new one last of all. Nothing leaves the queue without ``enqueue(_:)`` or
///   ``sendFinished(_:now:using:)`` returning it.
/// - Consecutive failures grow the backoff; a delivery or a drop resets it.
public struct RemoteWriteStateMachine: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Bytes of queued request bodies (compressed) before the oldest are dropped.
        public var maxBytes: Int
        /// Queued batches before the oldest are dropped.
        public var maxBatches: Int
        public var backoff: Backoff

        public init(maxBytes: Int, maxBatches: Int, backoff: Backoff = Backoff(initial: .milliseconds(30), maximum: .seconds(5))) {
            precondition(maxBytes > 0 && maxBatches > 0, "queue limits must be positive")
            self.maxBytes = maxBytes
            self.maxBatches = maxBatches
            self.backoff = backoff
        }
    }

    /// A queued request: its id (increasing in queue order), compressed body bytes and samples.
    public struct Batch: Sendable, Equatable {
        public var id: Int64
        public var bytes: Int
        public var samples: Int

        public init(id: Int64, bytes: Int, samples: Int) {
            self.id = id
            self.bytes = bytes
            self.samples = samples
        }
    }

    /// How a send ended.
    public enum Outcome: Sendable, Equatable {
        /// The receiver answered with this HTTP status.
        case status(Int)
        /// No answer: refused, reset, timed out.
        case noResponse
        /// The queued body could not be read back (a damaged file): it can never be sent.
        case unreadable
    }

    /// Why a batch left the queue undelivered.
    public enum DropReason: String, Sendable, Equatable, CaseIterable {
        /// The receiver answered with a status that must not be retried (a `4xx` other than `429`).
        case rejected
        /// The queue was full and this batch was the oldest.
        case queueFull = "queue_full"
        /// Its queued body could not be read back.
        case unreadable
    }

    /// What the caller does next.
    public enum Action: Sendable, Equatable {
        /// Send this batch, then report with ``sendFinished(_:now:using:)``.
        case send(Batch)
        /// Nothing to send before `until` (a backoff ends then), or before the next ``enqueue(_:)`` when nil.
        case wait(until: Duration?)
    }

    /// The answer to ``sendFinished(_:now:using:)``.
    public enum Decision: Sendable, Equatable {
        /// Delivered: remove it from the durable queue.
        case delivered(Batch)
        /// Kept at the head of the queue; the next send waits `after`.
        case retry(Batch, after: Duration)
        /// Dropped: remove it from the durable queue and count it.
        case drop(Batch, reason: DropReason)
    }

    public let configuration: Configuration
    private var queue: [Batch] = []
    private var head = 0
    private var queuedBytes = 0
    private var inFlight: Int64?
    private var failures = 0
    private var notBefore: Duration = .zero

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Batches in the queue, including the one in flight.
    public var queuedBatches: Int { queue.count - head }
    /// Compressed bytes in the queue, including the batch in flight.
    public var bytes: Int { queuedBytes }
    /// Samples in the queue.
    public var queuedSamples: Int { queue[head...].reduce(0) { $0 + $1.samples } }

    /// Whether a status (or no answer) is worth sending again.
    public static func isRetryable(_ outcome: Outcome) -> Bool {
        switch outcome {
        case .noResponse: true
        case .unreadable: false
        case .status(let code): code == 429 || (500...599).contains(code)
        }
    }

    /// Appends a batch (newly written, or found in the durable queue at start) and returns the batches dropped
    /// to keep the limits, oldest first (possibly `batch` itself, when it alone is too big).
    public mutating func enqueue(_ batch: Batch) -> [Batch] {
        precondition(queue.last.map { $0.id < batch.id } ?? true, "batches must be enqueued in increasing id order")
        queue.append(batch)
        queuedBytes += batch.bytes
        var dropped: [Batch] = []
        var index = head
        while (queuedBytes > configuration.maxBytes || queue.count - head > configuration.maxBatches), index < queue.count {
            if queue[index].id == inFlight { index += 1; continue }
            let victim = queue.remove(at: index)
            queuedBytes -= victim.bytes
            dropped.append(victim)
        }
        compact()
        return dropped
    }

    /// The next thing to do.
    public mutating func nextAction(now: Duration) -> Action {
        guard inFlight == nil, head < queue.count else { return .wait(until: nil) }
        if now < notBefore { return .wait(until: notBefore) }
        let batch = queue[head]
        inFlight = batch.id
        return .send(batch)
    }

    /// Reports how the batch in flight ended; `now` is when the answer came.
    public mutating func sendFinished<G: RandomNumberGenerator>(_ outcome: Outcome, now: Duration, using generator: inout G) -> Decision {
        guard let id = inFlight, head < queue.count, queue[head].id == id else {
            preconditionFailure("sendFinished without a batch in flight")
        }
        inFlight = nil
        let batch = queue[head]
        if case .status(let code) = outcome, (200...299).contains(code) {
            removeHead()
            return .delivered(batch)
        }
        if Self.isRetryable(outcome) {
            let wait = configuration.backoff.delay(attempt: failures, using: &generator)
            failures += 1
            notBefore = now + wait
            return .retry(batch, after: wait)
        }
        removeHead()
        return .drop(batch, reason: outcome == .unreadable ? .unreadable : .rejected)
    }

    private mutating func removeHead() {
        queuedBytes -= queue[head].bytes
        head += 1
        failures = 0
        notBefore = .zero
        compact()
    }

    private mutating func compact() {
        if head > 64, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
