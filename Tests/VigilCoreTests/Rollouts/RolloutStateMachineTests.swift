import FoundationEssentials
import Testing
@testable import VigilCore

@Suite struct RolloutStateMachineTests {
    typealias Phase = RolloutStateMachine.Phase
    typealias Command = RolloutStateMachine.Command
    typealias F = RolloutFixtures

    /// Every command in every phase: the resulting phase, or `unchanged` / `refused` with the phase kept.
    static let commandTable: [(Phase, Command, String, Phase)] = [
        (.pending, .start, "transition", .running), (.running, .start, "unchanged", .running),
        (.paused, .start, "unchanged", .paused), (.promoted, .start, "refused", .promoted),
        (.rolledBack, .start, "transition", .running),

        (.pending, .promote, "transition", .promoted), (.running, .promote, "transition", .promoted),
        (.paused, .promote, "transition", .promoted), (.promoted, .promote, "unchanged", .promoted),
        (.rolledBack, .promote, "refused", .rolledBack),

        (.pending, .rollback, "transition", .rolledBack), (.running, .rollback, "transition", .rolledBack),
        (.paused, .rollback, "transition", .rolledBack), (.promoted, .rollback, "transition", .rolledBack),
        (.rolledBack, .rollback, "unchanged", .rolledBack),

        (.pending, .pause, "refused", .pending), (.running, .pause, "transition", .paused),
        (.paused, .pause, "unchanged", .paused), (.promoted, .pause, "refused", .promoted),
        (.rolledBack, .pause, "refused", .rolledBack),

        (.pending, .resume, "refused", .pending), (.running, .resume, "unchanged", .running),
        (.paused, .resume, "transition", .running), (.promoted, .resume, "refused", .promoted),
        (.rolledBack, .resume, "refused", .rolledBack),
    ]

    @Test(arguments: commandTable)
    func commands(from: Phase, command: Command, outcome: String, to: Phase) {
        var m = F.machine(in: from)
        let version = m.version
        let action = m.apply(command, by: "alice", reason: "because", now: 5_000)
        #expect(action.kind == outcome)
        #expect(m.phase == to)
        if let t = action.transition {
            #expect(m.version == version + 1 && t.version == m.version)
            #expect(t.actor == "alice" && !t.automatic && t.reason == "because" && t.atMillis == 5_000)
            #expect(t.from == from && t.to == to && t.change.rawValue == command.rawValue)
        } else {
            #expect(m.version == version)
        }
        // Repeating a command that changed the state is harmless: it changes nothing more.
        if outcome == "transition", command != .start || to == .running {
            let again = m.apply(command, by: "alice", reason: "again", now: 6_000)
            #expect(again.kind == "unchanged")
            #expect(m.phase == to)
        }
    }

    @Test(arguments: Command.allCases)
    func aCommandNeedsAReason(command: Command) {
        var m = F.machine(in: .running)
        #expect(m.apply(command, by: "alice", reason: "  ", now: 0).kind == "refused")
        #expect(m.phase == .running && m.version == 1)
    }

    @Test func weightsFollowThePhase() {
        #expect(F.machine(in: .pending).weight == 0)
        #expect(F.machine(in: .running).weight == 5)
        #expect(F.machine(in: .paused).weight == 5)
        #expect(F.machine(in: .promoted).weight == 100)
        #expect(F.machine(in: .rolledBack).weight == 0)
        #expect(F.machine(in: .running).weights.map(\.percent) == [95, 5])
    }

    @Test func noDataIsInconclusiveAndNeverActs() {
        var m = F.machine(in: .running)
        #expect(m.evaluate(F.zero, now: 1_000).evaluation?.decision == .inconclusive)
        // A challenger with few requests, every one an error: still not enough data.
        let action = m.evaluate(F.evidence(champion: (950, 0), challenger: (50, 50)), now: 60_000)
        #expect(action.kind == "observe")
        #expect(action.evaluation?.decision == .inconclusive)
        #expect(action.evaluation?.reason.contains("not enough data") == true)
        #expect(m.phase == .running && m.weight == 5)
    }

    @Test func incompleteEvidenceIsInconclusive() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        let bad = F.evidence(champion: (10_000, 0), challenger: (2_000, 2_000), problem: "scrape of agent-2 is 5m old")
        let action = m.evaluate(bad, now: 60_000)
        #expect(action.evaluation?.decision == .inconclusive)
        #expect(action.evaluation?.reason.contains("scrape of agent-2") == true)
        #expect(m.phase == .running)
    }

    @Test func sampleRatioMismatchHolds() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        // 5 % expected, 25 % observed.
        let action = m.evaluate(F.evidence(champion: (900, 9), challenger: (300, 3)), now: 60_000)
        #expect(action.kind == "observe")
        let e = try! #require(action.evaluation)
        #expect(e.decision == .hold)
        #expect(e.sampleRatio?.mismatch == true)
        #expect(e.reason.contains("sample-ratio mismatch"))
        #expect(m.step == 0)
    }

    @Test func aFailingGuardrailRollsBackAutomatically() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        let action = m.evaluate(F.evidence(champion: (19_000, 190), challenger: (1_000, 100)), now: 30_000)
        let t = try! #require(action.transition)
        #expect(t.change == .rollback && t.automatic && t.actor == RolloutStateMachine.automaticActor)
        #expect(t.fromWeight == 5 && t.toWeight == 0)
        #expect(t.evaluation?.guardrails.first?.verdict == .fail)
        #expect(t.reason.hasPrefix("challenger error rate 10% vs 1%"))
        #expect(m.phase == .rolledBack && m.weight == 0)
        // Finished: further evidence changes nothing.
        #expect(m.evaluate(F.evidence(champion: (30_000, 0), challenger: (1_000, 0)), now: 40_000).kind == "idle")
    }

    @Test func advancesThroughEveryStepAndPromotes() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        var champion = 0, challenger = 0, now: Int64 = 0
        var changes: [RolloutChange] = []
        for _ in 0..<20 where m.phase == .running {
            // One step's traffic at its weight, equal 1 % error rates.
            let w = m.weight
            let n = 4_000
            let toChallenger = Int(Double(n) * w / 100)
            champion += n - toChallenger
            challenger += toChallenger
            now += 11_000
            let action = m.evaluate(F.evidence(champion: (champion, champion / 100), challenger: (challenger, challenger / 100)), now: now)
            if let t = action.transition { changes.append(t.change) }
        }
        #expect(changes == [.advance, .advance, .advance, .promote])
        #expect(m.phase == .promoted && m.weight == 100 && m.version == 5)
    }

    @Test func aStepWaitsForItsDurationAndSamples() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        let early = m.evaluate(F.evidence(champion: (9_500, 95), challenger: (500, 5)), now: 5_000)
        #expect(early.evaluation?.decision == .continue)
        #expect(early.evaluation?.reason.contains("5 s of 10 s") == true)
        let advanced = m.evaluate(F.evidence(champion: (9_500, 95), challenger: (500, 5)), now: 10_000)
        #expect(advanced.transition?.change == .advance && m.step == 1)
        // The new step starts counting from here.
        let next = m.evaluate(F.evidence(champion: (9_600, 96), challenger: (510, 5)), now: 30_000)
        #expect(next.evaluation?.decision == .continue)
        #expect(next.evaluation?.challengerStepRequests == 10)
        #expect(next.evaluation?.reason.contains("10 of 100 requests per variant") == true)
    }

    @Test(arguments: [false, true])
    func pausedOrManualRolloutsOnlyRecommend(paused: Bool) {
        var m = paused ? F.machine(in: .paused) : F.machine(in: .running, F.definition(automatic: false))
        _ = m.evaluate(F.zero, now: 0)
        let action = m.evaluate(F.evidence(champion: (19_000, 190), challenger: (1_000, 100)), now: 30_000)
        #expect(action.kind == "recommend")
        #expect(action.evaluation?.decision == .rollback)
        #expect(m.phase == (paused ? .paused : .running) && m.weight == 5)
        // A person acts on it.
        #expect(m.apply(.rollback, by: "bob", reason: "as recommended", now: 31_000).transition?.actor == "bob")
    }

    /// A manual action and an automatic decision arriving together: whichever the runtime applies first wins, the
    /// other sees the new state, and exactly one transition is recorded.
    @Test func manualAndAutomaticActionsGiveOneOutcome() {
        let failing = F.evidence(champion: (19_000, 190), challenger: (1_000, 100))
        var a = F.machine(in: .running)
        _ = a.evaluate(F.zero, now: 0)
        let manual = a.apply(.promote, by: "alice", reason: "looks fine", now: 1)
        let automatic = a.evaluate(failing, now: 2)
        #expect(manual.transition != nil && automatic.kind == "idle" && a.phase == .promoted && a.version == 2)

        var b = F.machine(in: .running)
        _ = b.evaluate(F.zero, now: 0)
        let auto = b.evaluate(failing, now: 1)
        let late = b.apply(.rollback, by: "alice", reason: "it is bad", now: 2)
        #expect(auto.transition?.change == .rollback && late.kind == "unchanged" && b.version == 2)
    }

    @Test func aCounterResetRestartsTheComparison() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.evidence(champion: (5_000, 50), challenger: (250, 2)), now: 0)
        let action = m.evaluate(F.evidence(champion: (10, 0), challenger: (1, 0)), now: 20_000)
        #expect(action.evaluation?.decision == .inconclusive)
        #expect(action.evaluation?.reason.contains("went backwards") == true)
        // Counted from the reset on: 1,000 + 50 more requests with equal error rates is a normal step.
        let after = m.evaluate(F.evidence(champion: (1_910, 19), challenger: (101, 1)), now: 40_000)
        #expect(after.evaluation?.championRequests == 1_900 && after.evaluation?.challengerRequests == 100)
    }

    static func allPhases() -> [Phase] { Phase.allCases }

    /// Restart in every phase: the snapshot survives JSON, and the restored machine behaves as the original.
    @Test(arguments: Phase.allCases)
    func restartKeepsTheState(phase: Phase) throws {
        var original = F.machine(in: phase)
        _ = original.evaluate(F.evidence(champion: (1_000, 10), challenger: (50, 0)), now: 1_000)
        let data = try JSONEncoder().encode(original.snapshot)
        let snapshot = try JSONDecoder().decode(RolloutSnapshot.self, from: data)
        var restored = RolloutStateMachine(definition: original.definition, restoring: snapshot)
        #expect(restored.phase == phase && restored.weight == original.weight && restored.version == original.version)
        #expect(restored.step == original.step && restored.lastEvaluation == original.lastEvaluation)
        let next = F.evidence(champion: (20_000, 200), challenger: (1_050, 100))
        #expect(restored.evaluate(next, now: 40_000) == original.evaluate(next, now: 40_000))
        #expect(restored.snapshot == original.snapshot)
    }

    @Test func aSnapshotOfOtherVariantsIsIgnored() {
        let old = F.machine(in: .rolledBack).snapshot
        let other = try! RolloutDefinition(model: "m", champion: "v1", challenger: "v3")
        let m = RolloutStateMachine(definition: other, restoring: old)
        #expect(m.phase == .pending && m.version == 0)
    }

    @Test func assignmentFollowsTheStateAtOnce() {
        var m = F.machine(in: .running)
        let units = (0..<5_000).map { "u\($0)" }
        #expect(Set(units.map { m.assign($0).variant }) == ["v1", "v2"])
        _ = m.apply(.rollback, by: "alice", reason: "bad", now: 1)
        #expect(Set(units.map { m.assign($0).variant }) == ["v1"])
        _ = m.apply(.start, by: "alice", reason: "fixed", now: 2)
        _ = m.apply(.promote, by: "alice", reason: "good", now: 3)
        #expect(Set(units.map { m.assign($0).variant }) == ["v2"])
    }
}

extension RolloutStateMachineTests {
    /// Traffic before the start is not the rollout's: with the evidence at the start, only what follows counts.
    @Test func aStartWithEvidenceComparesFromThere() {
        var m = RolloutStateMachine(definition: F.definition())
        let before = F.evidence(champion: (50_000, 5_000), challenger: (0, 0))
        _ = m.apply(.start, by: "alice", reason: "go", now: 0, evidence: before)
        let action = m.evaluate(F.evidence(champion: (59_500, 5_095), challenger: (500, 5)), now: 20_000)
        #expect(action.evaluation?.championRequests == 9_500 && action.evaluation?.challengerRequests == 500)
        #expect(action.transition?.change == .advance)
    }
}
