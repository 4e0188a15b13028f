import Testing
@testable import VigilCore

@Suite struct LabelJoinStateMachineTests {
    static func prediction(_ id: String, at: Int64, variant: String = "v1", model: String = "m") -> PendingPrediction {
        PendingPrediction(model: model, requestID: id, variant: variant, prediction: "1", score: 0.8, receivedAtMillis: at)
    }

    static func label(_ id: String, model: String = "m") -> LabelEvent {
        LabelEvent(model: model, requestID: id, label: "1", timestampMillis: 0)
    }

    @Test func joinsOutOfOrderLabelsOnce() {
        var join = LabelJoinStateMachine(ttlMillis: 1000)
        #expect(join.recordPrediction(Self.prediction("a", at: 0)) == [.persist(Self.prediction("a", at: 0))])
        _ = join.recordPrediction(Self.prediction("b", at: 10))
        _ = join.recordPrediction(Self.prediction("c", at: 20))
        let c = join.recordLabel(Self.label("c"), now: 100)
        #expect(c.outcome == .joined)
        #expect(c.predictions.map(\.requestID) == ["c"])
        #expect(c.actions == [.delete(model: "m", requestID: "c")])
        #expect(join.recordLabel(Self.label("a"), now: 200).outcome == .joined)
        #expect(join.recordLabel(Self.label("a"), now: 300).outcome == .duplicate)
        #expect(join.pendingCount == 1)
    }

    @Test func lateLabelsAreNotJoined() {
        var join = LabelJoinStateMachine(ttlMillis: 1000)
        _ = join.recordPrediction(Self.prediction("a", at: 0))
        _ = join.recordPrediction(Self.prediction("b", at: 0))
        // Before the sweep: the age alone makes it late.
        #expect(join.recordLabel(Self.label("a"), now: 1001).outcome == .late)
        // After the sweep: the tombstone remembers it.
        let swept = join.expire(now: 1500)
        #expect(swept.expired.map(\.requestID) == ["b"])
        #expect(swept.actions == [.delete(model: "m", requestID: "b")])
        #expect(join.recordLabel(Self.label("b"), now: 1600).outcome == .late)
        #expect(join.pendingCount == 0)
        // Exactly at the TTL still joins.
        _ = join.recordPrediction(Self.prediction("c", at: 2000))
        #expect(join.recordLabel(Self.label("c"), now: 3000).outcome == .joined)
    }

    @Test func unknownAndOtherModelLabelsAreUnmatched() {
        var join = LabelJoinStateMachine(ttlMillis: 1000)
        _ = join.recordPrediction(Self.prediction("a", at: 0))
        #expect(join.recordLabel(Self.label("zzz"), now: 1).outcome == .unmatched)
        #expect(join.recordLabel(Self.label("a", model: "other"), now: 1).outcome == .unmatched)
        // A label before its prediction: unmatched, and the prediction then waits.
        #expect(join.recordLabel(Self.label("early"), now: 1).outcome == .unmatched)
        _ = join.recordPrediction(Self.prediction("early", at: 2))
        #expect(join.pendingCount == 2)
    }

    @Test func tombstonesAreForgottenAfterTheirTTL() {
        var join = LabelJoinStateMachine(ttlMillis: 100, tombstoneTTLMillis: 50)
        _ = join.recordPrediction(Self.prediction("a", at: 0))
        #expect(join.recordLabel(Self.label("a"), now: 10).outcome == .joined)
        _ = join.expire(now: 100)
        #expect(join.recordLabel(Self.label("a"), now: 100).outcome == .unmatched)
    }

    @Test func tombstonesAreBoundedInCount() {
        var join = LabelJoinStateMachine(ttlMillis: 100, maxTombstones: 2)
        for id in ["a", "b", "c"] {
            _ = join.recordPrediction(Self.prediction(id, at: 0))
            _ = join.recordLabel(Self.label(id), now: 1)
        }
        #expect(join.recordLabel(Self.label("a"), now: 2).outcome == .unmatched)
        #expect(join.recordLabel(Self.label("c"), now: 2).outcome == .duplicate)
    }

    @Test func shadowVariantsJoinTogetherAndRetriesReplace() {
        var join = LabelJoinStateMachine(ttlMillis: 1000)
        _ = join.recordPrediction(Self.prediction("a", at: 0, variant: "champion"))
        _ = join.recordPrediction(Self.prediction("a", at: 0, variant: "challenger"))
        _ = join.recordPrediction(Self.prediction("a", at: 5, variant: "challenger"))
        #expect(join.pendingCount == 2)
        let r = join.recordLabel(Self.label("a"), now: 10)
        #expect(r.outcome == .joined)
        #expect(Set(r.predictions.map(\.variant)) == ["champion", "challenger"])
    }

    @Test func restoreReloadsPendingPredictions() {
        var join = LabelJoinStateMachine(ttlMillis: 1000)
        join.restore([Self.prediction("a", at: 0), Self.prediction("b", at: 0, model: "n")])
        #expect(join.pendingCountByModel == ["m": 1, "n": 1])
        #expect(join.recordLabel(Self.label("b", model: "n"), now: 5).outcome == .joined)
    }
}
