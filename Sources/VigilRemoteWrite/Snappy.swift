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
            let status = withChars(input) { source, sourceCount in
                output.withMemoryRebound(to: CChar.self) { target in
                    snappy_compress(source, sourceCount, target.baseAddress!, &length)
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
        let result = input.withUnsafeBytes { raw -> Result<[UInt8], DecodeError> in
            var length = 0
            let sized = withChars(raw) { snappy_uncompressed_length($0, $1, &length) }
            guard sized == SNAPPY_OK else { return .failure(DecodeError(description: "not a snappy block: its length header is invalid")) }
            var status = SNAPPY_OK
            let output = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, count in
                var produced = length
                status = withChars(raw) { source, sourceCount in
                    buffer.withMemoryRebound(to: CChar.self) { target in
                        snappy_uncompress(source, sourceCount, target.baseAddress!, &produced)
                    }
                }
                count = status == SNAPPY_OK ? produced : 0
            }
            guard status == SNAPPY_OK else { return .failure(DecodeError(description: "not a snappy block: its data is corrupt")) }
            return .success(output)
        }
        return try result.get()
    }

    /// The bytes as C characters; an empty buffer (which may have no address) gets a valid pointer and count 0.
    private static func withChars<R>(_ raw: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>, Int) -> R) -> R {
        raw.withMemoryRebound(to: CChar.self) { chars in
            if let base = chars.baseAddress { return body(base, chars.count) }
            var empty: CChar = 0
            return withUnsafePointer(to: &empty) { body($0, 0) }
        }
    }
}
