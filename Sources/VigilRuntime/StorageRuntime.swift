import Foundation
import Logging
import VigilCore
import VigilStorage
import VigilHTTPClient

/// Opens the agent's SQLite state in the data directory (spool, checkpoints, dead letters) with the spool's
/// one writer, which every source commits through, and exposes the dead-letter count at scrape time.
final class StorageRuntime: Sendable {
    let database: VigilDatabase
    let spool: Spool
    /// The one way into the spool, for files, stdin and HTTP ingest alike.
    let writer: SpoolWriter
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

        // The one way in; the spool's own gauges belong to the one way out (the sink's `SpoolConsumer`).
        writer = SpoolWriter(spool: spool, registry: registry)
        let deadLetterRows = registry.gauge("vigil_dead_letters", help: "Entries in the dead-letter table.").labels()
        let deadLetters = self.deadLetters
        registry.addCollector {
            if let dl = try? deadLetters.stats() { deadLetterRows.set(Double(dl.rows)) }
        }
        logger.info("storage opened", metadata: ["path": "\(database.path)", "synchronous": "\(synchronous.rawValue)"])
    }
}
