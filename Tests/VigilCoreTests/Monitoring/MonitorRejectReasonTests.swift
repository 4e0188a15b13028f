import Testing
import VigilCore

/// The `reason` values of `vigil_model_events_ignored_total` are a wire format: the line-level reasons are
/// ``RejectReason``'s own, plus the two schema reasons.
@Suite struct MonitorRejectReasonTests {
    @Test func rawValuesAreStable() {
        #expect(MonitorRejectReason.allCases.map(\.rawValue) == [
            "empty", "invalid_utf8", "invalid_json", "not_an_object", "too_deep", "too_large", "nul_byte",
            "missing_field", "invalid_field",
        ])
        for reason in MonitorRejectReason.allCases { #expect(MonitorRejectReason(rawValue: reason.rawValue) == reason) }
        #expect(MonitorRejectReason(rawValue: "unknown_model") == nil)
    }

    @Test func everyLineLevelReasonIsAMonitorReason() {
        for reason in RejectReason.allCases {
            #expect(MonitorRejectReason(reason).rawValue == reason.rawValue)
            #expect(MonitorRejectReason.allCases.contains(.line(reason)))
        }
    }
}
