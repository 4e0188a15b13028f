import VigilStorage

/// Where to start reading a file that has no checkpoint.
public enum StartPosition: String, Sendable, Hashable {
    case beginning, end
}

/// The decisions of the file tailer, without I/O: which files to open, where to start, when a file was
/// truncated, rotated or deleted, and when to close it. ``FileTailer`` performs the actions.
///
/// Invariants:
/// - A file (device + inode) is tracked at most once, whatever paths point to it.
/// - A file that disappears from the glob results (renamed away or deleted) is read to its end and closed
///   only after a poll found it at its end twice in a row with no growth, so a writer that still appends to
///   the old file after a rename loses nothing.
/// - A file whose size drops below the read position was truncated in place (copy-truncate): reading
///   restarts at 0.
/// - Start offsets come from a checkpoint only when device, inode and the fingerprint of the first bytes
///   all match; otherwise the file is new (inode reuse) and is read from the beginning.
/// - `start_at: end` applies only to files present at the first scan; files that appear later are new and are
///   read from the beginning.
public struct FileTailStateMachine: Sendable {
    /// A file found by the glob scan (`stat` of the path).
    public struct Observation: Sendable, Hashable {
        public var path: String
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        public init(path: String, device: UInt64, inode: UInt64, size: Int64) {
            self.path = path
            self.device = device
            self.inode = inode
            self.size = size
        }
    }

    /// The state of an open file (`fstat` of its descriptor) and whether the last read reached its end.
    public struct Status: Sendable, Hashable {
        public var id: Int
        public var size: Int64
        public var linkCount: Int
        public var atEnd: Bool
        public init(id: Int, size: Int64, linkCount: Int, atEnd: Bool) {
            self.id = id
            self.size = size
            self.linkCount = linkCount
            self.atEnd = atEnd
        }
    }

    public enum Action: Sendable, Hashable {
        /// Open the path, check that it still is `device`/`inode`, read its first bytes and call ``opened``.
        case open(path: String, device: UInt64, inode: UInt64)
        /// The file shrank below the read position: restart reading at 0 (count it).
        case truncated(id: Int)
        /// The file was renamed away or deleted (`deleted` when its link count is 0) and is being drained.
        case draining(id: Int, deleted: Bool)
        /// The drained file is at its end: close the descriptor.
        case close(id: Int)
    }

    enum Phase: Sendable, Hashable {
        case active
        case draining(deleted: Bool)
    }

    struct Tracked: Sendable {
        var id: Int
        var path: String
        var fingerprint: FileFingerprint
        /// Bytes consumed (read and framed).
        var position: Int64
        /// Offset of the last acknowledged checkpoint.
        var acknowledged: Int64
        var phase: Phase
        var endPolls: Int
        var lastSize: Int64
    }

    public let startAt: StartPosition
    public let maxRemembered: Int
    private(set) var tracked: [Int: Tracked] = [:]
    /// Checkpoints of files not open now (restored at start, or closed): fingerprint → offset.
    private(set) var remembered: [(fingerprint: FileFingerprint, offset: Int64)] = []
    private var nextID = 1
    private var scans = 0

    public init(startAt: StartPosition = .beginning, checkpoints: [FileCheckpoint] = [], maxRemembered: Int = 10_000) {
        self.startAt = startAt
        self.maxRemembered = maxRemembered
        for c in checkpoints {
            if let fp = FileFingerprint(key: c.key) { remembered.append((fp, c.offset)) }
        }
    }

    /// Ids of open files in the order they were opened (older files first, so a rotated file is finished
    /// before its successor is read).
    public var openIDs: [Int] { tracked.keys.sorted() }

    /// The fingerprint of an open file.
    public func fingerprint(of id: Int) -> FileFingerprint? { tracked[id]?.fingerprint }

    /// The path an open file was last seen at.
    public func path(of id: Int) -> String? { tracked[id]?.path }

    /// A glob scan (`observations`, nil between scans) and the status of every open file.
    public mutating func poll(observations: [Observation]?, statuses: [Status]) -> [Action] {
        var actions: [Action] = []
        if let observations {
            var seen = Set<Int>()
            var byInode: [FileKey: Int] = [:]
            for (id, t) in tracked { byInode[FileKey(device: t.fingerprint.device, inode: t.fingerprint.inode)] = id }
            var opening = Set<FileKey>()
            for o in observations {
                let key = FileKey(device: o.device, inode: o.inode)
                if let id = byInode[key] {
                    seen.insert(id)
                    tracked[id]!.path = o.path
                    if case .draining = tracked[id]!.phase {
                        // Renamed back into the glob: it is an active file again.
                        tracked[id]!.phase = .active
                        tracked[id]!.endPolls = 0
                    }
                } else if opening.insert(key).inserted {
                    actions.append(.open(path: o.path, device: o.device, inode: o.inode))
                }
            }
            for id in tracked.keys.sorted() where !seen.contains(id) {
                if case .active = tracked[id]!.phase {
                    let links = statuses.first(where: { $0.id == id })?.linkCount ?? 0
                    tracked[id]!.phase = .draining(deleted: links == 0)
                    tracked[id]!.endPolls = 0
                    actions.append(.draining(id: id, deleted: links == 0))
                }
            }
            scans += 1
        }
        for s in statuses {
            guard var t = tracked[s.id] else { continue }
            if s.size < t.position {
                t.position = 0
                t.acknowledged = 0
                t.endPolls = 0
                tracked[s.id] = t
                actions.append(.truncated(id: s.id))
                continue
            }
            if case .draining = t.phase {
                if s.atEnd && s.size == t.position && s.size == t.lastSize {
                    t.endPolls += 1
                } else {
                    t.endPolls = 0
                }
                t.lastSize = s.size
                tracked[s.id] = t
                if t.endPolls >= 2 {
                    actions.append(.close(id: s.id))
                }
            } else {
                t.lastSize = s.size
                tracked[s.id] = t
            }
        }
        return actions
    }

    /// The file of an `.open` action is open; `prefix` is up to ``FileFingerprint/maxLength`` of its first
    /// bytes. Returns the new id and the offset to start reading at.
    public mutating func opened(path: String, device: UInt64, inode: UInt64, size: Int64, prefix: [UInt8]) -> (id: Int, offset: Int64) {
        let fp = FileFingerprint(device: device, inode: inode, prefix: prefix)
        var offset: Int64
        // The checkpoint with the longest matching fingerprint (and, among those, the furthest offset) wins.
        var best: (index: Int, length: Int, offset: Int64)?
        for (i, r) in remembered.enumerated() where r.fingerprint.matches(device: device, inode: inode, prefix: prefix) {
            if best == nil || r.fingerprint.length > best!.length
                || (r.fingerprint.length == best!.length && r.offset > best!.offset) {
                best = (i, r.fingerprint.length, r.offset)
            }
        }
        if let best {
            offset = best.offset <= size ? best.offset : 0
        } else if remembered.contains(where: { $0.fingerprint.device == device && $0.fingerprint.inode == inode }) {
            // Known inode, other content: the inode was reused by a new file.
            offset = 0
        } else {
            // First scan: `start_at` decides. Later: a new file, read from its beginning.
            offset = (scans <= 1 && startAt == .end) ? size : 0
        }
        remembered.removeAll { $0.fingerprint.device == device && $0.fingerprint.inode == inode }
        let id = nextID
        nextID += 1
        tracked[id] = Tracked(id: id, path: path, fingerprint: fp, position: offset, acknowledged: offset,
                              phase: .active, endPolls: 0, lastSize: size)
        return (id, offset)
    }

    /// Bytes of file `id` up to `position` were read and framed.
    public mutating func advanced(id: Int, to position: Int64) {
        tracked[id]?.position = position
    }

    /// Whether the fingerprint should be recomputed because more of the file's first bytes exist now.
    public func needsLongerFingerprint(id: Int, size: Int64) -> Bool {
        guard let t = tracked[id] else { return false }
        return t.fingerprint.length < FileFingerprint.maxLength && size > Int64(t.fingerprint.length)
    }

    /// Replaces the fingerprint of an open file with one over a longer prefix.
    public mutating func updateFingerprint(id: Int, prefix: [UInt8]) {
        guard let t = tracked[id] else { return }
        let fp = FileFingerprint(device: t.fingerprint.device, inode: t.fingerprint.inode, prefix: prefix)
        if fp.length > t.fingerprint.length { tracked[id]!.fingerprint = fp }
    }

    /// The sink durably took everything of file `id` before `offset`.
    public mutating func acknowledged(id: Int, offset: Int64) {
        tracked[id]?.acknowledged = offset
    }

    /// The checkpoint of an open file at `offset`.
    public func checkpoint(id: Int, offset: Int64) -> FileCheckpoint? {
        guard let t = tracked[id] else { return nil }
        return FileCheckpoint(key: t.fingerprint.key, path: t.path, offset: offset)
    }

    /// The descriptor of a `.close` action was closed; the file's checkpoint is remembered in case the
    /// same file shows up again (renamed back into the glob).
    public mutating func closed(id: Int) {
        guard let t = tracked.removeValue(forKey: id) else { return }
        remembered.append((t.fingerprint, t.acknowledged))
        if remembered.count > maxRemembered { remembered.removeFirst(remembered.count - maxRemembered) }
    }

    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }
}
