import Foundation
import Testing
@testable import VigilStorage

@Suite struct SpoolSegmentTests {
    func segmentFiles(_ dir: TempDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.file("spool")).filter { $0.hasSuffix(".blocks") }.sorted()
    }

    func freeFiles(_ dir: TempDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.file("spool")).filter { $0.hasSuffix(".free") }.sorted()
    }

    func inode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    @Test func drainedSegmentsAreRecycledUpToTwoAndTheirOldBytesAreNeverRead() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // One block per segment: big blocks first, so a recycled file holds old bytes past a new, smaller block.
        let bigBlock = Int64(SpoolBlockCodec.encodedSize(records(0 ..< 20)))
        do {
            let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path),
                                  configuration: SpoolConfiguration(segmentBytes: bigBlock))
            for n in 0 ..< 4 { #expect(try spool.append(records(n * 20 ..< n * 20 + 20), checkpoint: nil) == .committed) }
            #expect(try segmentFiles(dir).count == 4)
            let blocks = try spool.oldestBlocks(limit: 10)
            let secondInode = inode(dir.file("spool/000000000002.blocks"))
            try spool.complete(blockIDs: blocks.prefix(3).map(\.blockID))
            // Segments 1 and 2 are kept for reuse; the third one drained is deleted.
            #expect(try freeFiles(dir) == ["000000000001.free", "000000000002.free"])
            #expect(try segmentFiles(dir) == ["000000000004.blocks"])
            // The next segment is the last one freed, renamed and written over from its start.
            #expect(try spool.append(records(80 ..< 85), checkpoint: nil) == .committed)
            #expect(try segmentFiles(dir) == ["000000000004.blocks", "000000000005.blocks"])
            #expect(try freeFiles(dir) == ["000000000001.free"])
            #expect(secondInode != nil && inode(dir.file("spool/000000000005.blocks")) == secondInode)
            #expect(try spool.oldestBlocks(limit: 10).flatMap(\.records) == records(60 ..< 85))
        }
        // After a restart too, only the rows' bytes are read, and the free file is still there to reuse.
        let reopened = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration(segmentBytes: bigBlock))
        #expect(try reopened.oldestBlocks(limit: 10).flatMap(\.records) == records(60 ..< 85))
        #expect(try freeFiles(dir).isEmpty)   // the reopened spool's fresh active segment took it
        #expect(try segmentFiles(dir) == ["000000000004.blocks", "000000000005.blocks", "000000000006.blocks"])
    }

    @Test func newSegmentsHaveTheirBlocksReservedButNotTheirSize() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        #if os(Linux)
        #expect(Preallocation.fallocate != nil)
        #endif
        let segmentBytes: Int64 = 8 << 20
        let spool = try Spool(database: VigilDatabase(dataDirectory: dir.path), configuration: SpoolConfiguration(segmentBytes: segmentBytes))
        #expect(try spool.append(records(0 ..< 10), checkpoint: nil) == .committed)
        var st = stat()
        #expect(stat(dir.file("spool/000000000001.blocks"), &st) == 0)
        // Readers rely on the size: it is what was written, not what was reserved.
        #expect(Int(st.st_size) == SpoolBlockCodec.encodedSize(records(0 ..< 10)))
        // Where the file system takes reservations (a probe file says), the segment's blocks are there
        // before they are written; elsewhere the call is refused as unsupported and writes allocate.
        let fd = open(dir.file("probe"), O_WRONLY | O_CREAT, 0o644)
        defer { close(fd) }
        if Preallocation.reserve(fd, bytes: 1 << 20) {
            #expect(Int64(st.st_blocks) * 512 >= segmentBytes)
        } else {
            #expect(errno == EOPNOTSUPP)
            #expect(Int64(st.st_blocks) * 512 < segmentBytes)
        }
        #expect(try spool.oldestBlocks(limit: 1).first?.records == records(0 ..< 10))
    }

    @Test func segmentsRotateAndAreRecycledWhenDrained() throws {
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
        // Completing the first block leaves segment 1 in use; completing the second frees it for reuse.
        try spool.complete(blockID: blocks[0].blockID)
        #expect(try segmentFiles(dir).count == 3)
        try spool.complete(blockID: blocks[1].blockID)
        #expect(try segmentFiles(dir) == ["000000000002.blocks", "000000000003.blocks"])
        #expect(try freeFiles(dir) == ["000000000001.free"])
        try spool.complete(blockIDs: blocks.dropFirst(2).map(\.blockID))
        // The active segment stays (rewound), the others are free.
        #expect(try segmentFiles(dir) == ["000000000003.blocks"])
        #expect(try freeFiles(dir) == ["000000000001.free", "000000000002.free"])
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
        // The stray segment was recycled as the new active one (and is written over from its start).
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try freeFiles(dir).isEmpty)
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
