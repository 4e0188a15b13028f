extension LogStore {
    /// Deletes events older than the retention period (whole blocks, and the expired events of a block that
    /// straddles the cutoff, which is rewritten), then the oldest blocks until the store's bytes are under
    /// `maxBytes`. Returns the number of events deleted.
    @discardableResult
    public func enforceRetention(nowMillis: Int64) throws -> Int {
        try withWriter { w in
            var deleted = try expireByAge(cutoff: nowMillis - configuration.retentionSeconds * 1000, &w)
            // By size: the oldest blocks first; the index shrinks little, so a couple of rounds converge.
            for _ in 0 ..< 8 {
                let used = try usedBytes()
                guard used > configuration.maxBytes else { break }
                var excess = used - configuration.maxBytes
                let rows = try sqlite.withConnection { conn in
                    try conn.query("SELECT \(Self.rowColumns) FROM log_blocks ORDER BY max_ts, seq LIMIT 4096", [], Self.blockRow)
                }
                guard !rows.isEmpty else { break }
                var victims: [BlockRow] = []
                for row in rows where excess > 0 {
                    victims.append(row)
                    excess -= Int64(row.info.totalBytes)
                }
                deleted += try remove(victims, replacements: [], &w)
            }
            return deleted
        }
    }

    private func expireByAge(cutoff: Int64, _ w: inout Writer) throws -> Int {
        let (expired, straddling) = try sqlite.withConnection { conn in
            (try conn.query("SELECT \(Self.rowColumns) FROM log_blocks WHERE max_ts < ?", [.integer(cutoff)], Self.blockRow),
             try conn.query("SELECT \(Self.rowColumns) FROM log_blocks WHERE min_ts < ? AND max_ts >= ?", [.integer(cutoff), .integer(cutoff)], Self.blockRow))
        }
        guard !expired.isEmpty || !straddling.isEmpty else { return 0 }
        // A straddling block is rewritten with its events at or after the cutoff, in a builder of its own
        // (the writer's may hold appended events).
        let reader = SegmentReader(.logStore, directory: blockDirectory)
        var replacements: [PendingRow] = []
        for row in straddling {
            let meta = try readMeta(row, reader)
            let bodies = try readBodies(row, reader)
            var builder = LogBlockBuilder()
            meta.idBytes.withUnsafeBufferPointer { ids in
                bodies.withUnsafeBufferPointer { bodyBytes in
                    for i in 0 ..< meta.count where meta.timestamps[i] >= cutoff {
                        var source = meta.source(i)
                        source.withUTF8 { source in
                            let added = builder.add(id: UnsafeBufferPointer(rebasing: ids[meta.idRange(i)]), kind: meta.kinds[i], timestampMillis: meta.timestamps[i],
                                                    source: source, body: UnsafeBufferPointer(rebasing: bodyBytes[meta.bodyRange(i)]))
                            precondition(added, "a subset of a block fits a block")
                        }
                    }
                }
            }
            let block = builder.seal(compressionLevel: configuration.compressionLevel)
            let (segment, offset) = try w.segments.append(block.bytes)
            replacements.append(PendingRow(segment: segment, offset: offset, info: block.info, seq: row.seq))
        }
        return try remove(expired + straddling, replacements: replacements, &w) - replacements.reduce(0) { $0 + $1.info.count }
    }

    /// Deletes `rows` (and commits `replacements`) in one transaction, then frees their space. Returns the
    /// events in `rows`.
    private func remove(_ rows: [BlockRow], replacements: [PendingRow], _ w: inout Writer) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        try sqlite.transaction { conn in
            let statement = try conn.statement("DELETE FROM log_blocks WHERE seq = ?")
            for row in rows {
                defer { statement.reset() }
                try statement.bind(row.seq, at: 1)
                _ = try statement.step()
            }
            try Self.insertRows(replacements, conn)
        }
        let live = try sqlite.withConnection { Set(try $0.query("SELECT DISTINCT segment FROM log_blocks") { $0.int64(0) }) }
        let waiting = Set(w.pending.map(\.segment))
        for row in rows {
            if live.contains(row.segment) || waiting.contains(row.segment) || row.segment == w.segments.activeID {
                w.segments.punchHole(segment: row.segment, offset: row.offset, length: Int64(row.info.totalBytes))
            } else {
                w.segments.release(row.segment)
            }
        }
        return rows.reduce(0) { $0 + $1.info.count }
    }
}
