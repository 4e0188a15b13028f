#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines, cutting lines longer than `maxLineBytes`. Pure.
///
/// Invariants:
/// - Each emitted line excludes its `\n`; `start` is the file offset of its first byte and `end` the offset
///   just after the newline (or after the last consumed byte for a cut or flushed line).
/// - A line longer than `maxLineBytes` is emitted once, cut to `maxLineBytes` and marked `truncated`; the
///   rest of it, up to the newline, is skipped. Memory stays bounded by `maxLineBytes`.
/// - ``pendingStart`` is the offset of the first byte not yet part of an emitted line: the safe checkpoint.
public struct LineFramer: Sendable {
    /// One framed line. `bytes` is valid only during the callback.
    public struct Line {
        public var bytes: UnsafeRawBufferPointer
        public var start: Int64
        public var end: Int64
        public var truncated: Bool
    }

    public let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var partialStart: Int64 = 0
    private var discarding = false
    /// Offset after the last byte fed.
    public private(set) var position: Int64

    public init(maxLineBytes: Int, position: Int64 = 0) {
        self.maxLineBytes = maxLineBytes
        self.position = position
    }

    /// The offset of the first byte of an incomplete line, or nil when every fed byte belongs to an emitted
    /// (or skipped) line.
    public var pendingStart: Int64? { partial.isEmpty ? nil : partialStart }

    /// Whether bytes of an incomplete line are buffered.
    public var hasPartial: Bool { !partial.isEmpty }

    /// Forgets everything and continues at `offset` (after a truncation).
    public mutating func reset(to offset: Int64) {
        partial.removeAll(keepingCapacity: false)
        discarding = false
        position = offset
    }

    /// Feeds the next bytes of the stream (which start at ``position``).
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (Line) -> Void) {
        guard let base = chunk.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = chunk.count
        var i = 0
        while i < n {
            let nl: Int
            if let p = memchr(base + i, 0x0A, n - i) {
                nl = UnsafeRawPointer(p) - UnsafeRawPointer(base)
            } else {
                nl = n
            }
            let found = nl < n
            let segment = UnsafeRawBufferPointer(start: base + i, count: nl - i)
            let segmentStart = position + Int64(i)
            let end = position + Int64(found ? nl + 1 : nl)
            if discarding {
                if found { discarding = false }
            } else if partial.isEmpty && found && segment.count <= maxLineBytes {
                emit(Line(bytes: segment, start: segmentStart, end: end, truncated: false))
            } else {
                if partial.isEmpty { partialStart = segmentStart }
                let room = maxLineBytes - partial.count
                if segment.count > room {
                    partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: segment[0..<room]))
                    partial.withUnsafeBytes {
                        emit(Line(bytes: $0, start: partialStart, end: end, truncated: true))
                    }
                    partial.removeAll(keepingCapacity: true)
                    discarding = !found
                } else {
                    partial.append(contentsOf: segment)
                    if found {
                        partial.withUnsafeBytes { emit(Line(bytes: $0, start: partialStart, end: end, truncated: false)) }
                        partial.removeAll(keepingCapacity: true)
                    }
                }
            }
            i = found ? nl + 1 : nl
        }
        position += Int64(n)
    }

    /// Emits a buffered incomplete line as if it had ended (after the idle timeout). Returns whether one was emitted.
    @discardableResult
    public mutating func flush(_ emit: (Line) -> Void) -> Bool {
        guard !partial.isEmpty else { return false }
        partial.withUnsafeBytes { emit(Line(bytes: $0, start: partialStart, end: position, truncated: false)) }
        partial.removeAll(keepingCapacity: true)
        return true
    }
}
