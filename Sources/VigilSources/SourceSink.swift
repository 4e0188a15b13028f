import VigilCore
import VigilStorage

/// A line a source could not turn into an event, for the dead-letter table.
public struct RejectedLine: Sendable, Equatable {
    public var source: String
    /// Where it came from: `path:offset` for files, `stdin:line` for stdin.
    public var position: String
    public var reason: RejectReason
    public var message: String
    /// The line's bytes, at most ``RejectedLine/maxRawBytes``.
    public var raw: [UInt8]

    /// Dead letters keep at most this many bytes of a line (a 5 MiB line must not become a 5 MiB row).
    public static let maxRawBytes = 64 * 1024

    public init(source: String, position: String, reason: RejectReason, message: String, raw: some Collection<UInt8>) {
        self.source = source
        self.position = position
        self.reason = reason
        self.message = message
        self.raw = Array(raw.prefix(Self.maxRawBytes))
    }
}

/// Where a source hands its output: the runtime appends `events` and `rejects` and saves `checkpoint`
/// in ONE transaction (`Spool.append(records, checkpoint:)` plus the dead letters), then returns `true`.
/// `false` means back-pressure (spool full under `when_full: block`): the source waits and calls again with
/// the same batch. A thrown error is logged by the source, which then retries the same batch after a pause.
/// The source advances its in-memory checkpoint only after `true`. `checkpoint` is nil for stdin.
public typealias SourceSink = @Sendable (_ events: [Event], _ rejects: [RejectedLine], _ checkpoint: FileCheckpoint?) async throws -> Bool
