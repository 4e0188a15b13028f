import Testing
import VigilStorage
@testable import VigilSources

@Suite struct FileTailStateMachineTests {
    typealias M = FileTailStateMachine
    static let a = Array(repeating: UInt8(ascii: "a"), count: 300)
    static let b = Array(repeating: UInt8(ascii: "b"), count: 300)

    static func obs(_ path: String, _ inode: UInt64, _ size: Int64) -> M.Observation {
        M.Observation(path: path, device: 7, inode: inode, size: size)
    }

    static func status(_ id: Int, _ size: Int64, links: Int = 1, atEnd: Bool = true) -> M.Status {
        M.Status(id: id, size: size, linkCount: links, atEnd: atEnd)
    }

    @Test func renameThenCreate() {
        var m = M()
        #expect(m.poll(observations: [Self.obs("/l/app.log", 10, 100)], statuses: []) == [.open(path: "/l/app.log", device: 7, inode: 10)])
        let first = m.opened(path: "/l/app.log", device: 7, inode: 10, size: 100, prefix: Self.a)
        #expect(first == (1, 0))
        m.advanced(id: 1, to: 100)
        // app.log -> app.log.1 (outside the glob), new app.log created; the old one still grows.
        let actions = m.poll(observations: [Self.obs("/l/app.log", 11, 0)], statuses: [Self.status(1, 120, atEnd: false)])
        #expect(actions == [.open(path: "/l/app.log", device: 7, inode: 11), .draining(id: 1, deleted: false)])
        let second = m.opened(path: "/l/app.log", device: 7, inode: 11, size: 0, prefix: [])
        #expect(second == (2, 0))
        #expect(m.openIDs == [1, 2])  // the old file is read first
        // Not closed while it still has unread bytes or just reached its end.
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 120), Self.status(2, 0)]).isEmpty)
        m.advanced(id: 1, to: 120)
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 120), Self.status(2, 0)]).isEmpty)
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 120), Self.status(2, 0)]) == [.close(id: 1)])
        m.closed(id: 1)
        #expect(m.openIDs == [2])
    }

    @Test func renameWithinTheGlobKeepsReading() {
        var m = M()
        _ = m.poll(observations: [Self.obs("/l/app.log", 10, 100)], statuses: [])
        _ = m.opened(path: "/l/app.log", device: 7, inode: 10, size: 100, prefix: Self.a)
        let actions = m.poll(observations: [Self.obs("/l/app.log.1", 10, 100)], statuses: [Self.status(1, 100)])
        #expect(actions.isEmpty)
        #expect(m.path(of: 1) == "/l/app.log.1")
    }

    @Test func copyTruncate() {
        var m = M()
        _ = m.poll(observations: [Self.obs("/l/app.log", 10, 500)], statuses: [])
        _ = m.opened(path: "/l/app.log", device: 7, inode: 10, size: 500, prefix: Self.a)
        m.advanced(id: 1, to: 500)
        m.acknowledged(id: 1, offset: 500)
        #expect(m.poll(observations: [Self.obs("/l/app.log", 10, 40)], statuses: [Self.status(1, 40)]) == [.truncated(id: 1)])
        #expect(m.checkpoint(id: 1, offset: 0)?.offset == 0)
        // Growing again from 0 is normal reading, not another truncation.
        m.advanced(id: 1, to: 40)
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 80)]).isEmpty)
    }

    @Test func deleteAndRecreate() {
        var m = M()
        _ = m.poll(observations: [Self.obs("/l/app.log", 10, 100)], statuses: [])
        _ = m.opened(path: "/l/app.log", device: 7, inode: 10, size: 100, prefix: Self.a)
        m.advanced(id: 1, to: 100)
        #expect(m.poll(observations: [], statuses: [Self.status(1, 100, links: 0)]) == [.draining(id: 1, deleted: true)])
        #expect(m.poll(observations: [Self.obs("/l/app.log", 12, 10)], statuses: [Self.status(1, 100, links: 0)])
                == [.open(path: "/l/app.log", device: 7, inode: 12), .close(id: 1)])
    }

    @Test func inodeReuseWithDifferentContentStartsAtZero() {
        var m = M()
        _ = m.poll(observations: [Self.obs("/l/app.log", 10, 300)], statuses: [])
        _ = m.opened(path: "/l/app.log", device: 7, inode: 10, size: 300, prefix: Self.a)
        m.advanced(id: 1, to: 300)
        m.acknowledged(id: 1, offset: 300)
        _ = m.poll(observations: [], statuses: [Self.status(1, 300, links: 0)])
        _ = m.poll(observations: nil, statuses: [Self.status(1, 300, links: 0)])
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 300, links: 0)]) == [.close(id: 1)])
        m.closed(id: 1)
        // Same device and inode, other bytes: a new file.
        _ = m.poll(observations: [Self.obs("/l/app.log", 10, 400)], statuses: [])
        #expect(m.opened(path: "/l/app.log", device: 7, inode: 10, size: 400, prefix: Self.b).offset == 0)
    }

    @Test func restoredCheckpointsNeedTheFingerprint() {
        let key = FileFingerprint(device: 7, inode: 10, prefix: Self.a).key
        let checkpoints = [FileCheckpoint(key: key, path: "/l/app.log", offset: 250)]
        var same = M(startAt: .end, checkpoints: checkpoints)
        _ = same.poll(observations: [Self.obs("/l/app.log", 10, 900)], statuses: [])
        #expect(same.opened(path: "/l/app.log", device: 7, inode: 10, size: 900, prefix: Self.a).offset == 250)
        var reused = M(startAt: .end, checkpoints: checkpoints)
        _ = reused.poll(observations: [Self.obs("/l/app.log", 10, 900)], statuses: [])
        #expect(reused.opened(path: "/l/app.log", device: 7, inode: 10, size: 900, prefix: Self.b).offset == 0)
        // A short fingerprint (young file) still matches once the file has grown.
        let young = FileFingerprint(device: 7, inode: 10, prefix: Self.a.prefix(20)).key
        var grown = M(checkpoints: [FileCheckpoint(key: young, path: "/l/app.log", offset: 20)])
        _ = grown.poll(observations: [Self.obs("/l/app.log", 10, 300)], statuses: [])
        #expect(grown.opened(path: "/l/app.log", device: 7, inode: 10, size: 300, prefix: Self.a).offset == 20)
    }

    @Test func startAtEndOnlyForFilesPresentAtTheFirstScan() {
        var m = M(startAt: .end)
        _ = m.poll(observations: [Self.obs("/l/old.log", 10, 500)], statuses: [])
        #expect(m.opened(path: "/l/old.log", device: 7, inode: 10, size: 500, prefix: Self.a).offset == 500)
        _ = m.poll(observations: [Self.obs("/l/old.log", 10, 500), Self.obs("/l/new.log", 11, 50)], statuses: [Self.status(1, 500)])
        #expect(m.opened(path: "/l/new.log", device: 7, inode: 11, size: 50, prefix: Self.b).offset == 0)
    }

    @Test func growWhileRotatedIsNotClosedEarly() {
        var m = M()
        _ = m.poll(observations: [Self.obs("/l/app.log", 10, 100)], statuses: [])
        _ = m.opened(path: "/l/app.log", device: 7, inode: 10, size: 100, prefix: Self.a)
        m.advanced(id: 1, to: 100)
        _ = m.poll(observations: [], statuses: [Self.status(1, 100)])
        _ = m.poll(observations: nil, statuses: [Self.status(1, 100)])
        // The writer appends once more before reopening: the close is postponed.
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 150, atEnd: false)]).isEmpty)
        m.advanced(id: 1, to: 150)
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 150)]).isEmpty)
        #expect(m.poll(observations: nil, statuses: [Self.status(1, 150)]) == [.close(id: 1)])
    }

    @Test func manyFilesAreTrackedOnceEach() {
        var m = M()
        let observations = (0..<200).map { Self.obs("/l/f\($0).log", UInt64(100 + $0), 10) }
        let actions = m.poll(observations: observations + observations, statuses: [])
        #expect(actions.count == 200)
        for o in observations { _ = m.opened(path: o.path, device: o.device, inode: o.inode, size: o.size, prefix: []) }
        #expect(m.openIDs.count == 200)
        #expect(m.poll(observations: observations, statuses: []).isEmpty)
        // A hard link (second path, same inode) is not a second file.
        #expect(m.poll(observations: observations + [Self.obs("/l/link.log", 100, 10)], statuses: []).isEmpty)
    }

    @Test func fingerprintKeysRoundTrip() {
        let fp = FileFingerprint(device: 2049, inode: 131, prefix: Self.a)
        #expect(fp.length == 256)
        #expect(FileFingerprint(key: fp.key) == fp)
        #expect(FileFingerprint(key: "nonsense") == nil)
    }
}

@Suite struct GlobTests {
    @Test func expandAndExclude() throws {
        let dir = TempDir()
        for name in ["a.log", "b.log", "c.log.1.gz", "d.txt"] { append(dir.file(name), "x\n") }
        #expect(Glob.expand(dir.file("*.log")) == [dir.file("a.log"), dir.file("b.log")])
        #expect(Glob.expand(dir.file("*.log*")).filter { !Glob.isExcluded($0, by: ["*.gz"]) } == [dir.file("a.log"), dir.file("b.log")])
        #expect(Glob.expand(dir.file("none-*.log")).isEmpty)
    }
}
