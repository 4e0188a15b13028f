import Testing
import VigilCore

/// Every transition of `HostPoolStateMachine`, as tables of events (at given times, with given jitter) and the
/// results they must produce. No sockets, no sleeps: a request or a health check is a method call with a status.
@Suite struct HostPoolStateMachineTests {
    typealias Selection = HostPoolStateMachine.Selection
    typealias Transition = HostPoolStateMachine.Transition
    typealias Verdict = HostPoolStateMachine.RequestVerdict

    enum Step: Sendable {
        /// `select(now:)` must return this.
        case select(at: Int, Selection)
        /// `requestFinished` (status nil: no answer) must return this verdict.
        case request(host: Int, status: Int?, attempt: Int = 0, at: Int, jitter: Double = 0, Verdict)
        /// `healthChecksDue(now:)` must return this.
        case due(at: Int, HostPoolStateMachine.HealthCheckAction)
        /// `healthCheckFinished` must return this transition.
        case check(host: Int, status: Int?, at: Int, jitter: Double = 0, Transition?)
    }

    struct Scenario: Sendable, CustomStringConvertible {
        var description: String
        var hosts: Int
        var steps: [Step]
        /// The hosts' states at the end.
        var final: [HostPoolStateMachine.HostState]
    }

    /// Times are in seconds; interval 5 s, backoff 1 s doubling to 8 s.
    static func s(_ seconds: Int) -> Duration { .seconds(seconds) }
    static func configuration(_ hosts: Int) -> HostPoolStateMachine.Configuration {
        HostPoolStateMachine.Configuration(hostCount: hosts, healthCheckInterval: .seconds(5),
                                           backoff: Backoff(initial: .seconds(1), maximum: .seconds(8)), pollInterval: .milliseconds(100))
    }
    static let keep = Verdict(transition: nil, resend: false)
    static func down(_ host: Int, _ retryIn: Duration, resend: Bool) -> Verdict { Verdict(transition: .down(host: host, retryIn: retryIn), resend: resend) }

    static let scenarios: [Scenario] = [
        Scenario(description: "round-robin over healthy hosts, in order", hosts: 3, steps: [
            .select(at: 0, .use(host: 0)), .select(at: 0, .use(host: 1)), .select(at: 0, .use(host: 2)), .select(at: 0, .use(host: 0)),
        ], final: [.up, .up, .up]),
        Scenario(description: "a refused connection takes the host out; the batch is resent to the next host at once", hosts: 2, steps: [
            .select(at: 0, .use(host: 0)),
            // jitter 0: half the 1 s ceiling.
            .request(host: 0, status: nil, at: 1, jitter: 0, down(0, .milliseconds(500), resend: true)),
            .select(at: 1, .use(host: 1)), .select(at: 1, .use(host: 1)),
        ], final: [.down(failures: 1, retryAt: .milliseconds(1500)), .up]),
        Scenario(description: "502, 503 and 504 are node failures; jitter 1 waits the whole ceiling", hosts: 4, steps: [
            .request(host: 0, status: 502, at: 0, jitter: 1, down(0, s(1), resend: true)),
            .request(host: 1, status: 503, at: 0, jitter: 1, down(1, s(1), resend: true)),
            .request(host: 2, status: 504, at: 0, jitter: 1, down(2, s(1), resend: true)),
            .select(at: 0, .use(host: 3)),
        ], final: [.down(failures: 1, retryAt: s(1)), .down(failures: 1, retryAt: s(1)), .down(failures: 1, retryAt: s(1)), .up]),
        Scenario(description: "429 is back-pressure, not a dead node; 500, 400, 401 and 2xx answers keep the host too", hosts: 2, steps: [
            .request(host: 0, status: 429, at: 0, keep), .request(host: 0, status: 500, at: 0, keep),
            .request(host: 0, status: 400, at: 0, keep), .request(host: 0, status: 401, at: 0, keep),
            .request(host: 0, status: 200, at: 0, keep),
            .select(at: 0, .use(host: 0)), .select(at: 0, .use(host: 1)),
        ], final: [.up, .up]),
        Scenario(description: "the resend stops once every host was tried for the documents", hosts: 2, steps: [
            .request(host: 0, status: nil, attempt: 0, at: 0, down(0, .milliseconds(500), resend: true)),
            .request(host: 1, status: nil, attempt: 1, at: 0, down(1, .milliseconds(500), resend: false)),
        ], final: [.down(failures: 1, retryAt: .milliseconds(500)), .down(failures: 1, retryAt: .milliseconds(500))]),
        Scenario(description: "concurrent failures of a dying host count once", hosts: 2, steps: [
            .request(host: 0, status: nil, at: 0, down(0, .milliseconds(500), resend: true)),
            .request(host: 0, status: 503, at: 0, Verdict(transition: nil, resend: true)),
        ], final: [.down(failures: 1, retryAt: .milliseconds(500)), .up]),
        Scenario(description: "all hosts down: wait until the earliest health check, then poll while it runs", hosts: 2, steps: [
            .request(host: 0, status: nil, at: 0, jitter: 1, down(0, s(1), resend: true)),
            .request(host: 1, status: nil, attempt: 1, at: 0, jitter: 0, down(1, .milliseconds(500), resend: false)),
            .select(at: 0, .wait(until: .milliseconds(500))),
            .due(at: 0, .sleep(until: .milliseconds(500))),
            .due(at: 1, .check(hosts: [0, 1])),
            .select(at: 1, .wait(until: .milliseconds(1100))),
        ], final: [.down(failures: 1, retryAt: s(1)), .down(failures: 1, retryAt: .milliseconds(500))]),
        Scenario(description: "a failed check doubles the wait up to the maximum; a healthy one takes the host back", hosts: 2, steps: [
            .request(host: 0, status: nil, at: 0, jitter: 1, down(0, s(1), resend: true)),
            .due(at: 1, .check(hosts: [0])),
            .check(host: 0, status: nil, at: 1, jitter: 1, .stillDown(host: 0, failures: 2, retryIn: s(2))),
            .due(at: 3, .check(hosts: [0])),
            .check(host: 0, status: 503, at: 3, jitter: 1, .stillDown(host: 0, failures: 3, retryIn: s(4))),
            .due(at: 7, .check(hosts: [0, 1])),   // host 1's periodic check is due too
            .check(host: 1, status: 200, at: 7, nil),
            .check(host: 0, status: nil, at: 7, jitter: 1, .stillDown(host: 0, failures: 4, retryIn: s(8))),
            .due(at: 15, .check(hosts: [0, 1])),
            .check(host: 0, status: nil, at: 15, jitter: 1, .stillDown(host: 0, failures: 5, retryIn: s(8))),   // capped
            .check(host: 1, status: 200, at: 15, nil),
            .select(at: 15, .use(host: 1)),
            .due(at: 23, .check(hosts: [0, 1])),
            .check(host: 0, status: 200, at: 23, .up(host: 0)),
            .check(host: 1, status: 200, at: 23, nil),
            .select(at: 23, .use(host: 0)), .select(at: 23, .use(host: 1)),
        ], final: [.up, .up]),
        Scenario(description: "a node that answers 401 to the health check is alive", hosts: 2, steps: [
            .request(host: 1, status: nil, at: 0, jitter: 1, down(1, s(1), resend: true)),
            .due(at: 1, .check(hosts: [1])),
            .check(host: 1, status: 401, at: 1, .up(host: 1)),
        ], final: [.up, .up]),
        Scenario(description: "a late answer from a host taken out does not take it back", hosts: 2, steps: [
            .request(host: 0, status: nil, at: 0, down(0, .milliseconds(500), resend: true)),
            .request(host: 0, status: 200, at: 0, keep),
            .select(at: 0, .use(host: 1)), .select(at: 0, .use(host: 1)),
        ], final: [.down(failures: 1, retryAt: .milliseconds(500)), .up]),
        Scenario(description: "up hosts are checked every interval; one that fails the check goes down", hosts: 2, steps: [
            .due(at: 0, .sleep(until: s(5))),
            .due(at: 5, .check(hosts: [0, 1])),
            .due(at: 5, .sleep(until: s(10))),   // both in flight: nothing else due
            .check(host: 0, status: 200, at: 5, nil),
            .check(host: 1, status: nil, at: 5, jitter: 0, .down(host: 1, retryIn: .milliseconds(500))),
            .due(at: 5, .sleep(until: .milliseconds(5500))),
            .select(at: 5, .use(host: 0)), .select(at: 5, .use(host: 0)),
        ], final: [.up, .down(failures: 1, retryAt: .milliseconds(5500))]),
        Scenario(description: "one host: never taken out of rotation, no health checks, its next answer marks it up", hosts: 1, steps: [
            .due(at: 0, HostPoolStateMachine.HealthCheckAction.none),
            .request(host: 0, status: nil, at: 0, down(0, .milliseconds(500), resend: false)),
            .select(at: 0, .use(host: 0)),
            .due(at: 100, HostPoolStateMachine.HealthCheckAction.none),
            .request(host: 0, status: 429, at: 1, Verdict(transition: .up(host: 0), resend: false)),
        ], final: [.up]),
    ]

    @Test(arguments: scenarios)
    func transitions(_ scenario: Scenario) {
        var machine = HostPoolStateMachine(configuration: Self.configuration(scenario.hosts), now: .zero)
        for (index, step) in scenario.steps.enumerated() {
            switch step {
            case let .select(at, expected):
                #expect(machine.select(now: Self.s(at)) == expected, "step \(index)")
            case let .request(host, status, attempt, at, jitter, expected):
                #expect(machine.requestFinished(host: host, status: status, attempt: attempt, now: Self.s(at), jitter: jitter) == expected, "step \(index)")
            case let .due(at, expected):
                #expect(machine.healthChecksDue(now: Self.s(at)) == expected, "step \(index)")
            case let .check(host, status, at, jitter, expected):
                #expect(machine.healthCheckFinished(host: host, status: status, now: Self.s(at), jitter: jitter) == expected, "step \(index)")
            }
        }
        #expect(machine.hosts == scenario.final)
    }

    @Test(arguments: [(nil, true), (502, true), (503, true), (504, true), (500, false), (429, false), (200, false), (404, false)] as [(Int?, Bool)])
    func nodeFailures(status: Int?, expected: Bool) {
        #expect(HostPoolStateMachine.isNodeFailure(status: status) == expected)
    }
}
