import CISAL

/// Compresses input that arrives in pieces into one gzip member (RFC 1952) with ISA-L's igzip, writing into
/// memory the caller provides — for output produced in chunks, such as `/metrics` rendered piece by piece
/// into a response buffer, so the uncompressed whole never exists.
///
/// One owner at a time (not `Sendable`); ``reset()`` starts the next member with the same level buffer.
/// ```swift
/// let stream = GzipStream(level: 1)
/// var packed = [UInt8](repeating: 0, count: 4_096)
/// let input: [UInt8] = Array("hello, hello, hello".utf8)
/// let (consumed, written) = input.withUnsafeBytes { text in
///     packed.withUnsafeMutableBytes { stream.compress(text, isLast: true, into: $0) }
/// }
/// // consumed == input.count, stream.isFinished, packed[0..<written] is a gzip member
/// ```
public final class GzipStream {
    private let stream: OpaquePointer

    /// The ISA-L level, 0...``GzipCompressor/isalMaxLevel`` (1 is what the shipper uses).
    public let level: Int32

    public init(level: Int32) {
        precondition((0...Int32(GzipCompressor.isalMaxLevel)).contains(level), "ISA-L level \(level) is outside 0...3")
        guard let stream = cisal_stream_create(level) else { fatalError("igzip: out of memory for a stream") }
        self.stream = stream
        self.level = level
    }

    deinit { cisal_stream_destroy(stream) }

    /// True once the member's trailer has been written (after the last input, with enough room).
    public var isFinished: Bool { cisal_stream_finished(stream) != 0 }

    /// Compresses as much of `input` as fits into `output`; with `isLast`, also ends the member. igzip keeps
    /// some earlier input in its own buffers, so a call may write more than its own input is worth, and stops
    /// when `output` is full: call again with the unconsumed rest (and, after the last input, until
    /// ``isFinished``).
    /// - Returns: the input bytes taken and the output bytes written.
    public func compress(_ input: UnsafeRawBufferPointer, isLast: Bool,
                         into output: UnsafeMutableRawBufferPointer) -> (consumed: Int, written: Int) {
        precondition(input.count <= Int(UInt32.max) && output.count <= Int(UInt32.max), "igzip takes at most 4 GiB a call")
        var consumed: UInt32 = 0
        let written = cisal_stream_deflate(
            stream, input.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(input.count), isLast ? 1 : 0,
            output.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(output.count), &consumed)
        precondition(written >= 0, "igzip failed on valid input (an internal error)")
        return (Int(consumed), written)
    }

    /// Starts a new member.
    public func reset() { cisal_stream_reset(stream) }
}
