import FoundationEssentials

/// One alert in Alertmanager's v2 API shape (`POST /api/v2/alerts` takes a list of these).
public struct AlertmanagerAlert: Sendable, Hashable, Codable {
    public var labels: [String: String]
    public var annotations: [String: String]
    /// RFC 3339.
    public var startsAt: String
    /// RFC 3339; in the past for a resolved alert, a little ahead while firing (refreshed on every re-send).
    public var endsAt: String
    public var generatorURL: String?
}

/// Which rollout alerts are firing, and what to send to Alertmanager at each tick: a pure value.
///
/// A rollback fires `VigilRolloutRolledBack` (critical) until the rollout is started again or promoted; a hold
/// for sample-ratio mismatch fires `VigilRolloutSampleRatioMismatch` (warning) until an evaluation no longer
/// holds. Firing alerts are re-sent every `resendMillis` with `endsAt` a few intervals ahead (so Alertmanager keeps
/// them while Vigil is alive and resolves them by itself if Vigil dies); a cleared alert is sent once more with
/// `endsAt` = now, which resolves it at once.
public struct RolloutAlertState: Sendable, Hashable {
    public struct Active: Sendable, Hashable {
        public var alertname: String
        public var model: String
        public var variant: String
        public var severity: String
        public var summary: String
        public var description: String
        public var startsAtMillis: Int64
    }

    public var resendMillis: Int64
    public var runbookBaseURL: String
    private(set) public var active: [String: Active] = [:]
    private var resolved: [Resolved] = []
    /// Resolutions in the last batch handed out by ``due(now:)``, until the caller says how the send went.
    private var inFlight: [Resolved] = []
    private struct Resolved: Sendable, Hashable { var alert: Active; var atMillis: Int64 }
    /// Something fired or cleared since the last send.
    private var dirty = false
    private var lastSentMillis: Int64?

    public init(resendMillis: Int64 = 60_000, runbookBaseURL: String = "https://github.com/vigil/vigil/blob/main/docs/runbooks") {
        self.resendMillis = resendMillis
        self.runbookBaseURL = runbookBaseURL
    }

    public static let rolledBack = "VigilRolloutRolledBack"
    public static let sampleRatioMismatch = "VigilRolloutSampleRatioMismatch"

    /// Updates the alerts after a change of state.
    public mutating func observe(_ t: RolloutTransition, definition: RolloutDefinition) {
        switch t.to {
        case .rolledBack:
            fire(Active(alertname: Self.rolledBack, model: t.model, variant: definition.challenger, severity: "critical",
                        summary: "Rollout of \(t.model) \(definition.challenger) was rolled back",
                        description: "\(t.automatic ? "Vigil" : t.actor) rolled \(definition.challenger) back to "
                            + "\(definition.champion): \(t.reason)", startsAtMillis: t.atMillis), now: t.atMillis)
            clear(Self.sampleRatioMismatch, model: t.model, now: t.atMillis)
        case .running, .promoted:
            clear(Self.rolledBack, model: t.model, now: t.atMillis)
            if t.to == .promoted { clear(Self.sampleRatioMismatch, model: t.model, now: t.atMillis) }
        case .pending, .paused:
            break
        }
    }

    /// Updates the alerts after an evaluation that changed no state.
    public mutating func observe(_ e: RolloutEvaluation, definition: RolloutDefinition) {
        if e.decision == .hold {
            if active[key(Self.sampleRatioMismatch, e.model)] == nil {
                fire(Active(alertname: Self.sampleRatioMismatch, model: e.model, variant: definition.challenger,
                            severity: "warning", summary: "Rollout of \(e.model) is held: traffic split does not match the weights",
                            description: e.reason, startsAtMillis: e.atMillis), now: e.atMillis)
            }
        } else if e.decision != .inconclusive {
            clear(Self.sampleRatioMismatch, model: e.model, now: e.atMillis)
        }
    }

    /// The alerts to send now (firing ones when a re-send is due or something changed, and newly resolved ones);
    /// empty when nothing is due.
    public mutating func due(now: Int64) -> [AlertmanagerAlert] {
        let resend = lastSentMillis.map { now - $0 >= resendMillis } ?? true
        guard dirty || (resend && !active.isEmpty) else { return [] }
        dirty = false
        var out: [AlertmanagerAlert] = []
        for a in active.values.sorted(by: { ($0.model, $0.alertname) < ($1.model, $1.alertname) }) {
            out.append(alert(a, endsAt: now + 4 * resendMillis))
        }
        for r in resolved { out.append(alert(r.alert, endsAt: r.atMillis)) }
        inFlight = resolved
        resolved.removeAll()
        lastSentMillis = now
        return out
    }

    /// The last batch could not be sent: send it (and any resolutions in it) again at the next call.
    public mutating func sendFailed() {
        resolved = inFlight + resolved
        inFlight.removeAll()
        dirty = true
    }

    /// The last batch was accepted.
    public mutating func sendSucceeded() { inFlight.removeAll() }

    private func key(_ alertname: String, _ model: String) -> String { "\(alertname)/\(model)" }

    private mutating func fire(_ a: Active, now: Int64) {
        active[key(a.alertname, a.model)] = a
        dirty = true
    }

    private mutating func clear(_ alertname: String, model: String, now: Int64) {
        if let a = active.removeValue(forKey: key(alertname, model)) {
            resolved.append(Resolved(alert: a, atMillis: now))
            dirty = true
        }
    }

    private func alert(_ a: Active, endsAt: Int64) -> AlertmanagerAlert {
        let runbook = a.alertname == Self.rolledBack ? "rollout-rolled-back" : "rollout-sample-ratio-mismatch"
        return AlertmanagerAlert(
            labels: ["alertname": a.alertname, "severity": a.severity, "model": a.model, "variant": a.variant,
                     "source": "vigil"],
            annotations: ["summary": a.summary, "description": a.description,
                          "runbook_url": "\(runbookBaseURL)/\(runbook).md"],
            startsAt: RFC3339.format(millis: a.startsAtMillis), endsAt: RFC3339.format(millis: endsAt), generatorURL: nil)
    }
}
