import Logging
import VigilCore

// The file tailer's events: rotations and truncations of the files it follows.

/// A tailed file renamed away or deleted; the tailer reads it to its end before it closes it.
public struct FileRotated: InternalEvent {
    /// The file source's name.
    public var source: String
    public var path: String
    /// Deleted rather than renamed.
    public var deleted: Bool

    public init(source: String, path: String, deleted: Bool) { self.source = source; self.path = path; self.deleted = deleted }

    public struct Metrics: InternalEventMetrics {
        let rotations: CounterFamily
        public init(registry: MetricRegistry) {
            rotations = registry.counter("vigil_file_rotations_total", help: "Tailed files that were renamed away or deleted and drained.",
                                         labelNames: ["source", "kind"])
        }
        public func rotations(source: String, deleted: Bool) -> Double { rotations.labels(source, deleted ? "deleted" : "renamed").value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.info("file rotated, reading it to its end", metadata: ["source": "\(source)", "file.path": "\(path)", "file.deleted": "\(deleted)"])
        metrics.rotations.labels(source, deleted ? "deleted" : "renamed").increment()
    }
}

/// A tailed file that shrank below the read position (copy-truncate); reading restarts at 0.
public struct FileTruncated: InternalEvent {
    public var source: String
    public var path: String

    public init(source: String, path: String) { self.source = source; self.path = path }

    public struct Metrics: InternalEventMetrics {
        let truncations: CounterFamily
        public init(registry: MetricRegistry) {
            truncations = registry.counter(
                "vigil_file_truncations_total", help: "Tailed files that shrank below the read position (copy-truncate); reading restarted at 0.",
                labelNames: ["source"])
        }
        public func truncations(source: String) -> Double { truncations.labels(source).value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.warning("file truncated, reading again from the start", metadata: ["source": "\(source)", "file.path": "\(path)"])
        metrics.truncations.labels(source).increment()
    }
}

/// A file checkpoint committed by the spool's writer in the same transaction as the events (and dead letters)
/// read up to it: after a restart, reading resumes here.
public struct FileCheckpointCommitted: InternalEvent {
    public var source: String
    public var path: String
    public var offset: Int64

    public init(source: String, path: String, offset: Int64) { self.source = source; self.path = path; self.offset = offset }

    public struct Metrics: InternalEventMetrics {
        let checkpoints: CounterFamily
        public init(registry: MetricRegistry) {
            checkpoints = registry.counter("vigil_file_checkpoints_total",
                                           help: "File checkpoints committed with the events they cover, by source.", labelNames: ["source"])
        }
        public func checkpoints(source: String) -> Double { checkpoints.labels(source).value }
    }

    public func emit(to metrics: Metrics, logger: Logger) {
        logger.trace("file checkpoint committed", metadata: ["source": "\(source)", "file.path": "\(path)", "file.offset": "\(offset)"])
        metrics.checkpoints.labels(source).increment()
    }
}
