import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilCore
import VigilInternalEvents
import VigilGzip
import VigilHTTPClient
import VigilStorage

/// Ships spooled events to Elasticsearch `_bulk`, at least once, with idempotent `create` ids.
///
/// Every decision is made by two pure state machines in VigilCore: `ShipperStateMachine` (when to read the
/// spool, launch a batch, complete blocks, flush and stop) and, per batch, `BulkBatchStateMachine` (what to
/// send, split, retry after a backoff or dead-letter). This type only performs their actions: spool reads and
/// completions through its `SpoolConsumer` (the one way out of the spool, shared with the embedded log store's
/// sink: it also handles unreadable blocks and the spool's metrics) on a `BlockingPool`, encoding, requests
/// through `HTTPClient`, sleeps, metrics and logs.
///
/// Invariants:
/// - A spool block is completed only when each of its events is delivered (2xx), known indexed (409)
///   or stored in the dead-letter table; anything else stays in the spool for the next attempt or start.
/// - Only the failed items of a request are resent (`429`/`5xx` items); whole-request failures resend
///   the same items; `413` (and `400`) split the request in halves down to one document.
/// - At most `maxInFlight` requests (first attempts and retries alike) are outstanding.
/// - Blocking work (libcurl, SQLite) runs on `BlockingPool` threads, never on the cooperative pool.
///
/// ```swift
/// let shipper = try ElasticsearchShipper(configuration: .init(url: "http://127.0.0.1:9200"), spool: spool,
///                                        deadLetters: spool.deadLetters, metrics: registry, logger: logger)
/// let group = ServiceGroup(services: [shipper], logger: logger)   // graceful shutdown flushes
/// ```
public final class ElasticsearchShipper: Service, Sendable {
    public let configuration: ElasticsearchConfiguration
    /// Compresses request bodies; nil sends them as they are (`gzip_level: 0`).
    let compressor: GzipCompressor?
    /// Reads and completes spool blocks; owns unreadable-block handling and the spool gauges.
    public let consumer: SpoolConsumer
    let deadLetters: DeadLetterStore
    let logger: Logger
    let events: ElasticsearchEvents
    private let client: HTTPClient
    private let io: BlockingPool
    private let encoderConfiguration: BulkEncoderConfiguration
    let backoff: Backoff
    /// Reached Elasticsearch yet (for `/readyz`): set by the start-up probe and by every `_bulk` answer.
    public let contact: ElasticsearchContact
    /// Which host each request goes to (round-robin over those up; failover and health checks).
    let hosts: ElasticsearchHostPool
    private let shutdownRequested = Atomic<Bool>(false)

    public init(configuration: ElasticsearchConfiguration, spool: Spool, deadLetters: DeadLetterStore, metrics registry: MetricRegistry,
                logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment,
                contact: ElasticsearchContact = ElasticsearchContact()) throws {
        let problems = configuration.validationErrors()
        guard problems.isEmpty else { throw ElasticsearchConfigurationError(problems: problems) }
        self.configuration = configuration
        compressor = configuration.compressor
        consumer = SpoolConsumer(spool: spool, sink: "elasticsearch", registry: registry, logger: logger)
        self.deadLetters = deadLetters
        self.logger = logger
        events = ElasticsearchEvents(registry: registry, logger: logger)
        // Credentials, timeouts and TLS are the client's; it logs the insecure-TLS warning.
        client = try configuration.makeHTTPClient(logger: logger, environment: environment)
        io = BlockingPool(label: "vigil-es-spool")
        encoderConfiguration = configuration.encoderConfiguration(hostName: configuration.hostName ?? ProcessInfo.processInfo.hostName)
        backoff = Backoff(initial: configuration.backoff.initial, maximum: configuration.backoff.max)
        self.contact = contact
        hosts = ElasticsearchHostPool(configuration: configuration, registry: registry, logger: logger)
    }

    deinit {
        client.shutdown()
        io.shutdown()
    }

    /// Documents known indexed (delivered or 409) so far: what `vigil_elasticsearch_documents_total` shows.
    public var acknowledgedDocuments: Double { events.delivered.metrics.acknowledged }
    /// Documents put in the dead-letter table so far.
    public var deadLetteredDocuments: Double { events.deadLettered.metrics.deadLettered }

    /// Asks the shipper to flush and stop, as a graceful shutdown of its service group does.
    public func requestShutdown() { shutdownRequested.store(true, ordering: .relaxed) }

    // MARK: Run loop

    /// A spool block being shipped: its bytes (shared, uncopied, by every batch that carries some of its
    /// documents) and the entries not yet put in a batch (`entries[next...]`).
    struct PendingBlock: Sendable {
        var blockID: Int64
        var bytes: SpoolBlockBuffer?
        var entries: [SpoolEntry]
        var next = 0
    }

    /// A run of consecutive documents of one block inside a batch.
    struct BatchPart: Sendable {
        var blockID: Int64
        var bytes: SpoolBlockBuffer
        var entries: ArraySlice<SpoolEntry>
    }

    /// A request's documents (as runs of blocks, in order) and their encoding. Documents are addressed by
    /// their position in the batch; bookkeeping is per block, not per document.
    struct Batch: Sendable {
        var parts: [BatchPart]
        var encoded: EncodedBatch
        var count: Int { encoded.count }

        /// The document at `position`: its block's bytes and its entry (a walk over the parts; only dead
        /// letters need it).
        func document(at position: Int) -> (bytes: SpoolBlockBuffer, entry: SpoolEntry) {
            var rest = position
            for part in parts {
                if rest < part.entries.count { return (part.bytes, part.entries[part.entries.startIndex + rest]) }
                rest -= part.entries.count
            }
            preconditionFailure("document \(position) is not in a batch of \(count)")
        }
    }

    /// What a batch task reports to the loop: how many documents of each block it resolved.
    enum LoopEvent: Sendable {
        case timerFired
        case finished(resolved: [BlockDocuments])
    }

    public func run() async throws {
        let redactedURL = CurlError.redact(configuration.url)
        logger.info("Elasticsearch shipper started", metadata: [
            "es.url": "\(redactedURL)", "es.hosts": "\(hosts.labels.joined(separator: ","))", "es.auth": "\(configuration.auth.type.rawValue)",
            "es.gzip": "\(compressor.map(\.description) ?? "off")", "es.max_in_flight": "\(configuration.maxInFlight)",
        ])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.probeUntilContact() }
                group.addTask {
                    let configuration = self.configuration
                    await self.hosts.runHealthChecks(baseURL: { configuration.baseURL(host: $0) }, send: { await self.sendRequest($0) })
                }
                await self.loop()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.requestShutdown()
        }
        logger.info("Elasticsearch shipper stopped")
    }

    var stateMachineConfiguration: ShipperStateMachine.Configuration {
        ShipperStateMachine.Configuration(maxInFlight: configuration.maxInFlight, maxEvents: configuration.batch.maxEvents,
                                          maxBytes: configuration.batch.maxBytes, batchTimeout: configuration.batch.timeout,
                                          shutdownTimeout: configuration.shutdownTimeout, statsInterval: configuration.statsInterval,
                                          pollInterval: .milliseconds(20), readBackoff: backoff)
    }

    /// The driver of `ShipperStateMachine`: performs its actions (spool reads, batch encoding, completions)
    /// and reports what happened. Every decision is the machine's.
    private func loop() async {
        let clock = ContinuousClock()
        let start = clock.now
        var machine = ShipperStateMachine(configuration: stateMachineConfiguration)
        var encoder = BulkEncoder(configuration: encoderConfiguration)
        var blocks: [PendingBlock] = []   // blocks[blocksHead...] still have entries to batch
        var blocksHead = 0
        var rng = SystemRandomNumberGenerator()
        let maxEvents = configuration.batch.maxEvents
        let maxBytes = configuration.batch.maxBytes
        let consumer = self.consumer

        func complete(_ done: [Int64]) async {
            guard !done.isEmpty else { return }
            do {
                _ = try await io.run { try consumer.complete(done) }
            } catch {
                // The blocks stay; after a restart they are resent and answered 409, which is harmless.
                logger.error("cannot complete spool blocks", metadata: ["error": "\(error)"])
            }
        }

        await withTaskGroup(of: LoopEvent.self) { group in
            var stopRequested = false
            loop: while true {
                let now = clock.now - start
                if !stopRequested, shutdownRequested.load(ordering: .relaxed) || Task.isCancelled {
                    stopRequested = true
                    if case let .startFlushing(inFlight) = machine.shutdownRequested(now: now) {
                        logger.info("Elasticsearch shipper flushing before shutdown", metadata: ["es.in_flight": "\(inFlight)"])
                    }
                }
                if Task.isCancelled, case let .cancelInFlight(inFlight, pending)? = machine.cancelled() {
                    group.cancelAll()
                    logger.warning("shutdown deadline reached; undelivered events stay in the spool",
                                   metadata: ["es.in_flight": "\(inFlight)", "es.pending": "\(pending)"])
                }
                switch machine.nextAction(now: now) {
                case .refreshStats:
                    await refreshSpoolGauges()

                case let .readSpool(after, budget, wanted):
                    do {
                        // Unreadable blocks are the consumer's: dead-lettered, counted and skipped inside the read.
                        let views = try await io.run { try consumer.read(after: after, limit: 32, maxBytes: budget, maxEvents: wanted).views }
                        if blocksHead > 0 { blocks.removeFirst(blocksHead); blocksHead = 0 }
                        var read: [ShipperStateMachine.BlockRead] = []
                        read.reserveCapacity(views.count)
                        for view in views {
                            var bodyBytes = 0
                            for entry in view.entries { bodyBytes += entry.body.count }
                            read.append(.init(blockID: view.blockID, events: view.entries.count, bodyBytes: bodyBytes))
                            if !view.entries.isEmpty { blocks.append(PendingBlock(blockID: view.blockID, bytes: view.bytes, entries: view.entries)) }
                        }
                        let empty = machine.blocksRead(read, now: now)
                        if !empty.isEmpty { _ = try? await io.run { try consumer.complete(empty) } }
                    } catch {
                        _ = machine.readFailed(now: now, using: &rng)
                        logger.error("cannot read the spool", metadata: ["error": "\(error)"])
                    }

                case let .launchBatch(taking, bodyEstimate):
                    // Sized from the bodies it will hold (plus action line and ECS fields, plus room for the
                    // encoder's per-item bound), so the buffer is allocated once: growing a half-megabyte array
                    // copies it and faults in fresh pages.
                    var encoded = EncodedBatch()
                    encoded.reserveCapacity(min(maxBytes, bodyEstimate + taking * 320) + 65_536, items: taking)
                    var parts: [BatchPart] = []
                    var full = false
                    var bodyBytes = 0
                    var events = 0
                    while !full, blocksHead < blocks.count, encoded.count < maxEvents {
                        let block = blocks[blocksHead]
                        guard let blockBytes = block.bytes else { blocksHead += 1; continue }
                        let first = block.next
                        var next = first
                        blockBytes.withUnsafeBufferPointer { bytes in
                            while next < block.entries.count, encoded.count < maxEvents {
                                let entry = block.entries[next]
                                // Stop before a document would push the request past max_bytes (a lone big one still goes).
                                if encoded.count > 0, encoded.bytes.count + entry.body.count + 256 > maxBytes { full = true; break }
                                let shape = entry.shape.flatMap { DocumentShape(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[$0])) }
                                encoder.append(id: UnsafeBufferPointer(rebasing: bytes[entry.id]), timestampMillis: entry.timestampMillis,
                                               body: UnsafeBufferPointer(rebasing: bytes[entry.body]), shape: shape, to: &encoded)
                                bodyBytes += entry.body.count
                                next += 1
                            }
                        }
                        if next > first {
                            parts.append(BatchPart(blockID: block.blockID, bytes: blockBytes, entries: block.entries[first..<next]))
                            events += next - first
                        }
                        if next == block.entries.count {
                            // Every entry is in a batch: drop the queue's reference so the bytes go with the last batch.
                            blocks[blocksHead] = PendingBlock(blockID: block.blockID, bytes: nil, entries: [])
                            blocksHead += 1
                        } else {
                            blocks[blocksHead].next = next
                        }
                    }
                    machine.batchLaunched(events: events, bodyBytes: bodyBytes, now: now)
                    let batch = Batch(parts: parts, encoded: encoded)
                    group.addTask { await self.send(batch) }

                case let .cancelInFlight(inFlight, pending):
                    group.cancelAll()
                    logger.warning("shutdown deadline reached; undelivered events stay in the spool",
                                   metadata: ["es.in_flight": "\(inFlight)", "es.pending": "\(pending)"])

                case let .wait(timer):
                    if let timer {
                        group.addTask {
                            try? await Task.sleep(for: timer)
                            return .timerFired
                        }
                    }
                    guard let event = await group.next() else { continue }
                    switch event {
                    case .timerFired:
                        machine.timerFired()
                    case let .finished(resolved):
                        await complete(machine.batchFinished(resolved: resolved))
                    }

                case .finish:
                    break loop
                }
            }
            group.cancelAll()
        }
        await refreshSpoolGauges()
    }

    /// One request with the client's credentials.
    func sendRequest(_ request: CurlRequest) async -> Result<CurlResponse, CurlError> {
        await client.result(for: request)
    }

    func ioRun<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await io.run(body)
    }

    /// The spool gauges are the consumer's; the state machine's periodic refresh asks it too (`vigil es drain`
    /// has no scrapes).
    private func refreshSpoolGauges() async {
        let consumer = self.consumer
        _ = try? await io.run { consumer.refreshGauges() }
    }
}
