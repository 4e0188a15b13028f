import Testing
import VigilCore
import VigilServer

struct AuthenticatorTests {
    /// Which role satisfies which requirement: admin everything, release-manager also viewer, ingest only itself.
    @Test(arguments: [
        (Role.viewer, Role.viewer, true), (.viewer, .ingest, false), (.viewer, .releaseManager, false), (.viewer, .admin, false),
        (.ingest, .viewer, false), (.ingest, .ingest, true), (.ingest, .releaseManager, false), (.ingest, .admin, false),
        (.releaseManager, .viewer, true), (.releaseManager, .ingest, false), (.releaseManager, .releaseManager, true), (.releaseManager, .admin, false),
        (.admin, .viewer, true), (.admin, .ingest, true), (.admin, .releaseManager, true), (.admin, .admin, true),
    ])
    func roleImplication(held: Role, required: Role, granted: Bool) {
        #expect(held.grants(required) == granted)
    }

    static let auth = Authenticator(tokens: [
        .init(name: "ci", sha256: SHA256.hash(Array("s3cret".utf8)), roles: [.ingest]),
        .init(name: "ops", sha256: SHA256.hash(Array("other".utf8)), roles: [.viewer, .releaseManager]),
    ])

    @Test(arguments: [
        (nil as String?, Role.ingest, "denied missing_token"),
        ("Bearer", .ingest, "denied malformed_header"),
        ("Bearer   ", .ingest, "denied malformed_header"),
        ("Basic czNjcmV0", .ingest, "denied malformed_header"),
        ("Bearer s3cre", .ingest, "denied unknown_token"),
        ("Bearer s3cret!", .ingest, "denied unknown_token"),
        ("Bearer s3cret", .ingest, "allowed ci"),
        ("bearer s3cret", .ingest, "allowed ci"),
        ("Bearer  s3cret ", .ingest, "allowed ci"),
        ("Bearer s3cret", .viewer, "denied wrong_role"),
        ("Bearer other", .viewer, "allowed ops"),
        ("Bearer other", .releaseManager, "allowed ops"),
        ("Bearer other", .ingest, "denied wrong_role"),
    ])
    func decisions(header: String?, role: Role, expected: String) {
        let outcome: String
        switch Self.auth.authorise(authorization: header, role: role) {
        case .allowed(let principal): outcome = "allowed \(principal?.name ?? "-")"
        case .denied(let reason, let message):
            outcome = "denied \(reason.rawValue)"
            #expect(!message.contains("s3cret") && !message.contains("other\""))
        }
        #expect(outcome == expected)
    }

    @Test func withoutTokensEverythingIsAllowedWithoutAPrincipal() {
        #expect(Authenticator(tokens: []).authorise(authorization: nil, role: .admin) == .allowed(nil))
    }

    @Test(arguments: Authenticator.FailureReason.allCases)
    func statusCodes(reason: Authenticator.FailureReason) {
        #expect(reason.statusCode == (reason == .wrongRole ? 403 : 401))
    }
}
