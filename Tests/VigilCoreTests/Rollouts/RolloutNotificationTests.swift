import FoundationEssentials
import Testing
@testable import VigilCore

@Suite struct RolloutNotificationTests {
    typealias F = RolloutFixtures

    static func rolledBack() -> (RolloutTransition, RolloutDefinition) {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        guard case .transition(let t) = m.evaluate(F.evidence(champion: (19_000, 190), challenger: (1_000, 100)), now: 1_765_056_023_000) else {
            fatalError("no rollback")
        }
        return (t, m.definition)
    }

    /// The signature is HMAC-SHA256 of the raw body, as Python's `hmac.new(b"secret", b'{"a":1}', hashlib.sha256)`.
    @Test func theSignatureIsTheHMACOfTheBody() {
        #expect(RolloutWebhook.signature(of: Array(#"{"a":1}"#.utf8), secret: Array("secret".utf8))
                == "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494")
    }

    @Test func theWebhookBodyCarriesTheDecisionAndItsEvidence() throws {
        let (t, d) = Self.rolledBack()
        let body = RolloutWebhook.body(for: t, definition: d)
        let payload = try JSONDecoder().decode(RolloutWebhook.Payload.self, from: Data(body))
        #expect(payload.event == "rollout.rollback" && payload.id == "m/2" && payload.to == .rolledBack)
        #expect(payload.challengerWeight == 0 && payload.actor == "vigil" && payload.automatic)
        #expect(payload.at == "2025-12-06T21:20:23.000Z")
        #expect(payload.evaluation?.guardrails.first?.verdict == .fail)
        #expect(payload.reason.hasPrefix("challenger error rate 10% vs 1%"))
        // The same change gives the same bytes (so a retry carries the same signature).
        #expect(RolloutWebhook.body(for: t, definition: d) == body)
    }

    @Test func aRollbackFiresUntilTheRolloutStartsAgain() throws {
        let (t, d) = Self.rolledBack()
        var alerts = RolloutAlertState(resendMillis: 60_000, runbookBaseURL: "https://runbooks")
        alerts.observe(t, definition: d)
        let first = alerts.due(now: t.atMillis)
        #expect(first.count == 1)
        let a = try #require(first.first)
        #expect(a.labels == ["alertname": "VigilRolloutRolledBack", "severity": "critical", "model": "m", "variant": "v2", "source": "vigil"])
        #expect(a.annotations["runbook_url"] == "https://runbooks/rollout-rolled-back.md")
        #expect(a.annotations["summary"] == "Rollout of m v2 was rolled back")
        #expect(a.startsAt == "2025-12-06T21:20:23.000Z" && a.endsAt == "2025-12-06T21:24:23.000Z")
        // Nothing new within the re-send interval; re-sent after it, with endsAt moved on.
        #expect(alerts.due(now: t.atMillis + 30_000).isEmpty)
        let again = alerts.due(now: t.atMillis + 60_000)
        #expect(again.count == 1 && again[0].startsAt == a.startsAt && again[0].endsAt == "2025-12-06T21:25:23.000Z")
        // Started again: resolved once, with endsAt = now, then nothing more.
        var m = RolloutStateMachine(definition: d, restoring: nil)
        guard case .transition(let restart) = m.apply(.start, by: "alice", reason: "fixed", now: t.atMillis + 90_000) else {
            Issue.record("no start"); return
        }
        alerts.observe(restart, definition: d)
        let resolved = alerts.due(now: t.atMillis + 90_000)
        #expect(resolved.count == 1 && resolved[0].endsAt == "2025-12-06T21:21:53.000Z")
        #expect(alerts.active.isEmpty)
        #expect(alerts.due(now: t.atMillis + 600_000).isEmpty)
    }

    @Test func aSampleRatioMismatchWarnsWhileTheRolloutIsHeld() {
        var m = F.machine(in: .running)
        _ = m.evaluate(F.zero, now: 0)
        var alerts = RolloutAlertState()
        let held = m.evaluate(F.evidence(champion: (900, 9), challenger: (300, 3)), now: 60_000).evaluation!
        alerts.observe(held, definition: m.definition)
        let fired = alerts.due(now: 60_000)
        #expect(fired.map { $0.labels["alertname"] } == ["VigilRolloutSampleRatioMismatch"])
        #expect(fired.first?.labels["severity"] == "warning")
        // Inconclusive says nothing about the split: the alert stays.
        alerts.observe(m.evaluate(F.evidence(champion: (900, 9), challenger: (300, 3), problem: "stale"), now: 70_000).evaluation!, definition: m.definition)
        #expect(alerts.active.count == 1)
        // A later step whose split is fine clears it.
        let fine = RolloutEvaluator.evaluate(m.definition, total: F.evidence(champion: (9_500, 95), challenger: (500, 5)),
                                             step: F.evidence(champion: (9_500, 95), challenger: (500, 5)), stepIndex: 0,
                                             stepElapsedMillis: 0, nowMillis: 80_000)
        alerts.observe(fine, definition: m.definition)
        #expect(alerts.active.isEmpty)
        #expect(alerts.due(now: 80_000).first?.endsAt == "1970-01-01T00:01:20.000Z")
    }
}
