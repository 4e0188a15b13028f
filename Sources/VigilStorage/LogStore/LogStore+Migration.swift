extension LogStore {
    /// Moves the events of a schema 1 or 2 store (one row per event with an FTS5 index) into blocks and drops
    /// the old tables, in one transaction: a crash part-way leaves the old store as it was (the blocks written
    /// so far are orphans that the next open deletes).
    static func migrateFTSStore(_ sqlite: SQLiteDatabase, writer w: inout Writer, configuration: LogStoreConfiguration) throws {
        try sqlite.transaction { conn in
            guard try conn.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'logs'") == 1 else { return }
            var lastID: Int64 = 0
            var builder = LogBlockBuilder()
            var rows: [PendingRow] = []
            func seal() throws {
                guard builder.count > 0 else { return }
                let block = builder.seal(compressionLevel: configuration.compressionLevel)
                let (segment, offset) = try w.segments.append(block.bytes)
                rows.append(PendingRow(segment: segment, offset: offset, info: block.info))
            }
            while true {
                let page = try conn.query("SELECT id, doc_id, ts_ms, kind, source, body FROM logs WHERE id > ? ORDER BY id LIMIT 5000", [.integer(lastID)]) {
                    (id: $0.int64(0), doc: $0.text(1), ts: $0.int64(2), kind: UInt8(truncatingIfNeeded: $0.int64(3)), source: $0.text(4), body: $0.text(5))
                }
                guard let last = page.last else { break }
                lastID = last.id
                for row in page {
                    var doc = row.doc, source = row.source, body = row.body
                    let added = doc.withUTF8 { id in
                        source.withUTF8 { source in
                            body.withUTF8 { body in builder.add(id: id, kind: row.kind, timestampMillis: row.ts, source: source, body: body) }
                        }
                    }
                    if !added {
                        try seal()
                        _ = doc.withUTF8 { id in
                            source.withUTF8 { source in
                                body.withUTF8 { body in builder.add(id: id, kind: row.kind, timestampMillis: row.ts, source: source, body: body) }
                            }
                        }
                    }
                    if builder.count >= configuration.blockEvents { try seal() }
                }
            }
            try seal()
            try insertRows(rows, conn)
            try conn.execute("DROP TRIGGER IF EXISTS logs_fts_insert; DROP TRIGGER IF EXISTS logs_fts_delete; DROP TABLE IF EXISTS logs_fts; DROP TABLE logs;")
        }
        try sqlite.execute("PRAGMA incremental_vacuum")
    }
}
