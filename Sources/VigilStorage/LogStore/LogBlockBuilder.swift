import VigilGzip

/// Collects events into one log block and encodes it (see ``LogBlock`` for the layout).
///
/// Per event it copies the id, source and body bytes, finds service and level in the body without
/// allocating (``LogFieldRanges``), and hashes every token of the body into a large bloom filter that
/// ``seal()`` folds to the block's size. Services, levels and sources are dictionary-coded (at most 255
/// of each in a block: ``isFull`` says when another could not fit).
struct LogBlockBuilder {
    static let initialBloomLines = 1 << 14
    static let maxDictionary = 255

    private(set) var count = 0
    private(set) var minTs = Int64.max
    private(set) var maxTs = Int64.min
    private var timestamps: [Int64] = []
    private var kinds: [UInt8] = []
    private var serviceCodes: [UInt8] = []
    private var levelCodes: [UInt8] = []
    private var sourceCodes: [UInt8] = []
    private var idBytes: [UInt8] = []
    private var idLengths: [Int] = []
    private(set) var bodies: [UInt8] = []
    private var bodyLengths: [Int] = []
    private(set) var services: [[UInt8]] = []
    private(set) var levels: [[UInt8]] = []
    private var sources: [[UInt8]] = []
    private var bloom = TokenBloomFilter(lines: initialBloomLines)
    /// An event added since the last seal carried a dictionary value that no longer fits.
    private(set) var isFull = false

    var bodyBytes: Int { bodies.count }

    /// Adds one event. Returns false (adding nothing) when the block's dictionaries are full: seal first.
    mutating func add(id: UnsafeBufferPointer<UInt8>, kind: UInt8, timestampMillis: Int64, source: UnsafeBufferPointer<UInt8>,
                      body: UnsafeBufferPointer<UInt8>) -> Bool {
        let fields = LogFieldRanges.locate(in: body)
        var serviceCode: UInt8 = 0, levelCode: UInt8 = 0
        if let range = fields.service {
            let code: UInt8?
            if fields.serviceEscaped {
                code = Array((LogFields.extract(from: Array(body)).service ?? "").utf8).withUnsafeBufferPointer { Self.code(of: $0, in: &services, lowercase: false) }
            } else {
                code = Self.code(of: UnsafeBufferPointer(rebasing: body[range]), in: &services, lowercase: false)
            }
            guard let code else { isFull = true; return false }
            serviceCode = code
        }
        if let range = fields.level {
            let code: UInt8?
            if fields.levelEscaped {
                code = Array((LogFields.extract(from: Array(body)).level ?? "").utf8).withUnsafeBufferPointer { Self.code(of: $0, in: &levels, lowercase: true) }
            } else {
                code = Self.code(of: UnsafeBufferPointer(rebasing: body[range]), in: &levels, lowercase: true)
            }
            guard let code else { isFull = true; return false }
            levelCode = code
        }
        guard let sourceCode = Self.code(of: source, in: &sources, lowercase: false) else { isFull = true; return false }

        count += 1
        minTs = min(minTs, timestampMillis)
        maxTs = max(maxTs, timestampMillis)
        timestamps.append(timestampMillis)
        kinds.append(kind)
        serviceCodes.append(serviceCode)
        levelCodes.append(levelCode)
        sourceCodes.append(sourceCode - 1)
        idBytes.append(contentsOf: id)
        idLengths.append(id.count)
        bodies.append(contentsOf: body)
        bodyLengths.append(body.count)
        addTokens(body)
        if fields.messageEscaped, let message = LogFields.extract(from: Array(body)).message {
            // Search matches the decoded message too (as the FTS index did): `\u00e9t\u00e9` is also `été`.
            Array(message.utf8).withUnsafeBufferPointer { addTokens($0) }
        }
        return true
    }

    private mutating func addTokens(_ bytes: UnsafeBufferPointer<UInt8>) {
        bloom.insertTokens(of: bytes)
    }

    /// 1-based code of `value` in `dictionary` (0 means absent), adding it; nil when the dictionary is full.
    /// Compares in place: a copy is made only for a value the block has not seen.
    @inline(__always)
    private static func code(of value: UnsafeBufferPointer<UInt8>, in dictionary: inout [[UInt8]], lowercase: Bool) -> UInt8? {
        search: for (index, entry) in dictionary.enumerated() where entry.count == value.count {
            for k in 0 ..< value.count where (lowercase ? LogTokenizer.lowercase(value[k]) : value[k]) != entry[k] { continue search }
            return UInt8(index + 1)
        }
        guard dictionary.count < maxDictionary else { return nil }
        dictionary.append(lowercase ? value.map(LogTokenizer.lowercase) : Array(value))
        return UInt8(dictionary.count)
    }

    /// Encodes the block and empties the builder.
    mutating func seal(compressionLevel: Int32) -> LogBlock.Encoded {
        precondition(count > 0, "sealing an empty block")
        var meta: [UInt8] = []
        meta.reserveCapacity(count * 48 + 256)
        LogBlock.putVarint(UInt64(count), &meta)
        for dictionary in [services, levels, sources] {
            LogBlock.putVarint(UInt64(dictionary.count), &meta)
            for entry in dictionary {
                LogBlock.putVarint(UInt64(entry.count), &meta)
                meta.append(contentsOf: entry)
            }
        }
        var previous = minTs
        for ts in timestamps {
            let delta = ts &- previous
            LogBlock.putVarint(UInt64(bitPattern: (delta << 1) ^ (delta >> 63)), &meta)
            previous = ts
        }
        meta.append(contentsOf: kinds)
        meta.append(contentsOf: serviceCodes)
        meta.append(contentsOf: levelCodes)
        meta.append(contentsOf: sourceCodes)
        for length in idLengths { LogBlock.putVarint(UInt64(length), &meta) }
        meta.append(contentsOf: idBytes)
        for length in bodyLengths { LogBlock.putVarint(UInt64(length), &meta) }

        bloom.foldToFit()
        let bloomBytes = bloom.bytes
        let metaPacked = Gzip.compressISAL(meta, level: compressionLevel)
        let bodiesPacked = Gzip.compressISAL(bodies, level: compressionLevel)
        var bytes = bloomBytes
        bytes.reserveCapacity(bloomBytes.count + metaPacked.count + bodiesPacked.count)
        bytes.append(contentsOf: metaPacked)
        bytes.append(contentsOf: bodiesPacked)
        let encoded = LogBlock.Encoded(
            bytes: bytes,
            info: LogBlock.Info(count: count, minTs: minTs, maxTs: maxTs, bloomLines: bloom.lines,
                                metaLength: metaPacked.count, rawMetaLength: meta.count,
                                bodiesLength: bodiesPacked.count, rawBodiesLength: bodies.count,
                                services: services.map { String(decoding: $0, as: UTF8.self) },
                                levels: levels.map { String(decoding: $0, as: UTF8.self) }))
        reset()
        return encoded
    }

    private mutating func reset() {
        count = 0
        minTs = .max
        maxTs = .min
        timestamps.removeAll(keepingCapacity: true)
        kinds.removeAll(keepingCapacity: true)
        serviceCodes.removeAll(keepingCapacity: true)
        levelCodes.removeAll(keepingCapacity: true)
        sourceCodes.removeAll(keepingCapacity: true)
        idBytes.removeAll(keepingCapacity: true)
        idLengths.removeAll(keepingCapacity: true)
        bodies.removeAll(keepingCapacity: true)
        bodyLengths.removeAll(keepingCapacity: true)
        services.removeAll()
        levels.removeAll()
        sources.removeAll()
        isFull = false
        bloom.reset(lines: Self.initialBloomLines)
    }
}
