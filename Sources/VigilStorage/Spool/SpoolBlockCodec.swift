import VigilCore

/// The byte layout of a spool block: many records in one BLOB, so one row (and one B-tree insert)
/// carries thousands of events.
///
/// ```
/// block  := version:u8(=2) record*
/// record := kind:u8 timestamp:i64 idLength:u32 id sourceLength:u32 source bodyLength:u32 body shapeLength:u8 shape
/// ```
/// Integers are little-endian. Decoding checks every length against the bytes left. Version 1 blocks
/// (written before document shapes, without `shapeLength shape`) are still read.
enum SpoolBlockCodec {
    static let version: UInt8 = 2
    static let recordOverhead = 1 + 8 + 4 + 4 + 4 + 1

    @_specialize(where R == Event)
    @_specialize(where R == SpoolRecord)
    static func encodedSize<R: SpoolEncodable>(_ records: [R]) -> Int {
        var size = 1
        // Through a buffer pointer: `for record in records` copied each record (a retain and a release of its body's arena).
        records.withUnsafeBufferPointer { records in
            for k in records.indices {
                size += recordOverhead + records[k].id.utf8.count + records[k].source.utf8.count + records[k].bodyCount
                    + (storedShape(records[k].shape)?.encodedSize ?? 0)
            }
        }
        return size
    }

    /// Shapes that cannot be stored (``DocumentShape/isStorable``) are left out; the shipper scans those documents.
    @inline(__always)
    static func storedShape(_ shape: DocumentShape?) -> DocumentShape? { shape?.isStorable == true ? shape : nil }

    @_specialize(where R == Event)
    @_specialize(where R == SpoolRecord)
    static func encode<R: SpoolEncodable>(_ records: [R]) -> [UInt8] {
        let size = encodedSize(records)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            encode(records, size: size, into: UnsafeMutableRawPointer(buffer.baseAddress!))
            initialized = size
        }
    }

    /// Writes the block of `records` (whose ``encodedSize(_:)`` is `size`) at `base`.
    @_specialize(where R == Event)
    @_specialize(where R == SpoolRecord)
    static func encode<R: SpoolEncodable>(_ records: [R], size: Int, into base: UnsafeMutableRawPointer) {
        // A plain cursor rather than closures over a captured `var`, which would cost a dynamic
        // exclusivity check per field.
        var out = Writer(base: base)
        out.put(version)
        records.withUnsafeBufferPointer { records in
            for k in records.indices {
                out.put(records[k].kindRawValue)
                out.put(records[k].timestampMillis)
                var id = records[k].id
                id.withUTF8 { out.putBytes(UnsafeRawBufferPointer($0)) }
                var source = records[k].source
                source.withUTF8 { out.putBytes(UnsafeRawBufferPointer($0)) }
                records[k].withBody { out.putBytes(UnsafeRawBufferPointer($0)) }
                out.putShape(storedShape(records[k].shape))
            }
        }
        precondition(out.at == size, "spool block size mismatch")
    }

    private struct Writer {
        let base: UnsafeMutableRawPointer
        var at = 0

        @inline(__always)
        mutating func put<T: FixedWidthInteger>(_ value: T) {
            (base + at).storeBytes(of: value.littleEndian, as: T.self)
            at += MemoryLayout<T>.size
        }

        @inline(__always)
        mutating func putBytes(_ bytes: UnsafeRawBufferPointer) {
            put(UInt32(bytes.count))
            if let source = bytes.baseAddress { (base + at).copyMemory(from: source, byteCount: bytes.count) }
            at += bytes.count
        }

        @inline(__always)
        mutating func putShape(_ shape: DocumentShape?) {
            guard let shape else { put(UInt8(0)); return }
            put(UInt8(shape.encodedSize))
            shape.encode(into: base + at)
            at += shape.encodedSize
        }
    }

    struct DecodeError: Error { var reason: String }

    /// Decodes the records of a block; `skip(i)` true leaves record `i` out (already delivered).
    static func decode(_ bytes: UnsafeRawBufferPointer, skip: (Int) -> Bool = { _ in false }) throws -> (records: [SpoolRecord], indices: [Int]) {
        let entries = try entries(bytes, skip: skip)
        var records: [SpoolRecord] = []
        records.reserveCapacity(entries.count)
        for entry in entries {
            records.append(SpoolRecord(
                id: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[entry.id]), as: UTF8.self),
                kind: entry.kind,
                timestampMillis: entry.timestampMillis,
                source: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[entry.source]), as: UTF8.self),
                body: [UInt8](UnsafeRawBufferPointer(rebasing: bytes[entry.body])),
                shape: entry.shape.flatMap { DocumentShape(bytes: UnsafeRawBufferPointer(rebasing: bytes[$0])) }))
        }
        return (records, entries.map(\.index))
    }

    /// Where each record of a block sits, without copying anything; `skip(i)` true leaves record `i` out.
    static func entries(_ bytes: UnsafeRawBufferPointer, skip: (Int) -> Bool = { _ in false }) throws -> [SpoolEntry] {
        guard let first = bytes.first else { throw DecodeError(reason: "empty block") }
        guard first == 1 || first == version else { throw DecodeError(reason: "unknown block version \(first)") }
        let hasShapes = first >= 2
        var reader = Reader(bytes: bytes, at: 1)
        var entries: [SpoolEntry] = []
        // Sized for records of ~300 bytes (a typical log line and its id): one allocation instead of a dozen
        // doublings, each moving every entry so far; no more than doubling would end with for such records.
        entries.reserveCapacity(bytes.count / 300 + 16)
        var index = 0
        while reader.at < bytes.count {
            let kind = try reader.take(UInt8.self)
            let timestamp = try reader.take(Int64.self)
            let id = try reader.slice()
            let source = try reader.slice()
            let body = try reader.slice()
            var shape: Range<Int>?
            if hasShapes {
                let length = Int(try reader.take(UInt8.self))
                guard bytes.count - reader.at >= length else { throw DecodeError(reason: "shape length \(length) past the end at byte \(reader.at)") }
                if length > 0 { shape = reader.at ..< reader.at + length }
                reader.at += length
            }
            if !skip(index) {
                entries.append(SpoolEntry(index: index, kind: kind, timestampMillis: timestamp, id: id, source: source, body: body, shape: shape))
            }
            index += 1
        }
        return entries
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at: Int

        @inline(__always)
        mutating func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard bytes.count - at >= MemoryLayout<T>.size else { throw DecodeError(reason: "truncated at byte \(at)") }
            let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
            at += MemoryLayout<T>.size
            return value
        }

        @inline(__always)
        mutating func slice() throws -> Range<Int> {
            let length = Int(try take(UInt32.self))
            guard bytes.count - at >= length else { throw DecodeError(reason: "length \(length) past the end at byte \(at)") }
            defer { at += length }
            return at ..< at + length
        }
    }
}

/// A set of delivered record indices within a block, stored as a little bitmap BLOB.
struct DeliveredBitmap: Sendable {
    var bytes: [UInt8]

    init(count: Int) { bytes = [UInt8](repeating: 0, count: (count + 7) / 8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    func contains(_ index: Int) -> Bool {
        let byte = index >> 3
        return byte < bytes.count && bytes[byte] & (1 << UInt8(index & 7)) != 0
    }

    /// Sets the bit; returns true when it was not set before.
    mutating func insert(_ index: Int) -> Bool {
        let byte = index >> 3
        guard byte < bytes.count else { return false }
        let mask: UInt8 = 1 << UInt8(index & 7)
        if bytes[byte] & mask != 0 { return false }
        bytes[byte] |= mask
        return true
    }
}
