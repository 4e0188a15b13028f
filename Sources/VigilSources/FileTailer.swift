#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import ServiceLifecycle
import VigilCore
import VigilInternalEvents
import VigilStorage

/// Tails files matching glob patterns through rotation, truncation and restarts, runs every line through
/// the ``EventPipeline`` and hands batches to a ``SourceSink``.
///
/// Invariants:
/// - A batch is one read chunk of one file: its events, its rejects and the checkpoint just after its last
///   complete (logical) line. The in-memory checkpoint advances only when the sink returned `true`, and the
///   next chunk is read only then, so memory is bounded by one chunk per file and a slow sink slows reading.
/// - Restarting from the last checkpoint the sink stored re-reads exactly the lines after it.
/// - The decisions (what to open, where to start, rotation, truncation, closing) are made by
///   ``FileTailStateMachine``; this type only performs I/O.
///
/// ```swift
/// let writer = SpoolWriter(spool: spool, registry: registry)   // the runtime runs its appends on a BlockingPool
/// let tailer = FileTailer(configuration: .init(paths: ["/var/log/app/*.log"]), pipeline: pipeline,
///                         registry: registry, checkpoints: try spool.loadCheckpoints(), sink: { events, rejects, checkpoint in
///     let letters = rejects.map { DeadLetterInput(source: $0.source, position: $0.position, reason: $0.reason.rawValue, detail: $0.message, raw: $0.raw) }
///     return try writer.append(events, source: "file", checkpoint: checkpoint, deadLetters: letters) == .committed
/// })
/// ```
public struct FileTailer: Service {
    public let configuration: FileTailerConfiguration
    let pipeline: EventPipeline
    let checkpoints: [FileCheckpoint]
    let sink: SourceSink
    let logger: Logger
    let nowMillis: @Sendable () -> Int64
    let truncated: Emitter<FileTruncated>
    let rotated: Emitter<FileRotated>
    let readBytes: Counter
    let openFiles: Gauge

    /// - Parameters:
    ///   - pipeline: a configured pipeline (this tailer uses its own copy).
    ///   - checkpoints: as stored by the sink (`Spool.loadCheckpoints()`).
    ///   - nowMillis: wall-clock milliseconds for events without a timestamp.
    public init(configuration: FileTailerConfiguration, pipeline: EventPipeline, registry: MetricRegistry,
                checkpoints: [FileCheckpoint], logger: Logger = Logger(label: "vigil.sources.file"),
                nowMillis: @escaping @Sendable () -> Int64 = FileTailer.wallClockMillis, sink: @escaping SourceSink) {
        self.configuration = configuration
        self.pipeline = pipeline
        self.checkpoints = checkpoints
        self.sink = sink
        self.logger = logger
        self.nowMillis = nowMillis
        let source = configuration.sourceName
        truncated = Emitter(registry: registry, logger: logger)
        rotated = Emitter(registry: registry, logger: logger)
        readBytes = registry.counter(
            "vigil_file_read_bytes_total", help: "Bytes read from tailed files.", labelNames: ["source"]).labels([source])
        openFiles = registry.gauge("vigil_files_open", help: "Files currently open by the tailer.", labelNames: ["source"]).labels([source])
    }

    /// `CLOCK_REALTIME` in milliseconds.
    @Sendable public static func wallClockMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// One open file. Only its tailer task uses it, so the framer and decoder, mutated once per line, skip
    /// the dynamic exclusivity check a class property otherwise costs on every access.
    final class Reader {
        let id: Int
        let fd: Int32
        var path: String
        @exclusivity(unchecked) var framer: LineFramer
        @exclusivity(unchecked) var decoder: ContainerLogDecoder
        let namespace: DeterministicID.Namespace
        var atEnd = false
        var lastData: ContinuousClock.Instant

        init(id: Int, fd: Int32, path: String, offset: Int64, configuration: FileTailerConfiguration,
             namespace: DeterministicID.Namespace, now: ContinuousClock.Instant) {
            self.id = id
            self.fd = fd
            self.path = path
            framer = LineFramer(maxLineBytes: configuration.maxLineBytes, position: offset)
            decoder = ContainerLogDecoder(format: configuration.format, maxLineBytes: configuration.maxLineBytes)
            self.namespace = namespace
            lastData = now
        }

        /// The offset up to which every line has been emitted.
        var safeOffset: Int64 {
            [decoder.pendingStart, framer.pendingStart].compactMap { $0 }.min() ?? framer.position
        }
    }

    public func run() async throws {
        do {
            try await tail()
        } catch is CancellationError {
            // Shutdown: whatever the sink has not taken is read again from the checkpoint next time.
        }
    }

    func tail() async throws {
        var machine = FileTailStateMachine(startAt: configuration.startAt, checkpoints: checkpoints)
        var readers: [Int: Reader] = [:]
        let lines = LineBatch(pipeline: pipeline, source: configuration.sourceName)
        let clock = ContinuousClock()
        var lastScan: ContinuousClock.Instant?
        let chunkBytes = max(4096, configuration.readChunkBytes)
        // Room after a chunk for the lines that began in the previous one.
        var arenas = BodyArenas(capacity: chunkBytes + 65_536)
        defer {
            for r in readers.values { close(r.fd) }
            openFiles.set(0)
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now
            var observations: [FileTailStateMachine.Observation]?
            if lastScan == nil || now - lastScan! >= configuration.scanInterval {
                observations = scan()
                lastScan = now
            }
            var statuses: [FileTailStateMachine.Status] = []
            for r in readers.values {
                var st = stat()
                if fstat(r.fd, &st) == 0 {
                    statuses.append(.init(id: r.id, size: Int64(st.st_size), linkCount: Int(st.st_nlink), atEnd: r.atEnd))
                }
            }
            for action in machine.poll(observations: observations, statuses: statuses) {
                switch action {
                case .open(let path, let device, let inode):
                    if let r = openReader(path: path, device: device, inode: inode, machine: &machine, now: now) {
                        readers[r.id] = r
                    }
                case .truncated(let id):
                    truncated.emit(FileTruncated(source: configuration.sourceName, path: readers[id]?.path ?? ""))
                    readers[id]?.framer.reset(to: 0)
                    readers[id]?.decoder.reset()
                case .draining(let id, let deleted):
                    rotated.emit(FileRotated(source: configuration.sourceName, path: readers[id]?.path ?? "", deleted: deleted))
                case .close(let id):
                    if let r = readers.removeValue(forKey: id) { close(r.fd) }
                    machine.closed(id: id)
                }
            }
            openFiles.set(Double(readers.count))
            for id in machine.openIDs {
                guard let r = readers[id] else { continue }
                if let p = machine.path(of: id) { r.path = p }
                try await readAvailable(r, machine: &machine, lines: lines, chunkBytes: chunkBytes, arenas: &arenas, clock: clock)
            }
            // `stop_at_end` (`vigil ship`): done once this round's scan found the files and each was read to its end.
            if configuration.stopAtEnd, observations != nil,
               readers.values.allSatisfy({ $0.atEnd && !$0.framer.hasPartial && $0.decoder.pendingStart == nil }) {
                return
            }
            try await Task.sleep(for: configuration.pollInterval)
        }
    }

    /// Expands every pattern and `stat`s the regular files found.
    func scan() -> [FileTailStateMachine.Observation] {
        var seen = Set<String>()
        var result: [FileTailStateMachine.Observation] = []
        for pattern in configuration.paths {
            for path in Glob.expand(pattern) where seen.insert(path).inserted && !Glob.isExcluded(path, by: configuration.exclude) {
                var st = stat()
                guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                result.append(.init(path: path, device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size)))
            }
        }
        return result
    }

    func openReader(path: String, device: UInt64, inode: UInt64, machine: inout FileTailStateMachine,
              now: ContinuousClock.Instant) -> Reader? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            logger.warning("cannot open file", metadata: ["file.path": "\(path)", "error.errno": "\(errno)"])
            return nil
        }
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_dev) == device, UInt64(st.st_ino) == inode else {
            // Replaced between the scan and the open: the next scan sees the new file.
            close(fd)
            return nil
        }
        let prefix = readPrefix(fd)
        let (id, offset) = machine.opened(path: path, device: device, inode: inode, size: Int64(st.st_size), prefix: prefix)
        let key = machine.fingerprint(of: id)?.key ?? "\(device):\(inode)"
        logger.info("tailing file", metadata: ["file.path": "\(path)", "file.key": "\(key)", "file.offset": "\(offset)"])
        return Reader(id: id, fd: fd, path: path, offset: offset, configuration: configuration,
                      namespace: DeterministicID.namespace(key), now: now)
    }

    func readPrefix(_ fd: Int32) -> [UInt8] {
        var prefix = [UInt8](repeating: 0, count: FileFingerprint.maxLength)
        let n = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, FileFingerprint.maxLength, 0) }
        prefix.removeLast(FileFingerprint.maxLength - max(0, n))
        return prefix
    }

    /// Reads, frames and delivers everything available in `r`, chunk by chunk.
    func readAvailable(_ r: Reader, machine: inout FileTailStateMachine, lines: LineBatch,
                       chunkBytes: Int, arenas: inout BodyArenas, clock: ContinuousClock) async throws {
        var arena = arenas.current
        lines.start(readTime: nowMillis(), arena: arena)
        let emit = { (line: ContainerLogDecoder.Line) in lines.take(line, from: r) }
        while !Task.isCancelled {
            let position = r.framer.position
            lines.clear()
            // The chunk is read straight into the arena its events keep their bodies in: a whole line is
            // referred to where it was read (no copy, no allocation per event); a line that began in the last
            // chunk, or was cut or redacted, is copied after the chunk or kept in its own array.
            arena = arenas.next()
            lines.context.bodyArena = arena
            var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
            let n = arena.fill(upTo: chunkBytes) { room in
                let n = pread(r.fd, room.baseAddress, room.count, off_t(position))
                if n > 0 { chunk = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(room)[0..<n]) }
                return n
            }
            if n < 0 {
                arenas.giveBack()
                logger.error("read failed", metadata: ["file.path": "\(r.path)", "error.errno": "\(errno)"])
                return
            }
            if n == 0 {
                arenas.giveBack()
                r.atEnd = true
                break
            }
            r.atEnd = false
            r.lastData = clock.now
            readBytes.increment(by: n)
            withExtendedLifetime(arena) {
                r.framer.feed(chunk) { line in
                    r.decoder.decode(line, emit)
                }
            }
            machine.advanced(id: r.id, to: r.framer.position)
            if machine.needsLongerFingerprint(id: r.id, size: r.framer.position) {
                machine.updateFingerprint(id: r.id, prefix: readPrefix(r.fd))
            }
            try await deliver(lines.events, lines.rejects, r, machine: &machine)
        }
        // A last line without a newline is emitted once the file has been quiet for `idle_flush`.
        if r.atEnd && (r.framer.hasPartial || r.decoder.pendingStart != nil)
            && clock.now - r.lastData >= configuration.idleFlush {
            lines.clear()
            let end = r.framer.position
            r.framer.flush { line in r.decoder.decode(line, emit) }
            r.decoder.flush(end: end, emit)
            try await deliver(lines.events, lines.rejects, r, machine: &machine)
        }
        lines.clear()
    }

    /// Hands one batch to the sink until it is taken; advances the checkpoint only then.
    func deliver(_ events: [Event], _ rejects: [RejectedLine], _ r: Reader, machine: inout FileTailStateMachine) async throws {
        let offset = r.safeOffset
        guard let checkpoint = machine.checkpoint(id: r.id, offset: offset) else { return }
        var wait = Duration.milliseconds(50)
        var warned = false
        while true {
            do {
                if try await sink(events, rejects, checkpoint) { break }
                if !warned {
                    logger.notice("sink is full, pausing the file source", metadata: ["file.path": "\(r.path)"])
                    warned = true
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.error("sink failed, retrying the same batch", metadata: ["file.path": "\(r.path)", "error": "\(error)"])
                wait = .seconds(1)
            }
            if Task.isShuttingDownGracefully { throw CancellationError() }
            try await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(1))
        }
        machine.acknowledged(id: r.id, offset: offset)
    }
}

/// A tailer's per-line state: its pipeline, the line context (changed in place per line) and the batch of
/// events and rejected lines being built for the sink.
///
/// A class with unchecked exclusivity, only ever used by its tailer's task: the framer and decoder call back
/// per line through closures, and local variables captured by them cost a dynamic exclusivity check on each
/// access (several per line, about 1% of the agent's CPU time when shipping).
final class LineBatch {
    @exclusivity(unchecked) var pipeline: EventPipeline
    @exclusivity(unchecked) var events: [Event] = []
    @exclusivity(unchecked) var rejects: [RejectedLine] = []
    /// Building a context per line cost a retain and a release of its source name and arena each time.
    @exclusivity(unchecked) var context: LineContext
    @exclusivity(unchecked) private var readTime: Int64 = 0

    init(pipeline: EventPipeline, source: String) {
        self.pipeline = pipeline
        context = LineContext(source: source, id: "", readTimeMillis: 0)
    }

    /// Starts a read: lines without a time of their own get `readTime`; bodies go to `arena`.
    func start(readTime: Int64, arena: EventBodyArena) {
        self.readTime = readTime
        context.bodyArena = arena
    }

    /// Empties the batch, keeping its capacity.
    func clear() {
        events.removeAll(keepingCapacity: true)
        rejects.removeAll(keepingCapacity: true)
    }

    /// Runs one line of `reader`'s file through the pipeline into the batch.
    @inline(__always)
    func take(_ line: ContainerLogDecoder.Line, from reader: FileTailer.Reader) {
        context.id = DeterministicID.make(reader.namespace, position: line.start)
        context.readTimeMillis = line.timeMillis ?? readTime
        context.truncated = line.truncated
        // Blank lines are counted by the pipeline but there is nothing worth keeping.
        if let rejection = pipeline.process(line.bytes, context: context, appendingTo: &events), rejection.reason != .empty {
            rejects.append(RejectedLine(source: context.source, position: "\(reader.path):\(line.start)", reason: rejection.reason,
                                        message: rejection.message, raw: line.bytes))
        }
    }
}

/// Two arenas for a tailer's chunks, used in turn. An arena is reused only when no event refers to it any
/// more; the spool's I/O thread may still be letting go of the last chunk's events when the next chunk is
/// read, hence two (a third is allocated, and replaces one, only if a sink keeps events longer).
struct BodyArenas {
    private var arenas: [EventBodyArena]
    private var turn = 0
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        arenas = [EventBodyArena(capacity: capacity), EventBodyArena(capacity: capacity)]
    }

    var current: EventBodyArena { arenas[turn] }

    /// Undoes the last ``next()`` when nothing was read into its arena (the end of a file): polling an idle
    /// file must not allocate a new arena each time while events still hold the other one.
    mutating func giveBack() {
        turn ^= 1
    }

    /// The arena for the next chunk: the other one, emptied, or a new one if events still hold it.
    mutating func next() -> EventBodyArena {
        turn ^= 1
        EventBodyArena.recycle(&arenas[turn])
        return arenas[turn]
    }
}
