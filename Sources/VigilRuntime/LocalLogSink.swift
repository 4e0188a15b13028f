import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilServer
import VigilStorage
import VigilHTTPClient

/// The embedded default sink: moves spooled blocks into the SQLite log store, then completes them in
/// the spool. A block is completed only after its events are committed in the store (inserts are
/// idempotent by event id), so a crash in between replays the block without duplicating anything.
/// Enforces the store's retention once a minute. On graceful shutdown it drains what is spooled.
struct LocalLogSink: Service {
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

    init(spool: Spool, store: LogStore, io: BlockingPool, registry: MetricRegistry, readiness: Readiness, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.spool = spool; self.store = store; self.io = io; self.logger = logger; self.readiness = readiness; self.now = now
        retentionDeleted = registry.counter("vigil_local_store_retention_deleted_total", help: "Events removed from the embedded log store by retention (age or size).").labels()
        stored = registry.counter("vigil_local_store_events_total", help: "Events written to the embedded log store.").labels()
        corruptBlocks = registry.counter("vigil_spool_corrupt_blocks_total",
                                         help: "Spool blocks that could not be read back, dead-lettered as corrupt_spool_block.").labels()
        corruptEvents = registry.counter("vigil_spool_corrupt_events_total", help: "Events lost in spool blocks that could not be read back.").labels()
        readiness.register("sink.local")
    }

    func run() async throws {
        readiness.markReady("sink.local")
        var lastRetention: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var moved = 0
            do {
                moved = try await moveBatch()
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
            }
            if moved == 0 {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
        // Drain: sources have stopped (they shut down before this sink), so this empties the spool.
        var drained = 0
        while let moved = try? await moveBatch(), moved != 0 { drained += max(0, moved) }
        logger.info("local log sink stopped", metadata: ["drained": "\(drained)"])
    }

    /// Moves up to 16 blocks; returns the number of events moved, or -1 when it discarded an unreadable block
    /// (progress without events).
    func moveBatch() async throws -> Int {
        let spool = self.spool, store = self.store, logger = self.logger
        let corruptBlocks = self.corruptBlocks, corruptEvents = self.corruptEvents
        let count = try await io.run { () -> Int in
            let blocks: [SpoolBlock]
            do {
                blocks = try spool.oldestBlocks(limit: 16)
            } catch let error as SpoolCorruptBlockError {
                // An unreadable block must not wedge the sink: dead-letter it (with its event count) and go on.
                logger.error("spool block cannot be decoded; dead-lettered",
                             metadata: ["spool.block": "\(error.blockID)", "spool.events": "\(error.events)", "error": "\(error.reason)"])
                let lost = try spool.discardCorruptBlock(error, sink: "local")
                corruptBlocks.increment(by: 1)
                corruptEvents.increment(by: Int(lost))
                return -1
            }
            guard !blocks.isEmpty else { return 0 }
            var records: [SpoolRecord] = []
            for block in blocks { records.append(contentsOf: block.records) }
            _ = try store.insert(records)
            _ = try spool.complete(blockIDs: blocks.map(\.blockID))
            return records.count
        }
        if count > 0 { stored.increment(by: count) }
        return count
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
