import Testing
import VigilPostgres
import VigilRuntime

/// `storage.shared`: the URL's parts, its redaction, and configuration errors with file:line:col that never
/// show the password.
@Suite struct SharedStateConfigurationTests {
    struct URLCase: Sendable, CustomTestStringConvertible {
        var url: String
        var host: String, port: Int, user: String, database: String, password: String?, redacted: String
        var testDescription: String { url }
    }

    @Test(arguments: [
        URLCase(url: "postgres://vigil@127.0.0.1:5433/state", host: "127.0.0.1", port: 5433, user: "vigil", database: "state",
                password: nil, redacted: "postgres://vigil@127.0.0.1:5433/state"),
        URLCase(url: "postgresql://ops:s%40cret@db.internal/vigil", host: "db.internal", port: 5432, user: "ops", database: "vigil",
                password: "s@cret", redacted: "postgres://ops:***@db.internal:5432/vigil"),
        URLCase(url: "postgres://a:b:c@[::1]:6000/d", host: "::1", port: 6000, user: "a", database: "d",
                password: "b:c", redacted: "postgres://a:***@[::1]:6000/d"),
    ])
    func urlsParse(_ c: URLCase) throws {
        let parsed = try SharedStateConfiguration(url: c.url)
        #expect(parsed.host == c.host && parsed.port == c.port && parsed.user == c.user && parsed.database == c.database)
        #expect(parsed.inlinePassword == c.password)
        #expect(parsed.redactedURL == c.redacted)
    }

    @Test(arguments: [
        ("http://vigil@db/v", "expected a postgres://"),
        ("postgres://db:5432/v", "needs a user"),
        ("postgres://vigil@db:5432", "needs a database"),
        ("postgres://vigil@db:99999/v", "port must be 1–65535"),
        ("postgres://vigil@:5432/v", "needs a host"),
        ("postgres://vigil@db/v?sslmode=require", "query parameters"),
    ])
    func badURLsAreRefused(_ url: String, _ message: String) {
        #expect(throws: SharedStateConfiguration.URLError.self) { try SharedStateConfiguration(url: url) }
        do { _ = try SharedStateConfiguration(url: url) } catch { #expect("\(error)".contains(message), "\(error)") }
    }

    @Test func theConfigurationFileNamesWhereAndHidesThePassword() throws {
        let good = try ConfigurationLoader.parse(yaml: """
            storage:
              shared:
                url: postgres://vigil@db:5432/vigil
                password_file: secrets/db
                tls: { mode: require }
                timeout: 2s
                label_join_grace: 30s
            """, file: "v.yaml")
        #expect(good.storage.shared?.passwordFile == "secrets/db")
        #expect(good.storage.shared?.tls == .require)
        #expect(good.storage.shared?.timeoutMillis == 2_000)
        #expect(good.storage.shared?.labelJoinGraceMillis == 30_000)
        #expect(try ConfigurationLoader.parse(yaml: "storage: { shared: { url: 'postgres://v@h/d' } }", file: "v.yaml")
            .storage.shared?.labelJoinGraceMillis == 10_000)
        #expect(try ConfigurationLoader.parse(yaml: "storage: { data_dir: x }", file: "v.yaml").storage.shared == nil)
        #expect(try ConfigurationLoader.parse(yaml: "storage: { shared: { url: 'postgres://v@h/d', tls: { ca_file: ca.pem } } }",
                                              file: "v.yaml").storage.shared?.tls == .verifyFull)

        let cases: [(String, String)] = [
            ("storage:\n  shared:\n    url: postgres://vigil:hunter2@db\n", "v.yaml:3:10: storage.shared.url: the URL needs a database"),
            ("storage:\n  shared:\n    password_file: x\n", "v.yaml:3:5: storage.shared.url: is required"),
            ("storage:\n  shared:\n    url: postgres://v@h/d\n    tls: { mode: sometimes }\n", "v.yaml:4:18: storage.shared.tls.mode: must be one of disable, prefer, require, verify_full"),
            ("storage:\n  shared:\n    url: postgres://v@h/d\n    timeout: 10m\n", "v.yaml:4:14: storage.shared.timeout:"),
            ("storage:\n  shared:\n    url: postgres://v@h/d\n    label_join_grace: 2h\n", "v.yaml:4:23: storage.shared.label_join_grace:"),
            ("storage:\n  shared:\n    url: postgres://v@h/d\n    passwd_file: x\n", "v.yaml:4:5: storage.shared.passwd_file: unknown key \"passwd_file\"; did you mean \"password_file\"?"),
        ]
        for (yaml, expected) in cases {
            do {
                _ = try ConfigurationLoader.parse(yaml: yaml, file: "v.yaml")
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
                #expect(!"\(error)".contains("hunter2"))
            }
        }
    }
}
