import Logging
import VigilCore

/// Something notable that happened inside the agent — a file rotated, a spool block found unreadable, a batch
/// dead-lettered — as one value whose ``emit(to:logger:)`` writes its fixed log message with its fields AND
/// updates its metrics, so the log line and the counter cannot drift apart (the pattern of Vector's
/// `src/internal_events`).
///
/// Each event names the metrics it updates in an ``InternalEventMetrics`` type whose handles are internal to
/// this module: outside it, the only way to move one of those counters is to emit the event. Events are
/// grouped by concern, one file each (`SpoolEvents.swift`, `FileEvents.swift`, …); every family they register
/// is in `docs/metrics.md`.
///
/// ```swift
/// let rotated = Emitter<FileRotated>(registry: registry, logger: logger)
/// rotated.emit(FileRotated(source: "app", path: "/var/log/app.log", deleted: false))
/// // {"level":"info","msg":"file rotated, reading it to its end","file.path":"/var/log/app.log",...}
/// // vigil_file_rotations_total{source="app",kind="renamed"} += 1
/// ```
public protocol InternalEvent: Sendable {
    associatedtype Metrics: InternalEventMetrics
    /// Logs the event's fixed message with its fields and updates `metrics`.
    func emit(to metrics: Metrics, logger: Logger)
}

/// The metric handles of one kind of event, looked up once per registry (so emitting only increments).
public protocol InternalEventMetrics: Sendable {
    init(registry: MetricRegistry)
}

/// Emits events of one kind: registers their metrics once, then each ``emit(_:)`` logs and counts.
public struct Emitter<Event: InternalEvent>: Sendable {
    /// The event's metric handles: only their read accessors are public, so only `emit` moves them.
    public let metrics: Event.Metrics
    public let logger: Logger

    public init(registry: MetricRegistry, logger: Logger) {
        metrics = Event.Metrics(registry: registry)
        self.logger = logger
    }

    public func emit(_ event: Event) {
        event.emit(to: metrics, logger: logger)
    }
}
