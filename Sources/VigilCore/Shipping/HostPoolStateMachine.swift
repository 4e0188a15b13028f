/// Which Elasticsearch host a request goes to, and when a host that stopped answering is taken out of rotation,
/// checked again and taken back. Pure: the caller sends the requests and health checks, reads the clock and draws
/// the jitter, and reports back.
///
/// Each host is *up* (in the round-robin) or *down* (out of it, with a time from which it is checked again).
/// A host goes down when a request to it or a health check of it fails as a node failure (``isNodeFailure(status:)``:
/// no answer — refused, reset, timed out — or `502`/`503`/`504`); any other answer, `429` included, proves it
/// alive: back-pressure is the batch's backoff, not a reason to move load to the other hosts. A down host waits
/// `ceiling(failures − 1) · (1 + jitter) / 2` (an exponential backoff whose lower half is fixed, so a dead node is
/// not hammered, and whose upper half is jittered so that agents do not probe in step), then the caller checks
/// it (`GET /`); a healthy answer takes it back, another failure doubles the wait up to the maximum. Up hosts are
/// checked every `healthCheckInterval` too, so a node that dies while no request is going is noticed.
///
/// Invariants:
/// - ``select(now:)`` returns only up hosts, in turn (round-robin over the up hosts, in configuration order).
/// - Only a health check takes a down host back; a late answer to a request sent before it went down does not
///   (except in a pool of one host, which has no health checks: any answer that is not a node failure does).
/// - A failure reported for a host already down changes nothing (concurrent requests to a dying node count once).
/// - With every host down nothing is sent: ``select(now:)`` says when the earliest check is due.
/// - A pool of one host never takes it out of rotation: there is nowhere to fail over to, and the batch's own
///   backoff already paces its retries (exactly the single-`url` behaviour); its state is still tracked, for
///   the `host_up` gauge, and no periodic health checks are asked for.
public struct HostPoolStateMachine: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var hostCount: Int
        /// How often an up host is checked while nothing else says it is alive or dead.
        public var healthCheckInterval: Duration
        /// The wait before a down host is checked again (initial for its first failure, doubling, capped).
        public var backoff: Backoff
        /// With every host down and every due one being checked, how long a request waits before asking again.
        public var pollInterval: Duration

        public init(hostCount: Int, healthCheckInterval: Duration = .seconds(5),
                    backoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(60)), pollInterval: Duration = .milliseconds(100)) {
            precondition(hostCount >= 1, "a host pool needs a host")
            self.hostCount = hostCount
            self.healthCheckInterval = healthCheckInterval
            self.backoff = backoff
            self.pollInterval = pollInterval
        }
    }

    /// One host's state.
    public enum HostState: Sendable, Equatable {
        case up
        /// Out of rotation after `failures` consecutive failures; checked again from `retryAt` on.
        case down(failures: Int, retryAt: Duration)
    }

    /// Where the next request goes.
    public enum Selection: Sendable, Equatable {
        case use(host: Int)
        /// Every host is down: send nothing, ask again at `until` (the earliest due health check).
        case wait(until: Duration)
    }

    /// A host changed state: for the `host_up` gauge, the failover counter and the log.
    public enum Transition: Sendable, Equatable {
        /// Taken out of rotation; checked again after `retryIn`.
        case down(host: Int, retryIn: Duration)
        /// Still down after a failed check; checked again after `retryIn`.
        case stillDown(host: Int, failures: Int, retryIn: Duration)
        /// Taken back after a healthy check.
        case up(host: Int)
    }

    /// What to do with the answer (or the failure) of a request.
    public struct RequestVerdict: Sendable, Equatable {
        /// The host's change of state, if any.
        public var transition: Transition?
        /// Send the same documents again at once, to the host ``select(now:)`` picks next: the request failed
        /// as a node failure and another host has not been tried for it yet. Otherwise the answer is the batch's
        /// (its state machine decides about retries, splits and dead letters).
        public var resend: Bool

        public init(transition: Transition?, resend: Bool) {
            self.transition = transition
            self.resend = resend
        }
    }

    /// Health checks to perform now, or when to ask again.
    public enum HealthCheckAction: Sendable, Equatable {
        /// Check these hosts (`GET /`), report each with ``healthCheckFinished(host:status:now:jitter:)``, then ask again.
        case check(hosts: [Int])
        /// Nothing due before `until`.
        case sleep(until: Duration)
        /// A pool of one host: no health checks.
        case none
    }

    public let configuration: Configuration
    public private(set) var hosts: [HostState]
    /// When each host is next due for a health check.
    private var nextCheck: [Duration]
    /// Hosts whose health check is in flight.
    private var checking: [Bool]
    /// The host after the last one selected.
    private var cursor = 0

    public init(configuration: Configuration, now: Duration) {
        self.configuration = configuration
        hosts = Array(repeating: .up, count: configuration.hostCount)
        nextCheck = Array(repeating: now + configuration.healthCheckInterval, count: configuration.hostCount)
        checking = Array(repeating: false, count: configuration.hostCount)
    }

    /// No answer (`status` nil: refused, reset, timed out) or a gateway's "no node behind me": `502`, `503`, `504`.
    public static func isNodeFailure(status: Int?) -> Bool {
        guard let status else { return true }
        return status == 502 || status == 503 || status == 504
    }

    public var upCount: Int { hosts.reduce(0) { $0 + ($1 == .up ? 1 : 0) } }

    /// The host for the next request.
    public mutating func select(now: Duration) -> Selection {
        let count = hosts.count
        if count == 1 { return .use(host: 0) }
        for step in 0..<count {
            let host = (cursor + step) % count
            if hosts[host] == .up {
                cursor = (host + 1) % count
                return .use(host: host)
            }
        }
        var earliest: Duration?
        for host in 0..<count {
            guard case let .down(_, retryAt) = hosts[host] else { continue }
            let due = checking[host] || retryAt <= now ? now + configuration.pollInterval : retryAt
            earliest = min(earliest ?? due, due)
        }
        return .wait(until: earliest ?? now + configuration.pollInterval)
    }

    /// A request sent to `host` ended with `status` (nil: no answer; a request cancelled by a shutdown is not
    /// reported). `attempt` counts the hosts already tried for these documents before this one (0 for the first).
    /// `jitter` is a number in 0...1 drawn by the caller.
    public mutating func requestFinished(host: Int, status: Int?, attempt: Int, now: Duration, jitter: Double) -> RequestVerdict {
        guard Self.isNodeFailure(status: status) else {
            // A single host has no health checks: its own answers take it back.
            guard hosts.count == 1, hosts[host] != .up else { return RequestVerdict(transition: nil, resend: false) }
            hosts[host] = .up
            return RequestVerdict(transition: .up(host: host), resend: false)
        }
        var transition: Transition?
        if hosts[host] == .up {
            let wait = delay(failures: 1, jitter: jitter)
            hosts[host] = .down(failures: 1, retryAt: now + wait)
            nextCheck[host] = now + wait
            transition = .down(host: host, retryIn: wait)
        }
        let count = hosts.count
        return RequestVerdict(transition: transition, resend: count > 1 && attempt + 1 < count)
    }

    /// The health checks due at `now` (their hosts are then being checked until reported).
    public mutating func healthChecksDue(now: Duration) -> HealthCheckAction {
        guard hosts.count > 1 else { return .none }
        var due: [Int] = []
        var earliest: Duration?
        for host in hosts.indices where !checking[host] {
            if nextCheck[host] <= now {
                due.append(host)
                checking[host] = true
            } else {
                earliest = min(earliest ?? nextCheck[host], nextCheck[host])
            }
        }
        if !due.isEmpty { return .check(hosts: due) }
        return .sleep(until: earliest ?? now + configuration.healthCheckInterval)
    }

    /// The health check of `host` ended with `status` (nil: no answer). Any answer but `502`/`503`/`504` is healthy:
    /// a node that answers `401` is alive, its credentials are the operator's business.
    public mutating func healthCheckFinished(host: Int, status: Int?, now: Duration, jitter: Double) -> Transition? {
        checking[host] = false
        let healthy = !Self.isNodeFailure(status: status)
        switch (hosts[host], healthy) {
        case (.up, true):
            nextCheck[host] = now + configuration.healthCheckInterval
            return nil
        case (.down, true):
            hosts[host] = .up
            nextCheck[host] = now + configuration.healthCheckInterval
            return .up(host: host)
        case (.up, false):
            let wait = delay(failures: 1, jitter: jitter)
            hosts[host] = .down(failures: 1, retryAt: now + wait)
            nextCheck[host] = now + wait
            return .down(host: host, retryIn: wait)
        case let (.down(failures, _), false):
            let wait = delay(failures: failures + 1, jitter: jitter)
            hosts[host] = .down(failures: failures + 1, retryAt: now + wait)
            nextCheck[host] = now + wait
            return .stillDown(host: host, failures: failures + 1, retryIn: wait)
        }
    }

    /// `ceiling(failures − 1) · (1 + jitter) / 2`.
    func delay(failures: Int, jitter: Double) -> Duration {
        let ceiling = configuration.backoff.ceiling(attempt: failures - 1)
        let fraction = (1 + min(max(jitter, 0), 1)) / 2
        let (seconds, attoseconds) = ceiling.components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds / 1_000_000_000)
        return .nanoseconds(Int64((nanoseconds * fraction).rounded()))
    }
}
