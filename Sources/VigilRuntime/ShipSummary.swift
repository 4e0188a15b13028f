/// What `vigil ship` did: lines read, accepted and rejected (by reason), what the sink acknowledged or
/// dead-lettered, and what is still in the spool, plus the exit status that follows from it.
///
/// The exit status is 0 only when every accepted event was acknowledged by the sink (the spool is empty
/// and nothing was dead-lettered by the sink); lines the pipeline rejected (not JSON, too large, ...) are
/// counted and dead-lettered but do not fail the run unless asked (`--fail-on-rejected`), as batch shippers
/// such as Vector and Fluent Bit fail only on undelivered data.
///
/// ```swift
/// let summary = ShipSummary(outcome: .complete, sink: "elasticsearch", seconds: 1.5, read: 3, blank: 0,
///                           rejected: ["invalid_json": 1], delivered: 2, deadLettered: 0, pending: 0, pendingBefore: 0)
/// summary.exitStatus(failOnRejected: false)   // 0
/// summary.exitStatus(failOnRejected: true)    // 4
/// ```
public struct ShipSummary: Sendable, Equatable {
    /// How the run ended.
    public enum Outcome: String, Sendable {
        /// Every source reached its end and the spool emptied.
        case complete
        /// `--timeout` passed first.
        case timedOut = "timed_out"
        /// SIGINT or SIGTERM.
        case interrupted
        /// The sink stopped on its own (it could not run).
        case sinkFailed = "sink_failed"
    }

    /// Exit statuses, documented in docs/ship.md.
    public enum ExitStatus {
        public static let delivered: Int32 = 0
        public static let usage: Int32 = 1
        public static let failed: Int32 = 2
        public static let undelivered: Int32 = 3
        public static let rejectedLines: Int32 = 4
    }

    public var outcome: Outcome
    /// `elasticsearch` or `local`.
    public var sink: String
    public var seconds: Double
    /// Lines read from the inputs (blank ones included).
    public var read: Int
    /// Blank lines: skipped, neither events nor rejections.
    public var blank: Int
    /// Lines rejected by the pipeline, by reason (`invalid_json`, ...; only reasons that occurred).
    public var rejected: [String: Int]
    /// Events the sink acknowledged in this run (Elasticsearch: created or already there (409); local: stored).
    public var delivered: Int
    /// Events the sink refused for good (Elasticsearch 4xx other than 409), now in the dead-letter table.
    public var deadLettered: Int
    /// Events still in the spool at the end (delivered by the next `vigil ship` or agent on this data directory).
    public var pending: Int
    /// Events already in the spool when the run started (left by an earlier run); they are delivered too.
    public var pendingBefore: Int

    public init(outcome: Outcome, sink: String, seconds: Double, read: Int, blank: Int, rejected: [String: Int],
                delivered: Int, deadLettered: Int, pending: Int, pendingBefore: Int) {
        self.outcome = outcome
        self.sink = sink
        self.seconds = seconds
        self.read = read
        self.blank = blank
        self.rejected = rejected
        self.delivered = delivered
        self.deadLettered = deadLettered
        self.pending = pending
        self.pendingBefore = pendingBefore
    }

    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    /// Lines that became events (and went to the spool).
    public var accepted: Int { read - blank - rejectedTotal }

    /// Whether everything accepted was acknowledged by the sink.
    public var allDelivered: Bool { outcome == .complete && pending == 0 && deadLettered == 0 }

    public func exitStatus(failOnRejected: Bool) -> Int32 {
        guard allDelivered else { return ExitStatus.undelivered }
        return failOnRejected && rejectedTotal > 0 ? ExitStatus.rejectedLines : ExitStatus.delivered
    }

    private var rejectedText: String {
        rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The summary for people: a headline and one line per figure.
    public var text: String {
        let headline: String
        switch outcome {
        case .complete where allDelivered:
            headline = "vigil ship: everything delivered to \(sink) in \(Self.seconds(seconds))"
        case .complete:
            headline = "vigil ship: done in \(Self.seconds(seconds)), but the \(sink) sink refused \(deadLettered) events (see `vigil dead-letters`)"
        case .timedOut:
            headline = "vigil ship: timed out after \(Self.seconds(seconds)) with \(pending) events not delivered to \(sink) (kept in the spool for the next run)"
        case .interrupted:
            headline = "vigil ship: interrupted after \(Self.seconds(seconds)) with \(pending) events not delivered to \(sink) (kept in the spool for the next run)"
        case .sinkFailed:
            headline = "vigil ship: the \(sink) sink stopped after \(Self.seconds(seconds)) with \(pending) events not delivered (kept in the spool)"
        }
        var lines = [headline]
        func row(_ name: String, _ value: Int, _ note: String = "") {
            let number = String(value)
            lines.append("  " + name.padding(toLength: 15, withPad: " ", startingAt: 0)
                         + String(repeating: " ", count: max(0, 10 - number.count)) + number + (note.isEmpty ? "" : "  " + note))
        }
        row("read", read, blank > 0 ? "lines (\(blank) blank, skipped)" : "lines")
        row("accepted", accepted)
        row("rejected", rejectedTotal, rejected.isEmpty ? "" : "(\(rejectedText); in the dead-letter table)")
        row("delivered", delivered, pendingBefore > 0 ? "(including \(pendingBefore) left in the spool by an earlier run)" : "")
        row("dead-lettered", deadLettered, deadLettered > 0 ? "(refused by the sink)" : "")
        row("pending", pending)
        return lines.joined(separator: "\n")
    }

    /// The summary as one JSON object (`--json`).
    public var json: String {
        let reasons = rejected.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        return #"{"outcome":"\#(outcome.rawValue)","sink":"\#(sink)","seconds":\#(seconds),"read":\#(read),"blank":\#(blank),"accepted":\#(accepted),"rejected":\#(rejectedTotal),"rejected_by_reason":{\#(reasons)},"delivered":\#(delivered),"dead_lettered":\#(deadLettered),"pending":\#(pending),"pending_before":\#(pendingBefore)}"#
    }

    static func seconds(_ s: Double) -> String {
        let tenths = (s * 10).rounded() / 10
        return "\(tenths) s"
    }
}
