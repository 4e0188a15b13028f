import Foundation
import Testing
@testable import VigilStorage

@Suite struct SpoolSegmentTests {
    func segmentFiles(_ dir: TempDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.file("spool")).filter { $0.hasSuffix(".blocks") }.sorted()
    }

    @Test func segmentsRotateAndAreDeletedWhenDrained() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let blockSize = Int64(SpoolBlockCodec.encodedSize(records(0 ..< 10)))
        // Two blocks per segment.
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path),
                              configuration: SpoolConfiguration(segmentBytes: blockSize * 2))
        for n in 0 ..< 5 { #expect(try spool.append(records(n * 10 ..< n * 10 + 10), checkpoint: nil) == .committed) }
        #expect(try segmentFiles(dir) == ["000000000001.blocks", "000000000002.blocks", "000000000003.blocks"])
        let blocks = try spool.oldestBlocks(limit: 10)
        #expect(blocks.flatMap(\.records) == records(0 ..< 50))
        // Completing the first block leaves segment 1 in use; completing the second deletes it.
        try spool.complete(blockID: blocks[0].blockID)
        #expect(try segmentFiles(dir).count == 3)
        try spool.complete(blockID: blocks[1].blockID)
        #expect(try segmentFiles(dir) == ["000000000002.blocks", "000000000003.blocks"])
        try spool.complete(blockIDs: blocks.dropFirst(2).map(\.blockID))
        // The active segment stays (rewound), the others are gone.
        #expect(try segmentFiles(dir) == ["000000000003.blocks"])
        #expect(try spool.append(records(50 ..< 60), checkpoint: nil) == .committed)
        #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(50 ..< 60))
        #expect(try segmentFiles(dir) == ["000000000003.blocks"])
    }

    @Test func reopenKeepsReferencedSegmentsAndDeletesOrphans() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
            #expect(try spool.append(records(0 ..< 10), checkpoint: FileCheckpoint(key: "k", path: "/p", offset: 10)) == .committed)
        }
        // Bytes whose row never committed (a crash between the write and the commit) and a stray file.
        let stray = dir.file("spool/000000000007.blocks")
        _ = FileManager.default.createFile(atPath: stray, contents: Data(repeating: 0xAB, count: 1000))
        let handle = try #require(FileHandle(forWritingAtPath: dir.file("spool/000000000001.blocks")))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0xCD, count: 500))
        try handle.close()

        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(0 ..< 10))
        #expect(try spool.loadCheckpoints().map(\.offset) == [10])
        // New blocks go to a fresh segment after the highest one seen.
        #expect(try spool.append(records(10 ..< 20), checkpoint: nil) == .committed)
        #expect(try segmentFiles(dir) == ["000000000001.blocks", "000000000008.blocks"])
        #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(0 ..< 20))
    }

    @Test func missingSegmentIsReportedAsCorruptBlock() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
            #expect(try spool.append(records(0 ..< 3), checkpoint: nil) == .committed)
        }
        try FileManager.default.removeItem(atPath: dir.file("spool/000000000001.blocks"))
        let reopened = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration())
        #expect(throws: SpoolCorruptBlockError.self) { _ = try reopened.oldestBlocks(limit: 1) }
    }

    @Test func corruptBlocksAreDiscardedWithTheirEventCount() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        do {
            let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration(segmentBytes: 1))
            #expect(try spool.append(records(0 ..< 3), checkpoint: nil) == .committed)
            #expect(try spool.append(records(3 ..< 5), checkpoint: nil) == .committed)
        }
        // The first block's segment is gone; the second block (in its own segment) is intact.
        let first = try segmentFiles(dir)[0]
        try FileManager.default.removeItem(atPath: dir.file("spool/" + first))
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration(segmentBytes: 1))
        let error = try #require(throws: SpoolCorruptBlockError.self) { _ = try spool.oldestBlockViews(limit: 10, maxBytes: 1 << 20) }
        #expect(error.events == 3)
        #expect(try spool.discardCorruptBlock(error, sink: "elasticsearch") == 3)
        #expect(try spool.discardCorruptBlock(error, sink: "elasticsearch") == 0)   // already gone
        #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(3 ..< 5))
        #expect(try spool.stats().events == 2)
        let letters = try spool.deadLetters.list(limit: 10)
        #expect(letters.count == 1)
        #expect(letters.first?.reason == "corrupt_spool_block")
        #expect(letters.first?.detail?.hasPrefix("3 events lost:") == true)
    }

    @Test func fullSynchronousAppendsAndReads() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path, synchronous: .full),
                              configuration: SpoolConfiguration(synchronous: .full))
        #expect(try spool.append(records(0 ..< 5), checkpoint: nil) == .committed)
        #expect(try spool.oldestBlocks(limit: 1).first?.records == records(0 ..< 5))
    }
}
