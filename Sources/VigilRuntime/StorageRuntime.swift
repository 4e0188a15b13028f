import Foundation
import Logging
import VigilCore
import VigilStorage
import VigilHTTPClient

/// Opens the agent's SQLite state in the data directory (spool, checkpoints, dead letters) and exposes
/// the spool's figures as metrics, read at scrape time.
final class StorageRuntime: Sendable {
    let database: VigilDatabase
    let spool: Spool
    let deadLetters: DeadLetterStore
    let io = BlockingPool(label: "vigil.storage")
    let synchronous: SQLiteSynchronous

    init(settings: StorageSettings, registry: MetricRegistry, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: settings.dataDir, withIntermediateDirectories: true)
        synchronous = SQLiteSynchronous(rawValue: settings.synchronous.rawValue.uppercased()) ?? .normal
        database = try VigilDatabase(dataDirectory: settings.dataDir, synchronous: synchronous)
        deadLetters = try DeadLetterStore(database: database, configuration: DeadLetterConfiguration(maxBytes: settings.deadLetterMaxBytes))
        spool = try Spool(database: database, configuration: SpoolConfiguration(
            maxBytes: settings.spoolMaxBytes,
            whenFull: settings.spoolWhenFull == .block ? .block : .dropOldest,
            synchronous: synchronous), deadLetters: deadLetters)

        let bytes = registry.gauge("vigil_spool_bytes", help: "Bytes of undelivered blocks in the spool.").labels()
        let events = registry.gauge("vigil_spool_events", help: "Undelivered events in the spool.").labels()
        let oldest = registry.gauge("vigil_spool_oldest_age_seconds", help: "Age of the oldest undelivered block in the spool.").labels()
        let dropped = registry.counter("vigil_spool_dropped_total", help: "Events dropped by when_full: drop_oldest.").labels()
        let deadLetterRows = registry.gauge("vigil_dead_letters", help: "Entries in the dead-letter table.").labels()
        let spool = self.spool, deadLetters = self.deadLetters
        registry.addCollector {
            guard let stats = try? spool.stats() else { return }
            bytes.set(Double(stats.bytes))
            events.set(Double(stats.events))
            let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
            oldest.set(stats.oldestAppendedAtMillis.map { Double(max(0, nowMillis - $0)) / 1000 } ?? 0)
            let delta = Double(stats.droppedTotal) - dropped.value
            if delta > 0 { dropped.increment(by: delta) }
            if let dl = try? deadLetters.stats() { deadLetterRows.set(Double(dl.rows)) }
        }
        logger.info("storage opened", metadata: ["path": "\(database.path)", "synchronous": "\(synchronous.rawValue)"])
    }
}
