import VigilGzip

/// The on-disk layout of one block of the log store, and its decoding.
///
/// A block is three parts written back to back at `offset` in a segment file; the index row in `logs.db`
/// (``Info``) says how long each is, so no header is read before a search can prune:
///
/// | part | bytes | content |
/// | --- | --- | --- |
/// | bloom | `bloomLines * 64` | ``TokenBloomFilter`` words, little-endian, uncompressed so one 64-byte line can be read alone |
/// | meta | `metaLength` | gzip of the columns below |
/// | bodies | `bodiesLength` | gzip of the event bodies, concatenated |
///
/// The meta columns (varint = LEB128, zigzag for signed): count; the service, level (lowercased) and source
/// dictionaries (count, then length + bytes each); timestamp deltas (zigzag varints, the first from
/// `minTs`); kinds, service codes, level codes (1-based, 0 = none), source codes (0-based): one byte per
/// event each; id lengths (varints), then the id bytes; body lengths (varints).
enum LogBlock {
    /// What the index keeps about a block (all a search needs to prune it).
    struct Info: Equatable {
        var count: Int
        var minTs: Int64
        var maxTs: Int64
        var bloomLines: Int
        var metaLength: Int
        var rawMetaLength: Int
        var bodiesLength: Int
        var rawBodiesLength: Int
        var services: [String]
        var levels: [String]

        var bloomBytes: Int { bloomLines * TokenBloomFilter.wordsPerLine * 8 }
        var totalBytes: Int { bloomBytes + metaLength + bodiesLength }
    }

    struct Encoded {
        var bytes: [UInt8]
        var info: Info
    }

    /// A block that cannot be decoded (a torn or damaged file).
    struct DecodeError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "log block cannot be decoded: \(reason)" }
    }

    /// The decoded meta columns.
    struct Meta {
        var timestamps: [Int64] = []
        var kinds: [UInt8] = []
        var serviceCodes: [UInt8] = []
        var levelCodes: [UInt8] = []
        var sourceCodes: [UInt8] = []
        var services: [String] = []
        var levels: [String] = []
        var sources: [String] = []
        var idBytes: [UInt8] = []
        var idEnds: [Int] = []
        var bodyEnds: [Int] = []

        var count: Int { timestamps.count }

        func id(_ i: Int) -> String {
            let start = i == 0 ? 0 : idEnds[i - 1]
            return String(decoding: idBytes[start ..< idEnds[i]], as: UTF8.self)
        }

        func idRange(_ i: Int) -> Range<Int> { (i == 0 ? 0 : idEnds[i - 1]) ..< idEnds[i] }
        func bodyRange(_ i: Int) -> Range<Int> { (i == 0 ? 0 : bodyEnds[i - 1]) ..< bodyEnds[i] }
        func service(_ i: Int) -> String? { serviceCodes[i] == 0 ? nil : services[Int(serviceCodes[i]) - 1] }
        func level(_ i: Int) -> String? { levelCodes[i] == 0 ? nil : levels[Int(levelCodes[i]) - 1] }
        func source(_ i: Int) -> String { sources[Int(sourceCodes[i])] }
    }

    static func putVarint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private struct Reader {
        let bytes: [UInt8]
        var at = 0

        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
                guard shift < 64 else { break }
            }
            throw DecodeError(reason: "bad varint at byte \(at) of the meta column")
        }

        mutating func int(max: Int) throws -> Int {
            let value = try varint()
            guard value <= UInt64(max) else { throw DecodeError(reason: "length \(value) at byte \(at) exceeds \(max)") }
            return Int(value)
        }

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, at + n <= bytes.count else { throw DecodeError(reason: "meta column ends early (need \(n) bytes at \(at) of \(bytes.count))") }
            defer { at += n }
            return bytes[at ..< at + n]
        }
    }

    /// Decodes the meta part (still compressed) of a block described by `info`.
    static func decodeMeta(_ packed: [UInt8], info: Info) throws -> Meta {
        let raw: [UInt8]
        do {
            raw = try Gzip.decompress(packed, maxOutputBytes: info.rawMetaLength)
        } catch {
            throw DecodeError(reason: "meta: \(error)")
        }
        var r = Reader(bytes: raw)
        let count = try r.int(max: raw.count)
        guard count == info.count else { throw DecodeError(reason: "meta holds \(count) events, the index says \(info.count)") }
        var meta = Meta()
        var dictionaries: [[String]] = []
        for _ in 0 ..< 3 {
            let n = try r.int(max: 256)
            var entries: [String] = []
            for _ in 0 ..< n { entries.append(String(decoding: try r.take(try r.int(max: raw.count)), as: UTF8.self)) }
            dictionaries.append(entries)
        }
        meta.services = dictionaries[0]
        meta.levels = dictionaries[1]
        meta.sources = dictionaries[2]
        meta.timestamps.reserveCapacity(count)
        var previous = info.minTs
        for _ in 0 ..< count {
            let zigzag = try r.varint()
            let delta = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
            previous = previous &+ delta
            meta.timestamps.append(previous)
        }
        meta.kinds = Array(try r.take(count))
        meta.serviceCodes = Array(try r.take(count))
        meta.levelCodes = Array(try r.take(count))
        meta.sourceCodes = Array(try r.take(count))
        guard meta.serviceCodes.allSatisfy({ Int($0) <= meta.services.count }), meta.levelCodes.allSatisfy({ Int($0) <= meta.levels.count }),
              meta.sourceCodes.allSatisfy({ Int($0) < meta.sources.count }) else {
            throw DecodeError(reason: "a dictionary code is out of range")
        }
        var end = 0
        meta.idEnds.reserveCapacity(count)
        for _ in 0 ..< count {
            end += try r.int(max: raw.count)
            meta.idEnds.append(end)
        }
        meta.idBytes = Array(try r.take(end))
        end = 0
        meta.bodyEnds.reserveCapacity(count)
        for _ in 0 ..< count {
            end += try r.int(max: info.rawBodiesLength)
            meta.bodyEnds.append(end)
        }
        guard end == info.rawBodiesLength else { throw DecodeError(reason: "bodies add up to \(end) bytes, the index says \(info.rawBodiesLength)") }
        return meta
    }

    /// Decompresses the bodies part.
    static func decodeBodies(_ packed: [UInt8], info: Info) throws -> [UInt8] {
        do {
            let raw = try Gzip.decompress(packed, maxOutputBytes: info.rawBodiesLength)
            guard raw.count == info.rawBodiesLength else { throw DecodeError(reason: "bodies are \(raw.count) bytes, the index says \(info.rawBodiesLength)") }
            return raw
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError(reason: "bodies: \(error)")
        }
    }
}
