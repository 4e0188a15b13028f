import Logging
import ServiceLifecycle
import VigilCore
import VigilHTTPClient

/// Posts every rollout change to the configured webhooks, signed with `X-Vigil-Signature: sha256=<hex HMAC>` and
/// carrying an `Idempotency-Key`, retrying with exponential backoff and full jitter on network errors, 408, 429
/// and 5xx, up to `max_attempts`. Other 4xx answers are final. Deliveries wait in a bounded queue (1,000), so a
/// slow receiver never holds up a decision; what cannot be queued or delivered is logged and counted.
///
/// Delivery is at least once while the agent runs: receivers drop repeats by the idempotency key.
public final class WebhookNotifier: RolloutNotifier, Service, Sendable {
    struct Delivery: Sendable {
        var webhook: Int
        var body: [UInt8]
        var key: String
        var event: String
    }

    private let webhooks: [WebhookSettings]
    private let secrets: [[UInt8]?]
    private let client: CurlClient
    private let backoff: Backoff
    private let logger: Logger
    private let outcomes: CounterFamily
    private let stream: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation

    /// - Parameter secrets: one per webhook, read from its `secret_file` by the caller (`nil`: unsigned).
    public init(webhooks: [WebhookSettings], secrets: [[UInt8]?], registry: MetricRegistry,
                backoff: Backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(60)),
                logger: Logger = Logger(label: "vigil.webhooks")) {
        precondition(webhooks.count == secrets.count, "one secret slot per webhook")
        self.webhooks = webhooks
        self.secrets = secrets
        let timeout = webhooks.map(\.timeoutSeconds).max() ?? 10
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .milliseconds(Int64(timeout * 1000)), requestTimeout: .milliseconds(Int64(timeout * 1000))),
            connections: 2)
        self.backoff = backoff
        self.logger = logger
        self.outcomes = registry.counter("vigil_webhook_deliveries_total",
                                         help: "Rollout webhook deliveries by outcome (delivered, rejected, gave_up, dropped).",
                                         labelNames: ["outcome"])
        (stream, continuation) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .bufferingOldest(1_000))
    }

    deinit { client.shutdown() }

    public func notify(_ transition: RolloutTransition, definition: RolloutDefinition) async {
        let body = RolloutWebhook.body(for: transition, definition: definition)
        let key = "\(transition.model)/\(transition.version)"
        for i in webhooks.indices {
            if case .dropped = continuation.yield(Delivery(webhook: i, body: body, key: key, event: "rollout.\(transition.change.rawValue)")) {
                outcomes.labels("dropped").increment()
                logger.error("webhook queue full: delivery dropped", metadata: ["webhook.index": "\(i)", "webhook.key": "\(key)"])
            }
        }
    }

    public func run() async throws {
        for await delivery in stream.cancelOnGracefulShutdown() {
            await deliver(delivery)
        }
    }

    /// Stops taking deliveries; `run()` ends once the queue is empty.
    public func finish() { continuation.finish() }

    func deliver(_ d: Delivery) async {
        let settings = webhooks[d.webhook]
        var headers = ["Content-Type: application/json", "Idempotency-Key: \(d.key)", "X-Vigil-Event: \(d.event)"]
        if let secret = secrets[d.webhook] {
            headers.append("X-Vigil-Signature: \(RolloutWebhook.signature(of: d.body, secret: secret))")
        }
        let request = CurlRequest(method: "POST", url: settings.url, headers: headers, body: d.body)
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<settings.maxAttempts {
            let problem: String
            switch await client.result(for: request) {
            case .success(let r) where (200..<300).contains(r.status):
                outcomes.labels("delivered").increment()
                return
            case .success(let r) where (400..<500).contains(r.status) && r.status != 408 && r.status != 429:
                outcomes.labels("rejected").increment()
                logger.error("webhook rejected a delivery", metadata: [
                    "webhook.url": "\(CurlError.redact(settings.url))", "http.status": "\(r.status)", "webhook.key": "\(d.key)"])
                return
            case .success(let r): problem = "HTTP \(r.status)"
            case .failure(let e): problem = e.description
            }
            guard attempt + 1 < settings.maxAttempts else { break }
            let wait = backoff.delay(attempt: attempt, using: &generator)
            logger.warning("webhook delivery failed: retrying", metadata: [
                "webhook.url": "\(CurlError.redact(settings.url))", "webhook.key": "\(d.key)", "error": "\(problem)",
                "attempt": "\(attempt + 1)"])
            do { try await Task.sleep(for: wait) } catch { break }
        }
        outcomes.labels("gave_up").increment()
        logger.error("webhook delivery given up", metadata: [
            "webhook.url": "\(CurlError.redact(settings.url))", "webhook.key": "\(d.key)", "attempts": "\(settings.maxAttempts)"])
    }
}
