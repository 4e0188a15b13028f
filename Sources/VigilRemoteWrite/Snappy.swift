import CSnappy

/// Snappy's block format (not the framed format), which Prometheus remote write requires, through Debian's
/// libsnappy.
public enum Snappy {
    /// A body that is not valid snappy block data.
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Compresses `input` into one snappy block.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let capacity = snappy_max_compressed_length(input.count)
        return [UInt8](unsafeUninitializedCapacity: capacity) { output, count in
            var length = capacity
            let status = input.withMemoryRebound(to: CChar.self) { source in
                output.withMemoryRebound(to: CChar.self) { target in
                    snappy_compress(source.baseAddress ?? "", source.count, target.baseAddress!, &length)
                }
            }
            // Only a too-small output buffer fails, and it is sized by snappy's own bound.
            precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of its own maximum size")
            count = length
        }
    }

    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// Decompresses one snappy block.
    /// - Throws: ``DecodeError`` when `input` is not a valid block.
    public static func decompress(_ input: [UInt8]) throws(DecodeError) -> [UInt8] {
        var length = 0
        let sized = input.withUnsafeBytes { raw in
            raw.withMemoryRebound(to: CChar.self) { snappy_uncompressed_length($0.baseAddress ?? "", $0.count, &length) }
        }
        guard sized == SNAPPY_OK else { throw DecodeError(description: "not a snappy block: its length header is invalid") }
        var status = SNAPPY_OK
        let output = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, count in
            var produced = length
            status = input.withUnsafeBytes { raw in
                raw.withMemoryRebound(to: CChar.self) { source in
                    buffer.withMemoryRebound(to: CChar.self) { target in
                        snappy_uncompress(source.baseAddress ?? "", source.count, target.baseAddress!, &produced)
                    }
                }
            }
            count = status == SNAPPY_OK ? produced : 0
        }
        guard status == SNAPPY_OK else { throw DecodeError(description: "not a snappy block: its data is corrupt") }
        return output
    }
}
