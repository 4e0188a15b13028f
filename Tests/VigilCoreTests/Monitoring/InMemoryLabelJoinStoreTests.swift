import Testing
import VigilCore

/// The in-process ``LabelJoinStore``: the contract the PostgreSQL store is tested against.
@Suite struct InMemoryLabelJoinStoreTests {
    static func p(_ id: String, _ variant: String = "v3", at: Int64 = 0) -> PendingPrediction {
        PendingPrediction(model: "m", requestID: id, variant: variant, prediction: "1", score: 0.5, receivedAtMillis: at)
    }

    static func key(_ id: String) -> LabelJoinKey { LabelJoinKey(model: "m", requestID: id) }

    @Test func joinsOnceReportsLateAndExpiresInBoundedBatches() {
        let store = InMemoryLabelJoinStore()
        store.record([
            PendingPredictionEntry(Self.p("a"), expiresAtMillis: 100),
            PendingPredictionEntry(Self.p("a", "v4"), expiresAtMillis: 100),
            PendingPredictionEntry(Self.p("b"), expiresAtMillis: 50),
            PendingPredictionEntry(Self.p("c"), expiresAtMillis: 10),
            PendingPredictionEntry(Self.p("d"), expiresAtMillis: 20),
            PendingPredictionEntry(Self.p("e"), expiresAtMillis: 30),
        ])
        // Recording the same key and variant again replaces it.
        store.record([PendingPredictionEntry(Self.p("b", at: 7), expiresAtMillis: 60)])
        #expect(store.count() == 6)

        let cases: [(keys: [String], now: Int64, expected: [LabelJoinOutcome])] = [
            (["a", "a"], 99, [.joined([Self.p("a"), Self.p("a", "v4")]), .unmatched]),   // both variants, once
            (["b"], 60, [.late([Self.p("b", at: 7)])]),                                // at its expiry: late
            (["zzz"], 0, [.unmatched]),
        ]
        for c in cases {
            #expect(store.join(c.keys.map(Self.key), nowMillis: c.now) == c.expected, "\(c.keys)")
        }
        #expect(store.count() == 3)
        // Oldest first, at most `limit`, each once.
        #expect(store.expire(nowMillis: 25, limit: 1).map(\.requestID) == ["c"])
        #expect(store.expire(nowMillis: 25, limit: 10).map(\.requestID) == ["d"])
        #expect(store.expire(nowMillis: 25, limit: 10).isEmpty)
        #expect(store.expire(nowMillis: 30, limit: 0).isEmpty)
        #expect(store.expire(nowMillis: 30, limit: 10).map(\.requestID) == ["e"])
        #expect(store.count() == 0)
    }
}
