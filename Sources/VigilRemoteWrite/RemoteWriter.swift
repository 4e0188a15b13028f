import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilHTTPClient

/// Pushes the agent's own metrics to a Prometheus remote write 1.0 receiver (Prometheus with
/// `--web.enable-remote-write-receiver`, Mimir, Thanos Receive, VictoriaMetrics).
///
/// Every `interval` it snapshots the registry (``MetricRegistry/snapshot()``), encodes the samples at the
/// snapshot's time (``RemoteWriteEncoder``), writes each request to the durable queue (``RemoteWriteQueue``) and
/// hands it to a ``RemoteWriteStateMachine``, which decides what is sent, retried or dropped. One loop does all
/// of it, so one request is in flight at a time and requests arrive in order. File work runs on a blocking pool.
/// On shutdown the loop stops (a request in flight is cancelled); whatever is queued is sent after the next start.
public final class RemoteWriter: Service, Sendable {
    public let configuration: RemoteWriteConfiguration
    private let registry: MetricRegistry
    private let client: HTTPClient
    private let queue: RemoteWriteQueue
    private let pool: BlockingPool
    private let encoder: RemoteWriteEncoder
    private let metrics: RemoteWriteMetrics
    private let logger: Logger
    private let wallClockMillis: @Sendable () -> Int64

    /// Opens the queue folder and reads the credentials.
    /// - Throws: ``RemoteWriteQueue/IOError`` or ``HTTPCredentialsError``.
    public init(configuration: RemoteWriteConfiguration, registry: MetricRegistry, queueDirectory: String, logger: Logger,
                wallClockMillis: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) throws {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.wallClockMillis = wallClockMillis
        queue = try RemoteWriteQueue(directory: queueDirectory)
        client = try HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: configuration.connectTimeout, requestTimeout: configuration.timeout, tls: configuration.tls,
            authentication: configuration.authentication, connections: 1, maxResponseBytes: 1 << 20), logger: logger)
        pool = BlockingPool(label: "vigil-remote-write", threads: 1)
        encoder = RemoteWriteEncoder(externalLabels: configuration.externalLabels,
                                     maxSamplesPerRequest: configuration.maxSamplesPerRequest)
        metrics = RemoteWriteMetrics(registry: registry)
    }

    public func run() async throws {
        defer {
            client.shutdown()
            pool.shutdown()
        }
        let queue = self.queue
        let restored = try await pool.run { () throws -> [RemoteWriteStateMachine.Batch] in try queue.load() }
        try await cancelWhenGracefulShutdown { await self.loop(restored: restored) }
    }

    private func loop(restored: [RemoteWriteStateMachine.Batch]) async {
        var machine = RemoteWriteStateMachine(configuration: .init(
            maxBytes: configuration.queueMaxBytes, maxBatches: configuration.queueMaxRequests,
            backoff: Backoff(initial: configuration.backoffInitial, maximum: configuration.backoffMax)))
        let clock = ContinuousClock()
        let start = clock.now
        func now() -> Duration { clock.now - start }

        var nextID: Int64 = (restored.last?.id ?? 0) + 1
        for batch in restored { await drop(machine.enqueue(batch), reason: .queueFull) }
        if !restored.isEmpty {
            logger.info("remote write queue restored", metadata: ["remote_write.requests": "\(restored.count)",
                                                                  "remote_write.queue_bytes": "\(machine.bytes)"])
        }
        updateGauges(machine)
        var generator = SystemRandomNumberGenerator()
        var nextCollection = Duration.zero

        while !Task.isCancelled {
            if now() >= nextCollection {
                nextID = await collect(into: &machine, nextID: nextID)
                nextCollection = max(nextCollection + configuration.interval, now())
            }
            switch machine.nextAction(now: now()) {
            case .send(let batch):
                let outcome = await send(batch)
                if Task.isCancelled { return }  // cancelled mid-request: the batch stays queued
                let decision = machine.sendFinished(outcome, now: now(), using: &generator)
                await apply(decision)
                updateGauges(machine)
            case .wait(let until):
                let wake = min(until ?? nextCollection, nextCollection)
                let delay = wake - now()
                if delay > .zero {
                    do { try await Task.sleep(for: delay) } catch { return }
                }
            }
        }
    }

    /// Snapshots, encodes and queues; returns the next id.
    private func collect(into machine: inout RemoteWriteStateMachine, nextID: Int64) async -> Int64 {
        let timestamp = wallClockMillis()
        let requests = encoder.encode(registry.snapshot(), timestampMillis: timestamp)
        var id = nextID
        for request in requests {
            let queue = self.queue, batchID = id
            do {
                let batch = try await pool.run { () throws -> RemoteWriteStateMachine.Batch in
                    try queue.append(id: batchID, body: request.body, samples: request.samples)
                }
                id += 1
                metrics.samples.labels("queued").increment(by: request.samples)
                await drop(machine.enqueue(batch), reason: .queueFull)
            } catch {
                // Not written: these samples are lost, like a dropped request.
                metrics.samples.labels("dropped").increment(by: request.samples)
                logger.error("remote write request not queued", metadata: ["error": "\(error)", "remote_write.samples": "\(request.samples)"])
            }
        }
        updateGauges(machine)
        return id
    }

    private func send(_ batch: RemoteWriteStateMachine.Batch) async -> RemoteWriteStateMachine.Outcome {
        let queue = self.queue
        let body: [UInt8]
        do { body = try await pool.run { () throws -> [UInt8] in try queue.read(batch) } } catch {
            logger.error("remote write request unreadable", metadata: ["error": "\(error)", "remote_write.id": "\(batch.id)"])
            return .unreadable
        }
        let started = ContinuousClock.now
        let result = await client.result(for: CurlRequest(method: "POST", url: configuration.url, headers: [
            "Content-Encoding: snappy",
            "Content-Type: application/x-protobuf",
            "User-Agent: vigil/\(VigilVersion.version)",
            "X-Prometheus-Remote-Write-Version: 0.1.0",
        ], body: body))
        metrics.duration.observe(ContinuousClock.now - started)
        let outcome: RemoteWriteStateMachine.Outcome
        switch result {
        case .success(let response):
            outcome = .status(response.status)
            if !(200...299).contains(response.status) {
                let text = String(decoding: response.body.prefix(512), as: UTF8.self)
                logger.warning("remote write request refused", metadata: [
                    "http.status": "\(response.status)", "remote_write.id": "\(batch.id)",
                    "remote_write.samples": "\(batch.samples)", "http.body": "\(text)"])
            }
        case .failure(let error):
            outcome = .noResponse
            if !error.isCancelled {
                logger.warning("remote write request got no response", metadata: ["error": "\(error)", "remote_write.id": "\(batch.id)"])
            }
        }
        metrics.requests.labels(RemoteWriteMetrics.statusClass(outcome)).increment()
        return outcome
    }

    private func apply(_ decision: RemoteWriteStateMachine.Decision) async {
        switch decision {
        case .delivered(let batch):
            await remove(batch)
            metrics.samples.labels("delivered").increment(by: batch.samples)
            metrics.lastSuccess.set(Double(wallClockMillis()) / 1000)
        case .retry:
            break
        case .drop(let batch, let reason):
            await drop([batch], reason: reason)
        }
    }

    private func drop(_ batches: [RemoteWriteStateMachine.Batch], reason: RemoteWriteStateMachine.DropReason) async {
        for batch in batches {
            await remove(batch)
            metrics.dropped.labels(reason.rawValue).increment()
            metrics.samples.labels("dropped").increment(by: batch.samples)
            logger.error("remote write request dropped", metadata: [
                "remote_write.reason": "\(reason.rawValue)", "remote_write.id": "\(batch.id)",
                "remote_write.samples": "\(batch.samples)"])
        }
    }

    private func remove(_ batch: RemoteWriteStateMachine.Batch) async {
        let queue = self.queue
        _ = try? await pool.run { queue.remove(batch) }
    }

    private func updateGauges(_ machine: RemoteWriteStateMachine) {
        metrics.queueBytes.set(Double(machine.bytes))
        metrics.queueRequests.set(Double(machine.queuedBatches))
    }
}
