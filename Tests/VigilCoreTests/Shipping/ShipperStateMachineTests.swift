import Testing
import VigilCore

/// Every transition of `ShipperStateMachine` as tables: each step is an event reported to the machine or a
/// `nextAction(now:)` call with the action it must return. Time is a number in the table, never a clock.
@Suite struct ShipperStateMachineTests {
    typealias Action = ShipperStateMachine.Action
    typealias Read = ShipperStateMachine.BlockRead

    enum Step: Sendable {
        /// `nextAction(now:)` at `ms` milliseconds must return `action`.
        case next(Int, Action)
        /// The read returned `blocks`; the machine must name `empty` for completion.
        case read([Read], at: Int, empty: [Int64] = [])
        /// A read failed at `ms`; the machine must wait `delay` before the next.
        case readFailed(at: Int, delay: Duration)
        case launched(events: Int, bytes: Int, at: Int)
        /// A batch finished with `resolved`; the machine must complete `complete`.
        case finished([BlockDocuments], complete: [Int64])
        case timer
        case shutdown(at: Int, ShipperStateMachine.ShutdownAction)
        case cancel(Action?)
    }

    struct Scenario: Sendable, CustomStringConvertible {
        var description: String
        var steps: [Step]
    }

    /// 10 events or 10,000 body bytes per batch, 2 in flight, 1 s batch timeout, 30 s shutdown timeout.
    static let configuration = ShipperStateMachine.Configuration(
        maxInFlight: 2, maxEvents: 10, maxBytes: 10_000, batchTimeout: .seconds(1), shutdownTimeout: .seconds(30),
        statsInterval: .seconds(5), pollInterval: .milliseconds(20), readBackoff: Backoff(initial: .milliseconds(100), maximum: .seconds(30)))
    static let poll = Action.wait(timer: .milliseconds(20))
    static func block(_ id: Int64, _ events: Int, _ bytes: Int? = nil) -> Read { Read(blockID: id, events: events, bodyBytes: bytes ?? events * 100) }
    static func done(_ id: Int64, _ count: Int) -> BlockDocuments { BlockDocuments(blockID: id, count: count) }
    /// The start of every scenario: stats, then a read from the beginning.
    static let opening: [Step] = [.next(0, .refreshStats), .next(0, .readSpool(after: 0, maxBytes: 10_000, maxEvents: 10))]

    static let scenarios: [Scenario] = [
        Scenario(description: "a full batch is launched at once and its block completed when it finishes", steps: opening + [
            .read([block(1, 10)], at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            // One read per wake-up: the loop now sleeps.
            .next(0, poll),
            .finished([done(1, 10)], complete: [1]),
            .next(5, .readSpool(after: 1, maxBytes: 10_000, maxEvents: 10)),
            .read([], at: 5),
            .next(5, .wait(timer: nil)),   // the poll timer is still running
            .timer,
            .next(25, .readSpool(after: 1, maxBytes: 10_000, maxEvents: 10)),
        ]),
        Scenario(description: "a partial batch waits for the batch timeout", steps: opening + [
            .read([block(1, 3)], at: 0),
            .next(0, poll),
            .timer,
            .next(500, .readSpool(after: 1, maxBytes: 9_700, maxEvents: 7)),
            .read([], at: 500),
            .next(500, poll),
            .timer,
            .next(999, .readSpool(after: 1, maxBytes: 9_700, maxEvents: 7)),
            .read([], at: 999),
            .next(999, poll),
            .timer,
            .next(1000, .readSpool(after: 1, maxBytes: 9_700, maxEvents: 7)),
            .read([], at: 1000),
            .next(1000, .launchBatch(maxEvents: 3, bodyBytesEstimate: 300)),
        ]),
        Scenario(description: "a batch is launched when the pending bytes reach max_bytes", steps: opening + [
            .read([block(1, 2, 10_000)], at: 0),
            .next(0, .launchBatch(maxEvents: 2, bodyBytesEstimate: 10_000)),
        ]),
        Scenario(description: "at most max_in_flight batches; a slot freed launches the next", steps: opening + [
            .read([block(1, 10), block(2, 10), block(3, 10)], at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            .next(0, poll),
            .finished([done(2, 10)], complete: [2]),
            // 10 still pending: no read, the freed slot takes them.
            .next(1, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 1),
            // Nothing pending any more: read ahead for the next batch, then wait.
            .next(1, .readSpool(after: 3, maxBytes: 10_000, maxEvents: 10)),
            .next(1, .wait(timer: nil)),
        ]),
        Scenario(description: "a block spread over two batches completes only when both resolved all of it", steps: opening + [
            .read([block(5, 15)], at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            .next(0, poll),
            .finished([done(5, 10)], complete: []),
            .next(1, .readSpool(after: 5, maxBytes: 9_500, maxEvents: 5)),
            .read([], at: 1),
            .next(1, .wait(timer: nil)),
            .timer,
            .next(1000, .readSpool(after: 5, maxBytes: 9_500, maxEvents: 5)),
            .read([], at: 1000),
            .next(1000, .launchBatch(maxEvents: 5, bodyBytesEstimate: 500)),
            .launched(events: 5, bytes: 500, at: 1000),
            .next(1000, poll),
            .finished([done(5, 5)], complete: [5]),
        ]),
        Scenario(description: "a block with unresolved documents is never completed", steps: opening + [
            .read([block(1, 10)], at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            .finished([done(1, 9)], complete: []),
            .next(1, .readSpool(after: 1, maxBytes: 10_000, maxEvents: 10)),
        ]),
        Scenario(description: "blocks without events are completed at once", steps: opening + [
            .read([block(1, 0), block(2, 4), block(3, 0)], at: 0, empty: [1, 3]),
            .next(0, poll),
        ]),
        Scenario(description: "a failed read backs off before the next", steps: opening + [
            .readFailed(at: 0, delay: .milliseconds(200)),
            .next(0, poll),
            .timer,
            .next(100, poll),   // too early to read again
            .timer,
            .next(200, .readSpool(after: 0, maxBytes: 10_000, maxEvents: 10)),
            .readFailed(at: 200, delay: .milliseconds(400)),
            .next(200, poll),
            .timer,
            .next(600, .readSpool(after: 0, maxBytes: 10_000, maxEvents: 10)),
            .read([block(1, 1)], at: 600),
            .next(600, poll),
            .timer,
            // Success reset the count: back to the first step of the backoff.
            .next(601, .readSpool(after: 1, maxBytes: 9_900, maxEvents: 9)),
            .readFailed(at: 601, delay: .milliseconds(200)),
        ]),
        Scenario(description: "stats are refreshed every stats interval", steps: opening + [
            .read([], at: 0),
            .next(0, poll),
            .timer,
            .next(4_999, .readSpool(after: 0, maxBytes: 10_000, maxEvents: 10)),
            .read([], at: 4_999),
            .next(4_999, poll),
            .timer,
            .next(5_000, .refreshStats),
            .next(5_000, .readSpool(after: 0, maxBytes: 10_000, maxEvents: 10)),
        ]),
        Scenario(description: "shutdown flushes a partial batch at once, reads the spool empty, then finishes", steps: opening + [
            .read([block(1, 3)], at: 0),
            .next(0, poll),
            .shutdown(at: 10, .startFlushing(inFlight: 0)),
            .next(10, .launchBatch(maxEvents: 3, bodyBytesEstimate: 300)),
            .launched(events: 3, bytes: 300, at: 10),
            .next(10, .wait(timer: nil)),
            .finished([done(1, 3)], complete: [1]),
            .next(20, .readSpool(after: 1, maxBytes: 10_000, maxEvents: 10)),
            .read([], at: 20),
            .next(20, .finish),
            .next(30, .finish),
        ]),
        Scenario(description: "shutdown with a request in flight past the deadline cancels it and acknowledges only what it resolved", steps: opening + [
            .read([block(1, 10), block(2, 4)], at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            .next(0, poll),
            .shutdown(at: 100, .startFlushing(inFlight: 1)),
            .shutdown(at: 200, .none),
            .next(100, .launchBatch(maxEvents: 4, bodyBytesEstimate: 400)),
            .launched(events: 4, bytes: 400, at: 100),
            .next(100, .wait(timer: nil)),
            .timer,
            .next(29_999, .refreshStats),
            .next(29_999, .readSpool(after: 2, maxBytes: 10_000, maxEvents: 10)),
            .read([block(3, 5)], at: 29_999),
            .next(29_999, poll),   // both slots are taken
            .next(30_100, .cancelInFlight(inFlight: 2, pendingEvents: 5)),
            // Stopping: no reads, no launches, no timer; only the batches in flight are awaited.
            .next(30_100, .wait(timer: nil)),
            .finished([done(1, 7)], complete: []),   // cancelled mid-retry: 3 of block 1 undelivered
            .next(30_200, .wait(timer: nil)),
            .timer,
            .finished([done(2, 4)], complete: [2]),
            .next(30_300, .finish),
        ]),
        Scenario(description: "a shutdown with nothing to do finishes after one empty read", steps: opening + [
            .shutdown(at: 0, .startFlushing(inFlight: 0)),
            .read([], at: 0),
            .next(0, .finish),
            .shutdown(at: 1, .none),
        ]),
        Scenario(description: "cancellation stops at once, without a flush", steps: opening + [
            .read([block(1, 10), block(2, 3)], at: 0),
            .next(0, .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000)),
            .launched(events: 10, bytes: 1000, at: 0),
            .cancel(.cancelInFlight(inFlight: 1, pendingEvents: 3)),
            .cancel(nil),
            .shutdown(at: 0, .none),
            .next(0, .wait(timer: nil)),
            .finished([done(1, 10)], complete: [1]),
            .next(0, .finish),
        ]),
        Scenario(description: "cancellation while flushing", steps: opening + [
            .shutdown(at: 0, .startFlushing(inFlight: 0)),
            .cancel(.cancelInFlight(inFlight: 0, pendingEvents: 0)),
            .next(0, .finish),
        ]),
    ]

    @Test(arguments: scenarios)
    func transitions(_ scenario: Scenario) {
        var machine = ShipperStateMachine(configuration: Self.configuration)
        var rng = CeilingGenerator()
        for (index, step) in scenario.steps.enumerated() {
            switch step {
            case let .next(ms, expected):
                #expect(machine.nextAction(now: .milliseconds(ms)) == expected, "step \(index)")
            case let .read(blocks, ms, empty):
                #expect(machine.blocksRead(blocks, now: .milliseconds(ms)) == empty, "step \(index)")
            case let .readFailed(ms, delay):
                #expect(machine.readFailed(now: .milliseconds(ms), using: &rng) == delay, "step \(index)")
            case let .launched(events, bytes, ms):
                machine.batchLaunched(events: events, bodyBytes: bytes, now: .milliseconds(ms))
            case let .finished(resolved, complete):
                #expect(machine.batchFinished(resolved: resolved) == complete, "step \(index)")
            case .timer:
                machine.timerFired()
            case let .shutdown(ms, expected):
                #expect(machine.shutdownRequested(now: .milliseconds(ms)) == expected, "step \(index)")
            case let .cancel(expected):
                #expect(machine.cancelled() == expected, "step \(index)")
            }
        }
    }

    /// Reported counts for a block nobody is waiting for change nothing, and a block's count is never
    /// completed by an over-report from another block.
    @Test func unknownBlocksAreIgnored() {
        var machine = ShipperStateMachine(configuration: Self.configuration)
        _ = machine.nextAction(now: .zero)
        _ = machine.nextAction(now: .zero)
        _ = machine.blocksRead([Self.block(1, 10)], now: .zero)
        #expect(machine.nextAction(now: .zero) == .launchBatch(maxEvents: 10, bodyBytesEstimate: 1000))
        machine.batchLaunched(events: 10, bodyBytes: 1000, now: .zero)
        #expect(machine.batchFinished(resolved: [BlockDocuments(blockID: 99, count: 5)]) == [])
        #expect(machine.inFlight == 0)
        #expect(machine.pendingEvents == 0)
    }
}
