import VigilCore

/// What the spool stores of an event. ``SpoolRecord`` is the plain form; `Event` conforms too, so a source
/// hands its events to ``Spool/append(_:checkpoint:deadLetters:)`` without building records first.
public protocol SpoolEncodable {
    var id: String { get }
    /// `EventKind.rawValue`.
    var kindRawValue: UInt8 { get }
    var timestampMillis: Int64 { get }
    var source: String { get }
    /// The body's length, and its bytes (without a copy).
    var bodyCount: Int { get }
    func withBody<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
    /// Stored only when ``DocumentShape/isStorable``.
    var shape: DocumentShape? { get }
}

extension Event: SpoolEncodable {
    public var kindRawValue: UInt8 { kind.rawValue }
}

/// One event as the spool keeps it: its deterministic id, kind, time, source and JSON body.
public struct SpoolRecord: Sendable, Hashable, SpoolEncodable {
    /// The deterministic document id (`_id`), so a resend cannot duplicate the document.
    public var id: String
    /// `EventKind.rawValue`: 0 log, 1 prediction, 2 label.
    public var kind: UInt8
    public var timestampMillis: Int64
    /// Where the event came from: "file", "http", "stdin", ...
    public var source: String
    /// The JSON object, after redaction.
    public var body: [UInt8]

    /// Where the ECS fields go in `body`, when the pipeline computed it (stored only when
    /// ``DocumentShape/isStorable``).
    public var shape: DocumentShape?

    public var kindRawValue: UInt8 { kind }
    public var bodyCount: Int { body.count }
    public func withBody<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R { try self.body.withUnsafeBufferPointer(body) }

    public init(id: String, kind: UInt8, timestampMillis: Int64, source: String, body: [UInt8], shape: DocumentShape? = nil) {
        self.id = id
        self.kind = kind
        self.timestampMillis = timestampMillis
        self.source = source
        self.body = body
        self.shape = shape?.isStorable == true ? shape : nil
    }
}

/// How far a tailed file has been durably read: the byte offset after the last line taken.
public struct FileCheckpoint: Sendable, Hashable {
    /// The file's identity: `dev:inode:fingerprint`.
    public var key: String
    /// The path it was last seen at (for humans and for finding it again after a restart).
    public var path: String
    public var offset: Int64

    public init(key: String, path: String, offset: Int64) {
        self.key = key
        self.path = path
        self.offset = offset
    }
}

/// The outcome of ``Spool/append(_:checkpoint:)``.
public enum SpoolAppendResult: Sendable, Equatable {
    /// The events (and the checkpoint) are committed.
    case committed
    /// `when_full: block` and the spool is full: nothing was written; wait for the shipper and retry.
    case full
}

/// A batch of spooled events as appended, minus those already marked delivered.
public struct SpoolBlock: Sendable, Hashable {
    public var blockID: Int64
    /// The block's undelivered records, in append order.
    public var records: [SpoolRecord]
    /// For each record, its position in the block as appended (for ``Spool/markDelivered(blockID:indices:)``).
    public var indices: [Int]
    /// When the block was appended (SQLite's clock, milliseconds since the epoch).
    public var appendedAtMillis: Int64

    public init(blockID: Int64, records: [SpoolRecord], indices: [Int], appendedAtMillis: Int64) {
        self.blockID = blockID
        self.records = records
        self.indices = indices
        self.appendedAtMillis = appendedAtMillis
    }
}

/// Where one record sits in a block's bytes (see ``SpoolBlockView``).
public struct SpoolEntry: Sendable, Hashable {
    /// Its position in the block as appended (for ``Spool/markDelivered(blockID:indices:)``).
    public var index: Int
    /// `EventKind.rawValue`.
    public var kind: UInt8
    public var timestampMillis: Int64
    /// Byte ranges in ``SpoolBlockView/bytes``.
    public var id: Range<Int>
    public var source: Range<Int>
    public var body: Range<Int>
    /// The stored ``DocumentShape``'s bytes, if any.
    public var shape: Range<Int>?
}

/// A block's bytes as stored, with the places of its undelivered records: what a reader that only
/// copies the bytes on (the shipper) uses instead of ``SpoolBlock``, to avoid a copy per event.
public struct SpoolBlockView: Sendable {
    public var blockID: Int64
    public var appendedAtMillis: Int64
    /// The block as stored, in a pooled buffer that is reused once every holder has let go of it.
    public var bytes: SpoolBlockBuffer
    public var entries: [SpoolEntry]
    /// The block's size as stored (what `max_bytes` counts).
    public var size: Int { bytes.count }

    /// A copy of a record's body.
    public func body(_ entry: SpoolEntry) -> [UInt8] { bytes[entry.body] }
    /// A record's stored shape.
    public func shape(_ entry: SpoolEntry) -> DocumentShape? {
        guard let range = entry.shape else { return nil }
        return bytes.withUnsafeBytes { DocumentShape(bytes: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}

/// What the spool holds now (for `vigil_spool_*` gauges and back-pressure decisions).
public struct SpoolStats: Sendable, Equatable {
    /// Encoded bytes of the blocks in the spool (what `max_bytes` bounds).
    public var bytes: Int64
    /// Undelivered events.
    public var events: Int64
    public var blocks: Int64
    /// The smallest event timestamp in the oldest block, nil when empty.
    public var oldestTimestampMillis: Int64?
    /// When the oldest block was appended, nil when empty: `now - this` is the backlog's age.
    public var oldestAppendedAtMillis: Int64?
    /// Events dropped by `when_full: drop_oldest` since the database was created (persistent).
    public var droppedTotal: Int64

    public init(bytes: Int64, events: Int64, blocks: Int64, oldestTimestampMillis: Int64?, oldestAppendedAtMillis: Int64?, droppedTotal: Int64) {
        self.bytes = bytes
        self.events = events
        self.blocks = blocks
        self.oldestTimestampMillis = oldestTimestampMillis
        self.oldestAppendedAtMillis = oldestAppendedAtMillis
        self.droppedTotal = droppedTotal
    }
}

/// Spool settings (`storage.spool` in the YAML file).
public struct SpoolConfiguration: Sendable, Equatable {
    /// What to do when an append would take the spool past `maxBytes`.
    public enum WhenFull: String, Sendable, CaseIterable {
        /// Refuse the append (``SpoolAppendResult/full``): the source waits, nothing is lost.
        case block
        /// Delete the oldest blocks to make room; the dropped events are counted.
        case dropOldest = "drop_oldest"
    }

    /// Bound on the encoded bytes of spooled blocks. Default 1 GiB.
    public var maxBytes: Int64
    public var whenFull: WhenFull
    /// Default `.normal`: in WAL mode, safe against process crashes (`kill -9`), not against power loss.
    /// `.full` also fsyncs each block's segment file before its row commits. It is set on the shared
    /// `vigil.db` connection, so it applies to checkpoints, dead letters and the other tables too.
    public var synchronous: SQLiteSynchronous
    /// Size at which a new segment file is started. Disk use can exceed `maxBytes` by up to about
    /// this much, since a segment is deleted only when all its blocks are delivered. Default 64 MiB.
    public var segmentBytes: Int64

    public init(maxBytes: Int64 = 1 << 30, whenFull: WhenFull = .block, synchronous: SQLiteSynchronous = .normal, segmentBytes: Int64 = 64 << 20) {
        self.maxBytes = maxBytes
        self.whenFull = whenFull
        self.synchronous = synchronous
        self.segmentBytes = segmentBytes
    }
}

/// A spooled block whose bytes could not be decoded (corruption or a newer format).
public struct SpoolCorruptBlockError: Error, Sendable, CustomStringConvertible {
    public var blockID: Int64
    public var reason: String
    /// The undelivered events the block held (from its row), lost with its bytes.
    public var events: Int64 = 0
    public var description: String { "spool block \(blockID) cannot be decoded (\(events) events): \(reason)" }
}
