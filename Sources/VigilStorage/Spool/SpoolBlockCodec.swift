/// The byte layout of a spool block: many records in one BLOB, so one row (and one B-tree insert)
/// carries thousands of events.
///
/// ```
/// block  := version:u8(=1) record*
/// record := kind:u8 timestamp:i64 idLength:u32 id sourceLength:u32 source bodyLength:u32 body
/// ```
/// Integers are little-endian. Decoding checks every length against the bytes left.
enum SpoolBlockCodec {
    static let version: UInt8 = 1
    static let recordOverhead = 1 + 8 + 4 + 4 + 4

    static func encodedSize(_ records: [SpoolRecord]) -> Int {
        var size = 1
        for record in records {
            size += recordOverhead + record.id.utf8.count + record.source.utf8.count + record.body.count
        }
        return size
    }

    static func encode(_ records: [SpoolRecord]) -> [UInt8] {
        let size = encodedSize(records)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let base = UnsafeMutableRawBufferPointer(buffer)
            var at = 0
            base[at] = version
            at += 1
            func put<T: FixedWidthInteger>(_ value: T) {
                withUnsafeBytes(of: value.littleEndian) { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: base[at ..< at + bytes.count]).copyMemory(from: bytes)
                }
                at += MemoryLayout<T>.size
            }
            func putBytes(_ bytes: UnsafeRawBufferPointer) {
                put(UInt32(bytes.count))
                if !bytes.isEmpty {
                    UnsafeMutableRawBufferPointer(rebasing: base[at ..< at + bytes.count]).copyMemory(from: bytes)
                }
                at += bytes.count
            }
            for record in records {
                put(record.kind)
                put(record.timestampMillis)
                var id = record.id
                id.withUTF8 { putBytes(UnsafeRawBufferPointer($0)) }
                var source = record.source
                source.withUTF8 { putBytes(UnsafeRawBufferPointer($0)) }
                record.body.withUnsafeBytes { putBytes($0) }
            }
            precondition(at == size, "spool block size mismatch")
            initialized = size
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
                body: [UInt8](UnsafeRawBufferPointer(rebasing: bytes[entry.body]))))
        }
        return (records, entries.map(\.index))
    }

    /// Where each record of a block sits, without copying anything; `skip(i)` true leaves record `i` out.
    static func entries(_ bytes: UnsafeRawBufferPointer, skip: (Int) -> Bool = { _ in false }) throws -> [SpoolEntry] {
        guard let first = bytes.first else { throw DecodeError(reason: "empty block") }
        guard first == version else { throw DecodeError(reason: "unknown block version \(first)") }
        var at = 1
        var entries: [SpoolEntry] = []
        var index = 0
        func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard bytes.count - at >= MemoryLayout<T>.size else { throw DecodeError(reason: "truncated at byte \(at)") }
            let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
            at += MemoryLayout<T>.size
            return value
        }
        func slice() throws -> Range<Int> {
            let length = Int(try take(UInt32.self))
            guard bytes.count - at >= length else { throw DecodeError(reason: "length \(length) past the end at byte \(at)") }
            defer { at += length }
            return at ..< at + length
        }
        while at < bytes.count {
            let kind = try take(UInt8.self)
            let timestamp = try take(Int64.self)
            let id = try slice()
            let source = try slice()
            let body = try slice()
            if !skip(index) {
                entries.append(SpoolEntry(index: index, kind: kind, timestampMillis: timestamp, id: id, source: source, body: body))
            }
            index += 1
        }
        return entries
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
