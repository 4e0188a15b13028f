import Logging
import Synchronization
import VigilCore
import VigilHTTPClient
import VigilInternalEvents

/// The driver of `HostPoolStateMachine` for one shipper: picks the host of each request, reports how it ended,
/// runs the health checks the machine asks for, and turns the machine's transitions into the per-host metrics
/// and logs. Shared by the batch tasks (under a mutex: every call is short and never awaits while holding it).
final class ElasticsearchHostPool: Sendable {
    /// `scheme://host:port` of each host, in configuration order: metric labels and log fields.
    let labels: [String]
    private let machine: Mutex<HostPoolStateMachine>
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let down: Emitter<ElasticsearchHostDown>
    private let up: Emitter<ElasticsearchHostUp>

    init(configuration: ElasticsearchConfiguration, registry: MetricRegistry, logger: Logger) {
        labels = configuration.hostURLs.map(ElasticsearchConfiguration.hostLabel)
        start = clock.now
        let failover = configuration.failover
        machine = Mutex(HostPoolStateMachine(
            configuration: .init(hostCount: labels.count, healthCheckInterval: failover.healthCheckInterval,
                                 backoff: Backoff(initial: failover.backoffInitial, maximum: failover.backoffMax)),
            now: .zero))
        down = Emitter(registry: registry, logger: logger)
        up = Emitter(registry: registry, logger: logger)
        for label in labels { down.metrics.register(host: label) }
    }

    var count: Int { labels.count }
    var metrics: ElasticsearchHostMetrics { down.metrics }
    private var now: Duration { clock.now - start }

    /// The host for the next request, or how long to wait for one (every host is down).
    func select() -> HostPoolStateMachine.Selection {
        let now = self.now
        return machine.withLock { $0.select(now: now) }
    }

    /// Reports a request's end (`status` nil: no answer); true when the same documents go to another host at once.
    func requestFinished(host: Int, status: Int?, attempt: Int, reason: @autoclosure () -> String) -> Bool {
        let now = self.now
        let jitter = Double.random(in: 0...1)
        let verdict = machine.withLock { $0.requestFinished(host: host, status: status, attempt: attempt, now: now, jitter: jitter) }
        if let transition = verdict.transition { emit(transition, reason: reason()) }
        return verdict.resend
    }

    /// The time until `instant` (measured like the machine's `now`), at least `floor`.
    func wait(until instant: Duration, floor: Duration = .milliseconds(10)) -> Duration {
        max(floor, instant - now)
    }

    /// Checks hosts (`GET /`) when the machine says they are due, until cancelled. A pool of one host has none.
    func runHealthChecks(baseURL: @escaping @Sendable (Int) -> String, send: @escaping @Sendable (CurlRequest) async -> Result<CurlResponse, CurlError>) async {
        while !Task.isCancelled {
            let now = self.now
            switch machine.withLock({ $0.healthChecksDue(now: now) }) {
            case .none:
                return
            case let .sleep(until):
                do { try await Task.sleep(for: wait(until: until)) } catch { return }
            case let .check(hosts):
                await withTaskGroup(of: (Int, Int?, String).self) { group in
                    for host in hosts {
                        group.addTask {
                            switch await send(CurlRequest(method: "GET", url: baseURL(host) + "/")) {
                            case let .success(response): return (host, response.status, "health check answered HTTP \(response.status)")
                            case let .failure(error): return (host, error.isCancelled ? -1 : nil, "health check: \(error.message)")
                            }
                        }
                    }
                    for await (host, status, reason) in group {
                        // A check cancelled by a shutdown proves nothing; the pool is going away with it.
                        if status == -1 { continue }
                        let now = self.now
                        let jitter = Double.random(in: 0...1)
                        if let transition = machine.withLock({ $0.healthCheckFinished(host: host, status: status, now: now, jitter: jitter) }) {
                            emit(transition, reason: reason)
                        }
                    }
                }
            }
        }
    }

    private func emit(_ transition: HostPoolStateMachine.Transition, reason: String) {
        switch transition {
        case let .down(host, retryIn):
            down.emit(ElasticsearchHostDown(host: labels[host], failures: 1, reason: reason, retryIn: retryIn, failover: labels.count > 1))
        case let .stillDown(host, failures, retryIn):
            down.emit(ElasticsearchHostDown(host: labels[host], failures: failures, reason: reason, retryIn: retryIn))
        case let .up(host):
            up.emit(ElasticsearchHostUp(host: labels[host]))
        }
    }
}
