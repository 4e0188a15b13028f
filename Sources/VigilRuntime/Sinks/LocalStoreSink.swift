import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilInternalEvents
import VigilServer
import VigilStorage
import VigilHTTPClient

/// The embedded default sink: moves spooled blocks into the log store, then completes them in the spool.
/// It reads and completes through its ``SpoolConsumer`` (as the Elasticsearch sink does), which also handles
/// unreadable blocks and the spool's metrics.
///
/// Spool blocks are read after a cursor and appended to the store's open block; a flush (when a block is
/// full, or once a second) commits the store's blocks together with the highest spool block id they cover,
/// and only then are those spool blocks completed. A crash in between re-delivers them, and the store skips
/// them by that id. When the store falls behind (the oldest spooled block waits longer than
/// ``lagWarningSeconds``) it says so in `vigil_local_store_lag_seconds` and a warning; the spool keeps every
/// event meanwhile (back-pressure by its `when_full` policy). Enforces retention once a minute. On graceful
/// shutdown it drains what is spooled.
struct LocalStoreSink: Service {
    static let lagWarningSeconds: Double = 30

    let consumer: SpoolConsumer
    let store: LogStore
    let io: BlockingPool
    let logger: Logger
    let readiness: Readiness
    let now: @Sendable () -> Int64
    let retentionDeleted: Emitter<LocalStoreRetentionApplied>
    let stored: Emitter<LocalStoreEventsStored>
    let lag: Gauge

    init(spool: Spool, store: LogStore, io: BlockingPool, registry: MetricRegistry, readiness: Readiness, logger: Logger, now: @escaping @Sendable () -> Int64) {
        consumer = SpoolConsumer(spool: spool, sink: "local", registry: registry, logger: logger, nowMillis: now)
        self.store = store; self.io = io; self.logger = logger; self.readiness = readiness; self.now = now
        retentionDeleted = Emitter(registry: registry, logger: logger)
        stored = Emitter(registry: registry, logger: logger)
        lag = registry.gauge("vigil_local_store_lag_seconds",
                             help: "Age of the oldest spooled event not yet committed to the embedded log store (0 when caught up).").labels()
        readiness.register("sink.local")
    }

    func run() async throws {
        readiness.markReady("sink.local")
        var lastRetention: Int64 = 0
        var lastLagCheck: Int64 = 0
        var lastWarning: Int64 = 0
        var behind = false
        var cursor: Int64?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var moved = 0
            do {
                (moved, cursor) = try await moveBatch(after: cursor)
                if now() - lastRetention > 60_000 {
                    lastRetention = now()
                    let store = self.store, nowMillis = now()
                    let deleted = try await io.run { try store.enforceRetention(nowMillis: nowMillis) }
                    if deleted > 0 { retentionDeleted.emit(LocalStoreRetentionApplied(deleted: deleted)) }
                }
                readiness.markReady("sink.local")
            } catch {
                readiness.markNotReady("sink.local", reason: "log store write failed: \(error)")
                logger.error("log store write failed", metadata: ["error": "\(error)"])
                // Whatever was appended but not committed is dropped and read again from the spool.
                let store = self.store
                try? await io.run { try store.rewind() }
                cursor = nil
            }
            if now() - lastLagCheck >= 1000 {
                lastLagCheck = now()
                let consumer = self.consumer
                if let stats = try? await io.run({ try consumer.stats() }) {
                    let seconds = stats.oldestAppendedAtMillis.map { max(0, Double(lastLagCheck - $0) / 1000) } ?? 0
                    lag.set(seconds)
                    if seconds > Self.lagWarningSeconds {
                        if !behind || lastLagCheck - lastWarning >= 60_000 {
                            lastWarning = lastLagCheck
                            logger.warning("embedded log store is falling behind the spool",
                                           metadata: ["lag_seconds": "\(Int(seconds))", "spool.events": "\(stats.events)"])
                        }
                        behind = true
                    } else if behind, seconds < Self.lagWarningSeconds / 2 {
                        behind = false
                        logger.info("embedded log store caught up", metadata: ["lag_seconds": "\(Int(seconds))"])
                    }
                }
            }
            if moved == 0 {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
        // Drain: sources have stopped (they shut down before this sink), so this empties the spool.
        var drained = 0
        while let (moved, next) = try? await moveBatch(after: cursor), moved != 0 {
            drained += max(0, moved)
            cursor = next
        }
        let store = self.store, consumer = self.consumer
        if let flushed = try? await io.run({ () -> LogStoreFlush in
            let flushed = try store.flush()
            try consumer.complete(flushed.spoolBlockIDs)
            return flushed
        }) {
            stored.emit(LocalStoreEventsStored(count: flushed.stored))
        }
        logger.info("local log sink stopped", metadata: ["drained": "\(drained)"])
    }

    /// Appends up to 16 spool blocks after `cursor` to the store and commits when a flush is due, completing
    /// the committed spool blocks. Returns the number of events read (-1 when the consumer only discarded
    /// unreadable blocks: progress without events) and the new cursor.
    func moveBatch(after cursor: Int64?) async throws -> (Int, Int64?) {
        let consumer = self.consumer, store = self.store, now = self.now
        let (count, next, flushed) = try await io.run { () -> (Int, Int64?, Int) in
            let read = try consumer.read(after: cursor, limit: 16, maxBytes: 16 << 20)
            var next = cursor
            var events = 0
            for view in read.views {
                try store.append(view, nowMillis: now())
                events += view.entries.count
                next = view.blockID
            }
            var stored = 0
            if let flushed = try store.flushIfDue(nowMillis: now()) {
                try consumer.complete(flushed.spoolBlockIDs)
                stored = flushed.stored
            }
            return (read.views.isEmpty && read.discardedBlocks > 0 ? -1 : events, next, stored)
        }
        if flushed > 0 { stored.emit(LocalStoreEventsStored(count: flushed)) }
        return (count, next)
    }
}

extension LocalStoreSink {
    /// Opens the store in the data directory and builds the sink and its search.
    static func make(_ config: AgentConfiguration, storage: StorageRuntime, registry: MetricRegistry, readiness: Readiness,
                     logger: Logger, now: @escaping @Sendable () -> Int64) throws -> ConfiguredSink {
        let store = try LogStore(dataDirectory: config.storage.dataDir, configuration: LogStoreConfiguration(
            retentionSeconds: Int64(config.sinks.local.retentionSeconds), maxBytes: config.sinks.local.maxBytes,
            synchronous: storage.synchronous))
        let sink = LocalStoreSink(spool: storage.spool, store: store, io: BlockingPool(label: "vigil.sink.local"), registry: registry,
                                  readiness: readiness, logger: logger, now: now)
        let stored = sink.stored, consumer = sink.consumer
        return ConfiguredSink(
            name: "local", service: sink, logSearch: LocalLogSearch(store: store, io: BlockingPool(label: "vigil.search"), now: now),
            requestStop: {}, delivered: { Int(stored.metrics.storedEvents) }, deadLettered: { Int(consumer.eventsLostInCorruptBlocks) })
    }
}

/// `GET /v1/logs/search` over the embedded log store.
struct LocalLogSearch: LogSearching {
    let store: LogStore
    let io: BlockingPool
    let now: @Sendable () -> Int64

    func search(parameters: [(name: String, value: String)]) async throws -> [UInt8] {
        let query: LogQuery
        do {
            query = try LogQuery(queryItems: parameters.map { (name: $0.name, value: Optional($0.value)) }, nowMillis: now())
        } catch {
            throw LogSearchParameterError(parameter: error.parameter, message: error.reason)
        }
        let store = self.store
        let hits = try await io.run { try store.search(query) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(LogSearchResponse(hits: hits)))
    }
}
