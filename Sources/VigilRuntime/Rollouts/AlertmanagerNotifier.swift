import FoundationEssentials
import Logging
import Synchronization
import VigilCore
import VigilHTTPClient

/// Pushes rollout alerts to Alertmanager's v2 API (`POST /api/v2/alerts`): fired on a rollback or a hold for
/// sample-ratio mismatch, re-sent while active, resolved with `endsAt` (see ``RolloutAlertState``).
/// ``flush()`` is called after every evaluation round; a failed send is retried at the next one.
public final class AlertmanagerNotifier: RolloutNotifier, Sendable {
    private let state: Mutex<RolloutAlertState>
    private let settings: AlertmanagerSettings
    private let client: CurlClient
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let sends: CounterFamily

    public init(settings: AlertmanagerSettings, registry: MetricRegistry, logger: Logger = Logger(label: "vigil.alertmanager"),
                now: @escaping @Sendable () -> Int64) {
        self.settings = settings
        self.state = Mutex(RolloutAlertState(resendMillis: Int64(settings.resendSeconds * 1000),
                                             runbookBaseURL: settings.runbookBaseURL))
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)),
            requestTimeout: .milliseconds(Int64(settings.timeoutSeconds * 1000))))
        self.logger = logger
        self.now = now
        self.sends = registry.counter("vigil_alertmanager_requests_total",
                                      help: "Requests that pushed rollout alerts to Alertmanager, by outcome.",
                                      labelNames: ["outcome"])
    }

    deinit { client.shutdown() }

    public func notify(_ transition: RolloutTransition, definition: RolloutDefinition) async {
        state.withLock { $0.observe(transition, definition: definition) }
        await flush()
    }

    public func evaluated(_ evaluation: RolloutEvaluation, definition: RolloutDefinition) async {
        state.withLock { $0.observe(evaluation, definition: definition) }
    }

    /// Sends what is due.
    public func flush() async {
        let alerts = state.withLock { $0.due(now: now()) }
        guard !alerts.isEmpty else { return }
        guard let body = try? SortedJSON.encode(alerts) else { return }
        let request = CurlRequest(method: "POST", url: settings.url + "/api/v2/alerts",
                                  headers: ["Content-Type: application/json"], body: body)
        switch await client.result(for: request) {
        case .success(let response) where (200..<300).contains(response.status):
            state.withLock { $0.sendSucceeded() }
            sends.labels("ok").increment()
        case .success(let response):
            state.withLock { $0.sendFailed() }
            sends.labels("http_error").increment()
            logger.warning("alertmanager refused alerts", metadata: [
                "http.status": "\(response.status)", "alertmanager.url": "\(CurlError.redact(settings.url))", "alerts": "\(alerts.count)",
                "http.body": "\(String(decoding: response.body.prefix(300), as: UTF8.self))"])
        case .failure(let error):
            state.withLock { $0.sendFailed() }
            sends.labels("unreachable").increment()
            logger.warning("alertmanager unreachable", metadata: ["alertmanager.url": "\(CurlError.redact(settings.url))", "error": "\(error)"])
        }
    }
}
