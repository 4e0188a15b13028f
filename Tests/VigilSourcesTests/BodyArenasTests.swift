import Testing
import VigilCore
@testable import VigilSources

@Suite struct BodyArenasTests {
    static func accept(_ line: String, into arena: EventBodyArena) throws -> Event {
        var pipeline = try EventPipeline(configuration: PipelineConfiguration(redact: .none), registry: MetricRegistry())
        var context = LineContext(source: "file", id: "x", readTimeMillis: 0)
        context.bodyArena = arena
        guard case .accepted(let event) = pipeline.process(Array(line.utf8), context: context) else {
            throw CancellationError()
        }
        return event
    }

    /// Chunks use the two arenas in turn; one is emptied and reused only when no event holds it any more,
    /// otherwise it is replaced, so bytes an event still refers to are never overwritten.
    @Test func arenasAlternateAndHeldOnesAreReplaced() throws {
        var arenas = BodyArenas(capacity: 64)
        var a: EventBodyArena? = arenas.next()
        let aID = ObjectIdentifier(a!)
        var b: EventBodyArena? = arenas.next()
        let bID = ObjectIdentifier(b!)
        #expect(aID != bID)

        // An event still holds `a` when its turn comes again: a new arena takes its place.
        let held = try Self.accept(#"{"a":1}"#, into: a!)
        a = nil
        let c = arenas.next()
        #expect(ObjectIdentifier(c) != aID)
        #expect(held.body == Array(#"{"a":1}"#.utf8))

        // Nothing holds `b` once its event is gone: its turn reuses it, emptied.
        var dropped: Event? = try Self.accept(#"{"b":2}"#, into: b!)
        #expect(b!.used == 7)
        dropped = nil
        b = nil
        let d = arenas.next()
        #expect(ObjectIdentifier(d) == bID)
        #expect(d.used == 0)
        _ = dropped
    }

    /// At the end of a file nothing is read into the arena just taken: giving it back means the next read
    /// takes the same one again instead of allocating while events still hold the other.
    @Test func anArenaGivenBackIsTakenAgain() throws {
        var arenas = BodyArenas(capacity: 64)
        let first = arenas.next()
        let held = try Self.accept(#"{"a":1}"#, into: first)   // events of the last chunk hold `first`
        var empty: EventBodyArena? = arenas.next()
        let emptyID = ObjectIdentifier(empty!)
        empty = nil   // as in the tailer: nothing refers to an arena nothing was read into
        arenas.giveBack()
        #expect(arenas.current === first)
        #expect(ObjectIdentifier(arenas.next()) == emptyID)
        _ = empty
        #expect(held.body == Array(#"{"a":1}"#.utf8))
    }
}
