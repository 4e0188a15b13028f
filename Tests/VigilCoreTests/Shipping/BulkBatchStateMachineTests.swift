import Testing
import VigilCore

/// Draws the top of every range, so `Backoff.delay(attempt:using:)` returns exactly `ceiling(attempt:)` and a
/// transition table can name the backoff attempt the machine used.
struct CeilingGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { .max }
}

/// Every transition of `BulkBatchStateMachine`, as tables of events and the actions they must produce. No
/// sockets, no sleeps: a response is a `BulkResponseDecision` value, a timer is a method call.
@Suite struct BulkBatchStateMachineTests {
    typealias Action = BulkBatchStateMachine.Action

    enum Event: Sendable {
        /// A response, and the delivered/duplicate counts it must report.
        case response(BulkResponseDecision, delivered: Int = 0, duplicates: Int = 0)
        case retryTimer
        case cancel
    }

    struct Scenario: Sendable, CustomStringConvertible {
        var description: String
        var runs: [BlockDocuments]
        var maxRetries: Int? = nil
        /// The action `start()` returns.
        var first: Action
        var steps: [(Event, Action)]
        /// Whether the caller manages to store the dead letters.
        var stored = true
        var resolved: [BlockDocuments]
    }

    static let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
    static func dl(_ position: Int, _ status: Int, _ reason: String) -> BulkDeadLetter {
        BulkDeadLetter(position: position, status: status, reason: reason)
    }
    static func runs(_ pairs: (Int64, Int)...) -> [BlockDocuments] { pairs.map { BlockDocuments(blockID: $0.0, count: $0.1) } }

    static let scenarios: [Scenario] = [
        Scenario(description: "all delivered completes every block run",
                 runs: runs((1, 2), (2, 1)), first: .send(positions: [0, 1, 2]),
                 steps: [(.response(.allDelivered, delivered: 3), .finish(deadLetters: []))],
                 resolved: runs((1, 2), (2, 1))),
        Scenario(description: "409 counts as delivered",
                 runs: runs((1, 3)), first: .send(positions: [0, 1, 2]),
                 steps: [(.response(.perItem([.duplicate, .delivered, .duplicate]), delivered: 1, duplicates: 2), .finish(deadLetters: []))],
                 resolved: runs((1, 3))),
        Scenario(description: "429 and 5xx items are retried alone, with the backoff restarting after progress",
                 runs: runs((1, 3)), first: .send(positions: [0, 1, 2]),
                 steps: [
                    (.response(.perItem([.delivered, .retry(status: 429, reason: ""), .retry(status: 503, reason: "unavailable")]), delivered: 1),
                     .retryAfter(.milliseconds(100), positions: [1, 2], reason: "unavailable")),
                    (.retryTimer, .send(positions: [1, 2])),
                    // Nothing settled: the attempt count grows (ceiling 200 ms).
                    (.response(.perItem([.retry(status: 429, reason: ""), .retry(status: 429, reason: "")])),
                     .retryAfter(.milliseconds(200), positions: [1, 2], reason: "http 429")),
                    (.retryTimer, .send(positions: [1, 2])),
                    (.response(.perItem([.delivered, .retry(status: 500, reason: "")]), delivered: 1),
                     .retryAfter(.milliseconds(100), positions: [2], reason: "http 500")),
                    (.retryTimer, .send(positions: [2])),
                    (.response(.allDelivered, delivered: 1), .finish(deadLetters: [])),
                 ],
                 resolved: runs((1, 3))),
        Scenario(description: "a whole-request failure resends every item with a growing backoff",
                 runs: runs((1, 2)), first: .send(positions: [0, 1]),
                 steps: [
                    (.response(.retryAll(status: nil, reason: "connection refused")), .retryAfter(.milliseconds(200), positions: [0, 1], reason: "connection refused")),
                    (.retryTimer, .send(positions: [0, 1])),
                    (.response(.retryAll(status: 503, reason: "http 503")), .retryAfter(.milliseconds(400), positions: [0, 1], reason: "http 503")),
                    (.retryTimer, .send(positions: [0, 1])),
                    (.response(.allDelivered, delivered: 2), .finish(deadLetters: [])),
                 ],
                 resolved: runs((1, 2))),
        Scenario(description: "413 on a batch splits it in halves, sent one after the other",
                 runs: runs((1, 2), (2, 2)), first: .send(positions: [0, 1, 2, 3]),
                 steps: [
                    (.response(.split(status: 413, reason: "too large")), .split(status: 413, itemCount: 4, positions: [0, 1])),
                    (.response(.allDelivered, delivered: 2), .send(positions: [2, 3])),
                    (.response(.allDelivered, delivered: 2), .finish(deadLetters: [])),
                 ],
                 resolved: runs((1, 2), (2, 2))),
        Scenario(description: "413 on a single document dead-letters it instead of splitting for ever",
                 runs: runs((9, 1)), first: .send(positions: [0]),
                 steps: [(.response(.split(status: 413, reason: "request entity too large")),
                          .finish(deadLetters: [dl(0, 413, "request entity too large")]))],
                 resolved: runs((9, 1))),
        Scenario(description: "nested splits isolate the oversized document; the others are delivered",
                 runs: runs((1, 3)), first: .send(positions: [0, 1, 2]),
                 steps: [
                    (.response(.split(status: 413, reason: "too large")), .split(status: 413, itemCount: 3, positions: [0])),
                    (.response(.split(status: 413, reason: "too large")), .send(positions: [1, 2])),
                    (.response(.allDelivered, delivered: 2), .finish(deadLetters: [dl(0, 413, "too large")])),
                 ],
                 resolved: runs((1, 3))),
        Scenario(description: "400 for the whole request splits like 413",
                 runs: runs((1, 2)), first: .send(positions: [0, 1]),
                 steps: [
                    (.response(.split(status: 400, reason: "parse_exception: x")), .split(status: 400, itemCount: 2, positions: [0])),
                    (.response(.allDelivered, delivered: 1), .send(positions: [1])),
                    (.response(.split(status: 400, reason: "parse_exception: x")), .finish(deadLetters: [dl(1, 400, "parse_exception: x")])),
                 ],
                 resolved: runs((1, 2))),
        Scenario(description: "other 4xx items are dead-lettered with their reason, the rest delivered",
                 runs: runs((1, 3)), first: .send(positions: [0, 1, 2]),
                 steps: [(.response(.perItem([.deadLetter(status: 400, reason: "mapper_parsing_exception: bad"), .delivered,
                                              .deadLetter(status: 404, reason: "http 404")]), delivered: 1),
                          .finish(deadLetters: [dl(0, 400, "mapper_parsing_exception: bad"), dl(2, 404, "http 404")]))],
                 resolved: runs((1, 3))),
        Scenario(description: "a whole-request 4xx dead-letters every item",
                 runs: runs((1, 1), (2, 1)), first: .send(positions: [0, 1]),
                 steps: [(.response(.deadLetterAll(status: 406, reason: "http 406")),
                          .finish(deadLetters: [dl(0, 406, "http 406"), dl(1, 406, "http 406")]))],
                 resolved: runs((1, 1), (2, 1))),
        Scenario(description: "dead letters that cannot be stored stay unresolved",
                 runs: runs((1, 2)), first: .send(positions: [0, 1]),
                 steps: [(.response(.perItem([.delivered, .deadLetter(status: 400, reason: "bad")]), delivered: 1),
                          .finish(deadLetters: [dl(1, 400, "bad")]))],
                 stored: false, resolved: runs((1, 1))),
        Scenario(description: "max_retries dead-letters an item after the limit",
                 runs: runs((1, 2)), maxRetries: 1, first: .send(positions: [0, 1]),
                 steps: [
                    (.response(.perItem([.delivered, .retry(status: 429, reason: "")]), delivered: 1),
                     .retryAfter(.milliseconds(100), positions: [1], reason: "http 429")),
                    (.retryTimer, .send(positions: [1])),
                    (.response(.retryAll(status: 503, reason: "http 503")), .finish(deadLetters: [dl(1, 0, "max_retries_exceeded: http 503")])),
                 ],
                 resolved: runs((1, 2))),
        Scenario(description: "cancelled while waiting to retry: what was delivered counts, nothing else",
                 runs: runs((1, 2), (2, 2)), first: .send(positions: [0, 1, 2, 3]),
                 steps: [
                    (.response(.perItem([.delivered, .retry(status: 429, reason: ""), .deadLetter(status: 400, reason: "bad"), .retry(status: 429, reason: "")]),
                               delivered: 1),
                     .retryAfter(.milliseconds(100), positions: [1, 3], reason: "http 429")),
                    (.cancel, .finish(deadLetters: [dl(2, 400, "bad")])),
                 ],
                 resolved: runs((1, 1), (2, 1))),
        Scenario(description: "cancelled with a split half still to send leaves that half unresolved",
                 runs: runs((1, 4)), first: .send(positions: [0, 1, 2, 3]),
                 steps: [
                    (.response(.split(status: 413, reason: "too large")), .split(status: 413, itemCount: 4, positions: [0, 1])),
                    (.response(.allDelivered, delivered: 2), .send(positions: [2, 3])),
                    (.cancel, .finish(deadLetters: [])),
                 ],
                 resolved: runs((1, 2))),
        Scenario(description: "cancelled before the first response resolves nothing",
                 runs: runs((1, 3)), first: .send(positions: [0, 1, 2]),
                 steps: [(.cancel, .finish(deadLetters: []))],
                 resolved: runs((1, 0))),
        Scenario(description: "runs of one block are merged in the result",
                 runs: runs((1, 1), (1, 2), (3, 1)), first: .send(positions: [0, 1, 2, 3]),
                 steps: [(.response(.allDelivered, delivered: 4), .finish(deadLetters: []))],
                 resolved: runs((1, 3), (3, 1))),
    ]

    @Test(arguments: scenarios)
    func transitions(_ scenario: Scenario) {
        var machine = BulkBatchStateMachine(runs: scenario.runs, maxRetries: scenario.maxRetries, backoff: Self.backoff)
        var rng = CeilingGenerator()
        #expect(machine.start() == scenario.first)
        for (index, (event, expected)) in scenario.steps.enumerated() {
            let action: Action
            switch event {
            case let .response(decision, delivered, duplicates):
                let response = machine.responseReceived(decision, using: &rng)
                #expect(response.delivered == delivered, "step \(index)")
                #expect(response.duplicates == duplicates, "step \(index)")
                action = response.next
            case .retryTimer:
                action = machine.retryTimerFired()
            case .cancel:
                action = machine.cancelled()
            }
            #expect(action == expected, "step \(index)")
        }
        #expect(machine.deadLettersStored(scenario.stored) == scenario.resolved)
    }

    /// A part that keeps failing backs off up to the cap and never further; progress starts again at the bottom.
    @Test func backoffGrowsToTheCapWhileNothingSettles() {
        var machine = BulkBatchStateMachine(runs: [BlockDocuments(blockID: 1, count: 1)], maxRetries: nil,
                                            backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1)))
        var rng = CeilingGenerator()
        _ = machine.start()
        var delays: [Duration] = []
        for _ in 0..<6 {
            guard case let .retryAfter(delay, _, _) = machine.responseReceived(.retryAll(status: 429, reason: "busy"), using: &rng).next else {
                Issue.record("expected a retry"); return
            }
            delays.append(delay)
            #expect(machine.retryTimerFired() == .send(positions: [0]))
        }
        #expect(delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1), .seconds(1)])
    }

    /// A batch of thousands of documents where every request fails half its items: each round resends only the
    /// failed half, and the batch ends with every document delivered exactly once in the tally.
    @Test func halfFailingItemsConvergeWithoutDuplicateCounts() {
        let count = 4096
        var machine = BulkBatchStateMachine(runs: [BlockDocuments(blockID: 1, count: count)], maxRetries: nil, backoff: Self.backoff)
        var rng = CeilingGenerator()
        var action = machine.start()
        var delivered = 0
        var requests = 0
        while case let .send(positions) = action {
            requests += 1
            let outcomes: [BulkItemOutcome] = positions.indices.map { $0 % 2 == 0 ? .delivered : .retry(status: 429, reason: "") }
            let response = machine.responseReceived(.perItem(outcomes), using: &rng)
            delivered += response.delivered
            action = response.next
            if case let .retryAfter(_, retry, _) = action {
                #expect(retry.count == positions.count / 2)
                action = machine.retryTimerFired()
            }
        }
        #expect(action == .finish(deadLetters: []))
        #expect(delivered == count)
        #expect(requests == 13)   // 4096, 2048, ..., 1
        #expect(machine.deadLettersStored(true) == [BlockDocuments(blockID: 1, count: count)])
    }

    @Test func anEmptyBatchFinishesAtOnce() {
        var machine = BulkBatchStateMachine(runs: [], maxRetries: nil, backoff: Self.backoff)
        #expect(machine.start() == .finish(deadLetters: []))
        #expect(machine.deadLettersStored(true) == [])
    }
}
