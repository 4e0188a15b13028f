/// Configuration of one `type: file` source.
///
/// ```yaml
/// sources:
///   - { type: file, paths: ["/var/log/app/*.log"], format: json, start_at: beginning }
/// ```
public struct FileTailerConfiguration: Sendable {
    /// Glob patterns (`glob(3)`: `*`, `?`, `[...]`).
    public var paths: [String]
    /// Patterns (`fnmatch(3)`) of paths to skip, matched against the whole path and the file name
    /// (e.g. `"*.gz"` skips compressed rotations).
    public var exclude: [String]
    public var format: LogFormat
    /// For files present at the first scan that have no checkpoint.
    public var startAt: StartPosition
    /// How often the globs are expanded again to find new, renamed and deleted files.
    public var scanInterval: Duration
    /// How often open files are checked for new data.
    public var pollInterval: Duration
    /// A last line without a newline is emitted after this long without new data.
    public var idleFlush: Duration
    /// Longer lines are cut to this many bytes, counted and dead-lettered as `too_large`.
    public var maxLineBytes: Int
    /// Bytes read per `pread`, which is also the largest batch handed to the sink at once.
    public var readChunkBytes: Int
    /// The `source` label and `Event.source` value.
    public var sourceName: String
    /// Return from `run()` once a scan has found the files and each was read to its end (`vigil ship`), instead
    /// of tailing them for ever. Pair it with a zero `idleFlush`, so a last line without a newline is not waited for.
    public var stopAtEnd: Bool

    public init(paths: [String], exclude: [String] = [], format: LogFormat = .json, startAt: StartPosition = .beginning,
                scanInterval: Duration = .seconds(1), pollInterval: Duration = .milliseconds(250),
                idleFlush: Duration = .seconds(5), maxLineBytes: Int = 1 << 20, readChunkBytes: Int = 1 << 20,
                sourceName: String = "file", stopAtEnd: Bool = false) {
        self.paths = paths
        self.exclude = exclude
        self.format = format
        self.startAt = startAt
        self.scanInterval = scanInterval
        self.pollInterval = pollInterval
        self.idleFlush = idleFlush
        self.maxLineBytes = maxLineBytes
        self.readChunkBytes = readChunkBytes
        self.sourceName = sourceName
        self.stopAtEnd = stopAtEnd
    }
}
