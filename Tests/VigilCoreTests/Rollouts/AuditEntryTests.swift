import Foundation
import Testing
import VigilCore

/// `GET /v1/audit` answers with these entries: their JSON keys are a wire format (`vigil rollout status` reads it).
@Suite struct AuditEntryTests {
    @Test func jsonKeysAreStable() throws {
        let entry = AuditEntry(id: 7, timeMillis: 1_795_949_850_123, actor: "alice", action: "start", subject: "rollout/fraud",
                               reason: "ship v4", evidenceJSON: #"{"n":1}"#)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
        #expect(json == #"{"action":"start","actor":"alice","evidenceJSON":"{\"n\":1}","id":7,"reason":"ship v4","subject":"rollout\/fraud","timeMillis":1795949850123}"#)
        #expect(try JSONDecoder().decode(AuditEntry.self, from: Data(json.utf8)) == entry)
    }
}
