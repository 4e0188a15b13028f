import Testing
import VigilCore

/// `RemoteWriteStateMachine` as tables: the answer to a send and what the machine decides, queue limits and which
/// batches they drop, and the order and timing of sends. No sockets, no sleeps.
@Suite struct RemoteWriteStateMachineTests {
    typealias Machine = RemoteWriteStateMachine
    typealias Batch = RemoteWriteStateMachine.Batch

    static let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))

    static func machine(maxBytes: Int = 1_000, maxBatches: Int = 10) -> Machine {
        Machine(configuration: .init(maxBytes: maxBytes, maxBatches: maxBatches, backoff: backoff))
    }

    enum Expected: Equatable {
        case delivered, retry, rejected, unreadable
    }

    /// Every answer of the specification's classes: what one send decides.
    @Test(arguments: [
        (Machine.Outcome.status(200), Expected.delivered),
        (.status(204), .delivered),
        (.status(299), .delivered),
        (.status(500), .retry),
        (.status(502), .retry),
        (.status(503), .retry),
        (.status(599), .retry),
        (.status(429), .retry),
        (.noResponse, .retry),
        (.status(400), .rejected),
        (.status(401), .rejected),
        (.status(403), .rejected),
        (.status(404), .rejected),
        (.status(413), .rejected),
        (.status(418), .rejected),
        (.status(302), .rejected),
        (.status(100), .rejected),
        (.unreadable, .unreadable),
    ])
    func answerDecides(outcome: Machine.Outcome, expected: Expected) {
        var machine = Self.machine()
        var rng = CeilingGenerator()
        let batch = Batch(id: 1, bytes: 100, samples: 7)
        #expect(machine.enqueue(batch).isEmpty)
        #expect(machine.nextAction(now: .zero) == .send(batch))
        let decision = machine.sendFinished(outcome, now: .seconds(1), using: &rng)
        switch expected {
        case .delivered:
            #expect(decision == .delivered(batch))
            #expect(machine.queuedBatches == 0 && machine.bytes == 0)
        case .retry:
            #expect(decision == .retry(batch, after: .milliseconds(100)))
            #expect(machine.queuedBatches == 1 && machine.bytes == 100)
            // Not before the backoff ends; then the same batch again.
            #expect(machine.nextAction(now: .milliseconds(1_050)) == .wait(until: .milliseconds(1_100)))
            #expect(machine.nextAction(now: .milliseconds(1_100)) == .send(batch))
        case .rejected:
            #expect(decision == .drop(batch, reason: .rejected))
            #expect(machine.queuedBatches == 0 && machine.nextAction(now: .seconds(1)) == .wait(until: nil))
        case .unreadable:
            #expect(decision == .drop(batch, reason: .unreadable))
            #expect(machine.queuedBatches == 0)
        }
    }

    /// Consecutive failures grow the wait (ceiling of the full-jitter range) up to the maximum; a delivery resets it.
    @Test func backoffGrowsAndResets() {
        var machine = Self.machine()
        var rng = CeilingGenerator()
        let first = Batch(id: 1, bytes: 10, samples: 1), second = Batch(id: 2, bytes: 10, samples: 1)
        _ = machine.enqueue(first)
        _ = machine.enqueue(second)
        var now = Duration.zero
        var waits: [Duration] = []
        for outcome in [Machine.Outcome.status(503), .status(429), .noResponse, .status(500), .status(500), .status(500)] {
            #expect(machine.nextAction(now: now) == .send(first))
            guard case .retry(_, let after) = machine.sendFinished(outcome, now: now, using: &rng) else {
                Issue.record("expected a retry for \(outcome)"); return
            }
            waits.append(after)
            now += after
        }
        #expect(waits == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(machine.nextAction(now: now) == .send(first))
        #expect(machine.sendFinished(.status(204), now: now, using: &rng) == .delivered(first))
        // In order, with no wait left over.
        #expect(machine.nextAction(now: now) == .send(second))
        #expect(machine.sendFinished(.status(503), now: now, using: &rng) == .retry(second, after: .milliseconds(100)))
    }

    /// A rejected batch does not hold up the next one and resets the backoff.
    @Test func rejectionMovesOn() {
        var machine = Self.machine()
        var rng = CeilingGenerator()
        let a = Batch(id: 1, bytes: 10, samples: 1), b = Batch(id: 2, bytes: 10, samples: 1)
        _ = machine.enqueue(a); _ = machine.enqueue(b)
        #expect(machine.nextAction(now: .zero) == .send(a))
        #expect(machine.sendFinished(.status(500), now: .zero, using: &rng) == .retry(a, after: .milliseconds(100)))
        #expect(machine.nextAction(now: .milliseconds(100)) == .send(a))
        #expect(machine.sendFinished(.status(400), now: .milliseconds(100), using: &rng) == .drop(a, reason: .rejected))
        #expect(machine.nextAction(now: .milliseconds(100)) == .send(b))
        #expect(machine.sendFinished(.status(500), now: .milliseconds(100), using: &rng) == .retry(b, after: .milliseconds(100)))
    }

    struct LimitCase: Sendable, CustomTestStringConvertible {
        var maxBytes: Int
        var maxBatches: Int
        /// Sizes of batches enqueued with ids 1, 2, …
        var sizes: [Int]
        /// Send (and leave in flight) the head after enqueuing this many batches; nil: never.
        var sendAfter: Int?
        /// Ids dropped, in order, over all enqueues.
        var dropped: [Int64]
        /// Ids left, in order.
        var left: [Int64]
        var testDescription: String { "bytes \(maxBytes) batches \(maxBatches) sizes \(sizes) send after \(sendAfter.map(String.init) ?? "-")" }
    }

    @Test(arguments: [
        LimitCase(maxBytes: 100, maxBatches: 10, sizes: [40, 40, 20], sendAfter: nil, dropped: [], left: [1, 2, 3]),
        LimitCase(maxBytes: 100, maxBatches: 10, sizes: [40, 40, 40], sendAfter: nil, dropped: [1], left: [2, 3]),
        LimitCase(maxBytes: 100, maxBatches: 10, sizes: [40, 40, 90], sendAfter: nil, dropped: [1, 2], left: [3]),
        // Too big on its own: it goes too, and the queue is empty.
        LimitCase(maxBytes: 100, maxBatches: 10, sizes: [40, 150], sendAfter: nil, dropped: [1, 2], left: []),
        LimitCase(maxBytes: 1_000, maxBatches: 2, sizes: [1, 1, 1, 1], sendAfter: nil, dropped: [1, 2], left: [3, 4]),
        // The batch in flight is never dropped: the next oldest goes instead.
        LimitCase(maxBytes: 1_000, maxBatches: 2, sizes: [1, 1, 1, 1], sendAfter: 1, dropped: [2, 3], left: [1, 4]),
        LimitCase(maxBytes: 100, maxBatches: 10, sizes: [60, 30, 30], sendAfter: 2, dropped: [2], left: [1, 3]),
        // Only the batch in flight is left to drop: the limit is exceeded by it until it is done.
        LimitCase(maxBytes: 100, maxBatches: 10, sizes: [90, 50], sendAfter: 1, dropped: [2], left: [1]),
    ])
    func limitsDropTheOldest(_ c: LimitCase) {
        var machine = Self.machine(maxBytes: c.maxBytes, maxBatches: c.maxBatches)
        var dropped: [Int64] = []
        var all: [Batch] = []
        for (i, size) in c.sizes.enumerated() {
            let batch = Batch(id: Int64(i + 1), bytes: size, samples: 1)
            all.append(batch)
            dropped += machine.enqueue(batch).map(\.id)
            if c.sendAfter == i + 1 { #expect(machine.nextAction(now: .zero) == .send(all[0])) }
        }
        #expect(dropped == c.dropped)
        #expect(machine.queuedBatches == c.left.count)
        let leftBytes = c.left.map { id in c.sizes[Int(id) - 1] }.reduce(0, +)
        #expect(machine.bytes == leftBytes)
        // What is left is sent in id order.
        var rng = CeilingGenerator()
        var sent: [Int64] = []
        if c.sendAfter != nil, !c.left.isEmpty {
            #expect(machine.sendFinished(.status(200), now: .zero, using: &rng) == .delivered(all[0]))
            sent.append(1)
        }
        while case .send(let batch) = machine.nextAction(now: .zero) {
            sent.append(batch.id)
            _ = machine.sendFinished(.status(200), now: .zero, using: &rng)
        }
        #expect(sent == c.left)
        #expect(machine.bytes == 0 && machine.queuedBatches == 0)
    }

    /// One send at a time: while a batch is in flight, nothing else is handed out.
    @Test func oneInFlight() {
        var machine = Self.machine()
        _ = machine.enqueue(Batch(id: 1, bytes: 1, samples: 1))
        _ = machine.enqueue(Batch(id: 2, bytes: 1, samples: 1))
        #expect(machine.nextAction(now: .zero) == .send(Batch(id: 1, bytes: 1, samples: 1)))
        #expect(machine.nextAction(now: .zero) == .wait(until: nil))
        #expect(machine.queuedSamples == 2)
    }
}
