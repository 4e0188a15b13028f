import CISAL
import CZlib

/// A failure to decompress gzip data.
public enum GzipError: Error, Sendable, Equatable {
    /// The input does not start with a gzip header (magic bytes 1f 8b).
    case notGzip
    /// The stream is truncated or its data or checksum is invalid; `detail` is zlib's message.
    case corrupt(String)
    /// Decompressing would produce more than `limit` bytes (a "gzip bomb" guard).
    case tooLarge(limit: Int)
}

/// Which library writes gzip: the output is the same format (one RFC 1952 member) either way.
///
/// ISA-L's igzip (Intel's Intelligent Storage Acceleration Library, Debian `libisal2`) has four levels, 0...3;
/// at level 1 it compresses Vigil's bulk bodies about 4.5 times faster than zlib level 1, to smaller output
/// (ratio 6.4 against 6.1; `Benchmarks/gzip/run.sh`). zlib level 1 cost more CPU than the rest of the shipping path
/// together, which is why the default is not zlib alone.
public enum GzipLibrary: String, Sendable, CaseIterable {
    /// ISA-L for levels 1...3, zlib for 4...9 (zlib's higher levels compress smaller than ISA-L's best).
    case auto
    /// zlib at the given level, 1...9.
    case zlib
    /// ISA-L at the given level, 1...3.
    case isal = "isa-l"
}

/// A gzip level and the library that implements it, resolved once from the configuration.
///
/// ```swift
/// let compressor = try GzipCompressor(level: 1, library: .auto)   // ISA-L level 1
/// let packed = compressor.compress(Array("hello".utf8))
/// ```
public struct GzipCompressor: Sendable, Equatable, CustomStringConvertible {
    public enum Engine: String, Sendable, Equatable {
        case zlib
        case isal = "isa-l"
    }

    public let engine: Engine
    /// The engine's own level.
    public let level: Int32

    /// The highest level ISA-L offers.
    public static let isalMaxLevel = Int(cisal_max_level())

    /// - Throws: a message naming the problem when `level` is outside 1...9, or above ISA-L's highest level
    ///   with `library: .isal`.
    public init(level: Int, library: GzipLibrary) throws(GzipConfigurationError) {
        guard (1...9).contains(level) else { throw GzipConfigurationError(message: "gzip level \(level) is outside 1...9") }
        switch library {
        case .zlib:
            engine = .zlib
        case .isal:
            guard level <= Self.isalMaxLevel else {
                throw GzipConfigurationError(
                    message: "gzip level \(level) is above ISA-L's highest (\(Self.isalMaxLevel)); use gzip_library: zlib or auto")
            }
            engine = .isal
        case .auto:
            engine = level <= Self.isalMaxLevel ? .isal : .zlib
        }
        self.level = Int32(level)
    }

    public var description: String { "\(engine.rawValue) level \(level)" }

    /// One gzip member holding `bytes`.
    public func compress(_ bytes: [UInt8]) -> [UInt8] {
        switch engine {
        case .zlib: Gzip.compress(bytes, level: level)
        case .isal: Gzip.compressISAL(bytes, level: level)
        }
    }
}

/// A gzip setting that cannot be used.
public struct GzipConfigurationError: Error, Sendable, Equatable {
    public var message: String
}

/// One-shot gzip compression and decompression over the system zlib (and ISA-L, see ``GzipLibrary``).
///
/// ```swift
/// let packed = Gzip.compress(Array("hello".utf8))
/// let back = try Gzip.decompress(packed, maxOutputBytes: 1 << 20)   // "hello"
/// ```
public enum Gzip {
    /// Compresses `bytes` into one gzip member (RFC 1952). `level` is 0 (store) ... 9 (best); 1 is the fastest.
    public static func compress(_ bytes: [UInt8], level: Int32 = 1) -> [UInt8] {
        var stream = z_stream()
        let level = max(0, min(9, level))
        let initStatus = czlib_deflate_init_gzip(&stream, level)
        precondition(initStatus == Z_OK, "deflateInit2 failed: \(initStatus)")
        defer { deflateEnd(&stream) }

        // deflateBound gives an upper limit, so one call with Z_FINISH always completes.
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        // Not zero-filled: deflate writes every byte it reports.
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish: \(status)")
                initialized = out.count - Int(stream.avail_out)
            }
        }
        // Log batches compress to a fraction of the bound: keep an exact-size copy, not the bound's capacity.
        return output.count < bound / 2 ? Array(output) : output
    }

    /// Compresses `bytes` into one gzip member with ISA-L's igzip at `level` (0...3).
    public static func compressISAL(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        precondition((0...Int32(GzipCompressor.isalMaxLevel)).contains(level), "ISA-L level \(level) is outside 0...3")
        // Logs compress 5-7 times: start with a third of the input (less memory per request in flight); when
        // that is not enough igzip says so and the call is repeated with zlib's stored-block bound, then more.
        var capacity = bytes.count / 3 + 4_096
        let bound = bytes.count + bytes.count >> 12 + bytes.count >> 14 + 1_024
        while true {
            var written = -1
            let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
                written = bytes.withUnsafeBufferPointer { input in
                    cisal_gzip_compress(input.baseAddress, input.count, out.baseAddress, out.count, level)
                }
                initialized = max(0, written)
            }
            if written >= 0 { return output.count < capacity / 2 ? Array(output) : output }
            precondition(written == -1, "igzip failed (out of memory or an internal error)")
            capacity = max(bound, capacity * 2)
        }
    }

    /// Decompresses gzip data (one or more concatenated members).
    /// - Throws: `GzipError.notGzip` without the gzip magic, `.corrupt` on bad or truncated data,
    ///   `.tooLarge` when the output would exceed `maxOutputBytes`.
    public static func decompress(_ bytes: [UInt8], maxOutputBytes: Int) throws(GzipError) -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b else { throw .notGzip }
        var output: [UInt8] = []
        output.reserveCapacity(min(maxOutputBytes, max(bytes.count * 4, 256)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var offset = 0
        // Concatenated members are valid gzip (RFC 1952 §2.2); decode each in turn.
        while offset < bytes.count {
            // Trailing zero padding after a member is tolerated as gzip(1) does.
            if offset > 0, bytes[offset...].allSatisfy({ $0 == 0 }) { break }
            guard bytes.count - offset >= 2, bytes[offset] == 0x1f, bytes[offset + 1] == 0x8b else {
                throw .corrupt("trailing garbage after gzip member")
            }
            var stream = z_stream()
            guard czlib_inflate_init(&stream, 31) == Z_OK else { throw .corrupt("inflateInit2 failed") }
            defer { inflateEnd(&stream) }
            var finished = false
            let consumed: Int = try bytes.withUnsafeBufferPointer { (input) throws(GzipError) -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
                stream.avail_in = uInt(input.count - offset)
                while true {
                    let (status, produced) = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = uInt(out.count)
                        let status = inflate(&stream, Z_NO_FLUSH)
                        return (status, out.count - Int(stream.avail_out))
                    }
                    if produced > 0 {
                        guard output.count + produced <= maxOutputBytes else { throw .tooLarge(limit: maxOutputBytes) }
                        output.append(contentsOf: chunk[0..<produced])
                    }
                    switch status {
                    case Z_STREAM_END:
                        finished = true
                        return (input.count - offset) - Int(stream.avail_in)
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR:
                        // No progress possible: input exhausted before the end of the stream.
                        if stream.avail_in == 0 { throw .corrupt("truncated gzip stream") }
                        continue
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "inflate error \(status)"
                        throw .corrupt(message)
                    }
                }
            }
            guard finished else { throw .corrupt("truncated gzip stream") }
            offset += consumed
        }
        return output
    }
}
