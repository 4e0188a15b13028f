/// The Elasticsearch shipper's loop decisions: when to read the spool, when to launch a batch, which spool
/// blocks are done, and how a shutdown flushes and then stops. Pure: time comes in as `now` (a monotonic
/// duration since the caller's start), randomness as a generator; the caller performs each action and reports
/// what happened. Each batch's own requests, splits and retries are a ``BulkBatchStateMachine``.
///
/// States (each carries its bookkeeping):
/// - `running`: read ahead about one batch, launch a batch when one is full (`maxEvents` or `maxBytes`) or
///   its oldest event waited `batchTimeout`, at most `maxInFlight` batches at once.
/// - `flushing(deadline)`: after ``shutdownRequested(now:)``: launch whatever is pending without waiting,
///   keep reading until the spool is empty; `finish` once nothing is pending or in flight.
/// - `stopping`: the deadline passed (or the task was cancelled): `cancelInFlight` once, read and launch
///   nothing, wait for the batches in flight to report, then `finish`.
/// - `finished`.
///
/// Actions (from ``nextAction(now:)``): `refreshStats`, `readSpool`, `launchBatch`, `cancelInFlight`,
/// `wait` (for a batch to finish or the poll timer), `finish`. Events: ``blocksRead(_:now:)``,
/// ``readFailed(now:using:)``, ``batchLaunched(events:bodyBytes:now:)``, ``batchFinished(resolved:)``,
/// ``timerFired()``, ``shutdownRequested(now:)``, ``cancelled()``.
///
/// Invariants:
/// - A block is completed (`batchFinished` returns it) only when every one of its events has been reported
///   resolved by a batch; a block read with no events is completed at once. Nothing else completes a block,
///   so stopping at the deadline leaves every undelivered event in the spool.
/// - At most `maxInFlight` batches are launched and not yet finished; a batch holds its slot through its
///   retries and splits.
/// - The spool is read at most once per wake-up, only while less than one batch (by count and by bytes) is
///   pending, so memory is bounded by the batch settings and not by the spool's block size.
/// - After a failed read the next one waits a backoff that grows with consecutive failures.
///
/// ```swift
/// var machine = ShipperStateMachine(configuration: .init(maxInFlight: 2, maxEvents: 1000, maxBytes: 5 << 20,
///                                                        batchTimeout: .milliseconds(200)))
/// machine.nextAction(now: .zero)      // .refreshStats (the first call is a stats refresh)
/// machine.nextAction(now: .zero)      // .readSpool(after: 0, maxBytes: 5242880, maxEvents: 1000)
/// _ = machine.blocksRead([.init(blockID: 1, events: 1000, bodyBytes: 370_000)], now: .zero)
/// machine.nextAction(now: .zero)      // .launchBatch(maxEvents: 1000, bodyBytesEstimate: 370000)
/// ```
public struct ShipperStateMachine: Sendable {
    /// The shipper settings the decisions depend on.
    public struct Configuration: Sendable, Equatable {
        public var maxInFlight: Int
        public var maxEvents: Int
        public var maxBytes: Int
        public var batchTimeout: Duration
        public var shutdownTimeout: Duration
        public var statsInterval: Duration
        /// How long to sleep when there is nothing to do, before looking at the spool again.
        public var pollInterval: Duration
        /// The wait after failed spool reads.
        public var readBackoff: Backoff

        public init(maxInFlight: Int, maxEvents: Int, maxBytes: Int, batchTimeout: Duration, shutdownTimeout: Duration = .seconds(30),
                    statsInterval: Duration = .seconds(5), pollInterval: Duration = .milliseconds(20),
                    readBackoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))) {
            precondition(maxInFlight > 0 && maxEvents > 0 && maxBytes > 0, "batch limits must be positive")
            self.maxInFlight = maxInFlight
            self.maxEvents = maxEvents
            self.maxBytes = maxBytes
            self.batchTimeout = batchTimeout
            self.shutdownTimeout = shutdownTimeout
            self.statsInterval = statsInterval
            self.pollInterval = pollInterval
            self.readBackoff = readBackoff
        }
    }

    /// A spool block as read: its id, how many events it holds and their body bytes.
    public struct BlockRead: Sendable, Equatable {
        public var blockID: Int64
        public var events: Int
        public var bodyBytes: Int

        public init(blockID: Int64, events: Int, bodyBytes: Int) {
            self.blockID = blockID
            self.events = events
            self.bodyBytes = bodyBytes
        }
    }

    /// What the caller does next.
    public enum Action: Sendable, Equatable {
        /// Refresh the spool gauges, then ask again.
        case refreshStats
        /// Read blocks after `after` (up to `maxEvents` events and `maxBytes` body bytes), report them with
        /// ``blocksRead(_:now:)`` (or ``readFailed(now:using:)``), then ask again.
        case readSpool(after: Int64, maxBytes: Int, maxEvents: Int)
        /// Build a batch of up to `maxEvents` pending events in order (its buffer sized for about
        /// `bodyBytesEstimate` body bytes), report it with ``batchLaunched(events:bodyBytes:now:)``, send it,
        /// then ask again.
        case launchBatch(maxEvents: Int, bodyBytesEstimate: Int)
        /// The shutdown deadline passed: cancel the batches in flight (what they settled still counts), then ask again.
        case cancelInFlight(inFlight: Int, pendingEvents: Int)
        /// Wait for a batch to finish; when `timer` is set, also start a timer of that length (none is running)
        /// and call ``timerFired()`` when it ends.
        case wait(timer: Duration?)
        /// Stop: nothing is in flight.
        case finish
    }

    /// The answer to ``shutdownRequested(now:)``.
    public enum ShutdownAction: Sendable, Equatable {
        /// Flushing starts; `inFlight` batches are out.
        case startFlushing(inFlight: Int)
        /// Already flushing or stopping.
        case none
    }

    private struct Shipping: Sendable {
        var pendingEvents = 0
        var pendingBytes = 0
        var oldestPendingSince: Duration?
        var lastBlockID: Int64 = 0
        var spoolMayHaveMore = true
        var readThisWakeUp = false
        var remainingInBlock: [Int64: Int] = [:]
        var inFlight = 0
        var timerRunning = false
        var nextStats: Duration = .zero
        var readFailures = 0
        var nextReadAllowed: Duration = .zero
    }

    private enum State: Sendable {
        case running(Shipping)
        case flushing(Shipping, deadline: Duration)
        case stopping(Shipping)
        case finished
        /// Only while a method mutates the payload, so that its dictionary is not copied on write.
        case modifying
    }

    private var state: State = .running(Shipping())
    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Batches launched and not finished.
    public var inFlight: Int {
        switch state {
        case let .running(s), let .flushing(s, _), let .stopping(s): s.inFlight
        case .finished, .modifying: 0
        }
    }

    /// Events read and not yet in a batch.
    public var pendingEvents: Int {
        switch state {
        case let .running(s), let .flushing(s, _), let .stopping(s): s.pendingEvents
        case .finished, .modifying: 0
        }
    }

    /// The next thing to do at `now`.
    public mutating func nextAction(now: Duration) -> Action {
        switch state {
        case .finished:
            return .finish
        case .modifying:
            preconditionFailure("re-entrant use of the shipper state machine")
        case let .stopping(s):
            // No timer: nothing is read or launched any more, only the batches in flight are awaited.
            if s.inFlight == 0 { state = .finished; return .finish }
            return .wait(timer: nil)
        case let .flushing(s, deadline) where now >= deadline:
            state = .stopping(s)
            return .cancelInFlight(inFlight: s.inFlight, pendingEvents: s.pendingEvents)
        case var .running(s):
            state = .modifying
            let action = nextAction(&s, now: now, flushing: false)
            state = action == .finish ? .finished : .running(s)
            return action
        case .flushing(var s, let deadline):
            state = .modifying
            let action = nextAction(&s, now: now, flushing: true)
            state = action == .finish ? .finished : .flushing(s, deadline: deadline)
            return action
        }
    }

    private func nextAction(_ s: inout Shipping, now: Duration, flushing: Bool) -> Action {
        if now >= s.nextStats {
            s.nextStats = now + configuration.statsInterval
            return .refreshStats
        }
        // Read ahead one batch (by count and by bytes), so the next request is ready when a slot frees up.
        if !s.readThisWakeUp, s.pendingEvents < configuration.maxEvents, s.pendingBytes < configuration.maxBytes,
           s.spoolMayHaveMore, now >= s.nextReadAllowed {
            s.readThisWakeUp = true
            return .readSpool(after: s.lastBlockID, maxBytes: configuration.maxBytes - s.pendingBytes,
                              maxEvents: configuration.maxEvents - s.pendingEvents)
        }
        if s.inFlight < configuration.maxInFlight, s.pendingEvents > 0 {
            let waited = s.oldestPendingSince.map { now - $0 >= configuration.batchTimeout } ?? false
            if s.pendingEvents >= configuration.maxEvents || s.pendingBytes >= configuration.maxBytes || waited || flushing {
                let taking = min(s.pendingEvents, configuration.maxEvents)
                let estimate = s.pendingEvents <= configuration.maxEvents ? s.pendingBytes : s.pendingBytes / s.pendingEvents * taking
                return .launchBatch(maxEvents: taking, bodyBytesEstimate: estimate)
            }
        }
        if flushing, s.inFlight == 0, s.pendingEvents == 0, !s.spoolMayHaveMore { return .finish }
        let timer = s.timerRunning ? nil : configuration.pollInterval
        s.timerRunning = true
        return .wait(timer: timer)
    }

    /// The blocks a `.readSpool` returned (in id order; none when the spool has nothing after `after`).
    /// Returns the ids of blocks without events, which the caller completes at once.
    public mutating func blocksRead(_ blocks: [BlockRead], now: Duration) -> [Int64] {
        var empty: [Int64] = []
        modifyShipping { s in
            s.readFailures = 0
            s.spoolMayHaveMore = !blocks.isEmpty
            for block in blocks {
                s.lastBlockID = max(s.lastBlockID, block.blockID)
                guard block.events > 0 else { empty.append(block.blockID); continue }
                s.remainingInBlock[block.blockID] = block.events
                s.pendingEvents += block.events
                s.pendingBytes += block.bodyBytes
            }
            if !blocks.isEmpty, s.oldestPendingSince == nil { s.oldestPendingSince = now }
        }
        return empty
    }

    /// A `.readSpool` failed (or a corrupt block could not be discarded): the next read waits a backoff,
    /// which is returned for the log.
    public mutating func readFailed<G: RandomNumberGenerator>(now: Duration, using generator: inout G) -> Duration {
        var delay = Duration.zero
        let backoff = configuration.readBackoff
        modifyShipping { s in
            s.readFailures += 1
            delay = backoff.delay(attempt: s.readFailures, using: &generator)
            s.nextReadAllowed = now + delay
        }
        return delay
    }

    /// The caller built and sent a batch of `events` pending events holding `bodyBytes` body bytes.
    public mutating func batchLaunched(events: Int, bodyBytes: Int, now: Duration) {
        let maxInFlight = configuration.maxInFlight
        modifyShipping { s in
            precondition(s.inFlight < maxInFlight && events <= s.pendingEvents, "a batch launched without a .launchBatch")
            s.pendingEvents -= events
            s.pendingBytes -= bodyBytes
            s.oldestPendingSince = s.pendingEvents > 0 ? now : nil
            s.inFlight += 1
        }
    }

    /// A batch finished with `resolved` documents per block (from ``BulkBatchStateMachine/deadLettersStored(_:)``).
    /// Returns the blocks whose every event is now resolved, for the caller to complete in the spool.
    public mutating func batchFinished(resolved: [BlockDocuments]) -> [Int64] {
        var done: [Int64] = []
        modifyShipping { s in
            precondition(s.inFlight > 0, "batchFinished(resolved:) without a batch in flight")
            s.inFlight -= 1
            s.readThisWakeUp = false
            for item in resolved where item.count > 0 {
                guard let left = s.remainingInBlock[item.blockID] else { continue }
                if left <= item.count {
                    s.remainingInBlock[item.blockID] = nil
                    done.append(item.blockID)
                } else {
                    s.remainingInBlock[item.blockID] = left - item.count
                }
            }
        }
        return done
    }

    /// The timer of a `.wait(timer:)` ended: look at the spool again (new blocks may have arrived).
    public mutating func timerFired() {
        modifyShipping { s in
            s.timerRunning = false
            s.spoolMayHaveMore = true
            s.readThisWakeUp = false
        }
    }

    /// A graceful shutdown: flush until the spool is empty or `configuration.shutdownTimeout` has passed.
    public mutating func shutdownRequested(now: Duration) -> ShutdownAction {
        guard case let .running(s) = state else { return .none }
        state = .flushing(s, deadline: now + configuration.shutdownTimeout)
        return .startFlushing(inFlight: s.inFlight)
    }

    /// The caller's task was cancelled: stop at once, as when the deadline passes. Returns `.cancelInFlight`
    /// the first time, nil after.
    public mutating func cancelled() -> Action? {
        switch state {
        case let .running(s), let .flushing(s, _):
            state = .stopping(s)
            return .cancelInFlight(inFlight: s.inFlight, pendingEvents: s.pendingEvents)
        case .stopping, .finished:
            return nil
        case .modifying:
            preconditionFailure("re-entrant use of the shipper state machine")
        }
    }

    private mutating func modifyShipping(_ body: (inout Shipping) -> Void) {
        switch state {
        case var .running(s):
            state = .modifying
            body(&s)
            state = .running(s)
        case .flushing(var s, let deadline):
            state = .modifying
            body(&s)
            state = .flushing(s, deadline: deadline)
        case var .stopping(s):
            state = .modifying
            body(&s)
            state = .stopping(s)
        case .finished:
            preconditionFailure("event after the shipper finished")
        case .modifying:
            preconditionFailure("re-entrant use of the shipper state machine")
        }
    }
}
