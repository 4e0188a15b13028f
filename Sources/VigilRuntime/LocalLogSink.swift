import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilServer
import VigilStorage
import VigilHTTPClient

/// The embedded default sink: moves spooled blocks into the log store, then completes them in the spool.
///
/// Spool blocks are read after a cursor and appended to the store's open block; a flush (when a block is
/// full, or once a second) commits the store's blocks together with the highest spool block id they cover,
/// and only then are those spool blocks completed. A crash in between re-delivers them, and the store skips
/// them by that id. When the store falls behind (the oldest spooled block waits longer than
/// ``lagWarningSeconds``) it says so in `vigil_local_store_lag_seconds` and a warning; the spool keeps every
/// event meanwhile (back-pressure by its `when_full` policy). Enforces retention once a minute. On graceful
/// shutdown it drains what is spooled.
struct LocalLogSink: Service {
    static let lagWarningSeconds: Double = 30

    let spool: Spool
    let store: LogStore
    let io: BlockingPool
    let logger: Logger
    let readiness: Readiness
    let now: @Sendable () -> Int64
    let retentionDeleted: Counter
    let stored: Counter
    let corruptBlocks: Counter
    let corruptEvents: Counter
    let lag: Gauge

    init(spool: Spool, store: LogStore, io: BlockingPool, registry: MetricRegistry, readiness: Readiness, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.spool = spool; self.store = store; self.io = io; self.logger = logger; self.readiness = readiness; self.now = now
        retentionDeleted = registry.counter("vigil_local_store_retention_deleted_total", help: "Events removed from the embedded log store by retention (age or size).").labels()
        stored = registry.counter("vigil_local_store_events_total", help: "Events written to the embedded log store.").labels()
        corruptBlocks = registry.counter("vigil_spool_corrupt_blocks_total",
                                         help: "Spool blocks that could not be read back, dead-lettered as corrupt_spool_block.").labels()
        corruptEvents = registry.counter("vigil_spool_corrupt_events_total", help: "Events lost in spool blocks that could not be read back.").labels()
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
                    if deleted > 0 { retentionDeleted.increment(by: deleted) }
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
                let spool = self.spool
                if let stats = try? await io.run({ try spool.stats() }) {
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
        let store = self.store, spool = self.spool
        if let flushed = try? await io.run({ () -> LogStoreFlush in
            let flushed = try store.flush()
            _ = try spool.complete(blockIDs: flushed.spoolBlockIDs)
            return flushed
        }) {
            stored.increment(by: flushed.stored)
        }
        logger.info("local log sink stopped", metadata: ["drained": "\(drained)"])
    }

    /// Appends up to 16 spool blocks after `cursor` to the store and commits when a flush is due, completing
    /// the committed spool blocks. Returns the number of events read (-1 when it discarded an unreadable block:
    /// progress without events) and the new cursor.
    func moveBatch(after cursor: Int64?) async throws -> (Int, Int64?) {
        let spool = self.spool, store = self.store, logger = self.logger, now = self.now
        let corruptBlocks = self.corruptBlocks, corruptEvents = self.corruptEvents
        let (count, next, flushed) = try await io.run { () -> (Int, Int64?, Int) in
            let views: [SpoolBlockView]
            do {
                views = try spool.oldestBlockViews(limit: 16, after: cursor, maxBytes: 16 << 20)
            } catch let error as SpoolCorruptBlockError {
                // An unreadable block must not wedge the sink: dead-letter it (with its event count) and go on.
                logger.error("spool block cannot be decoded; dead-lettered",
                             metadata: ["spool.block": "\(error.blockID)", "spool.events": "\(error.events)", "error": "\(error.reason)"])
                let lost = try spool.discardCorruptBlock(error, sink: "local")
                corruptBlocks.increment(by: 1)
                corruptEvents.increment(by: Int(lost))
                return (-1, cursor, 0)
            }
            var next = cursor
            var read = 0
            for view in views {
                try store.append(view, nowMillis: now())
                read += view.entries.count
                next = view.blockID
            }
            var stored = 0
            if let flushed = try store.flushIfDue(nowMillis: now()) {
                _ = try spool.complete(blockIDs: flushed.spoolBlockIDs)
                stored = flushed.stored
            }
            return (read, next, stored)
        }
        if flushed > 0 { stored.increment(by: flushed) }
        return (count, next)
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
