import Testing
@testable import VigilRuntime
import VigilElasticsearch

/// `sinks.elasticsearch.hosts` and `failover`: read, defaulted, and every problem reported with file:line:column.
struct ElasticsearchHostsConfigurationTests {
    @Test func hostsAndFailoverAreRead() throws {
        let yaml = """
        sinks:
          elasticsearch:
            hosts: ["https://es-1:9200", "https://es-2:9200/", "https://user@es-3"]
            failover: { health_check_interval: 2s, backoff_initial: 500ms, backoff_max: 30s }
            auth: { type: api_key, api_key_env: ES_KEY }
        """
        let es = try #require(try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml").sinks.elasticsearch)
        #expect(es.hosts == ["https://es-1:9200", "https://es-2:9200/", "https://user@es-3"])
        #expect(es.hostURLs == es.hosts)
        #expect(es.url == "https://es-1:9200", "url is the first host")
        #expect(es.baseURL(host: 1) == "https://es-2:9200")
        #expect(es.bulkURL(index: nil, host: 1).hasPrefix("https://es-2:9200/_bulk?"))
        #expect(es.failover == .init(healthCheckInterval: .seconds(2), backoffInitial: .milliseconds(500), backoffMax: .seconds(30)))
    }

    @Test func defaultsWithASingleURL() throws {
        let es = try #require(try ConfigurationLoader.parse(yaml: "sinks:\n  elasticsearch:\n    url: http://es:9200\n", file: "t.yaml").sinks.elasticsearch)
        #expect(es.hosts.isEmpty)
        #expect(es.hostURLs == ["http://es:9200"])
        #expect(es.failover == .init(healthCheckInterval: .seconds(5), backoffInitial: .seconds(1), backoffMax: .seconds(60)))
    }

    static let cases: [(String, String)] = [
        ("sinks:\n  elasticsearch:\n    url: http://a:9200\n    hosts: [http://b:9200]\n",
         "t.yaml:4:12: sinks.elasticsearch.hosts: give either url (one host) or hosts (several), not both"),
        ("sinks:\n  elasticsearch:\n    hosts: [http://a:9200, es:9200]\n",
         "t.yaml:3:28: sinks.elasticsearch.hosts[1]: expected an http:// or https:// URL, got \"es:9200\""),
        ("sinks:\n  elasticsearch:\n    hosts: [http://a:9200, http://A:9200/]\n",
         "t.yaml:3:28: sinks.elasticsearch.hosts[1]: http://a:9200 is listed twice"),
        ("sinks:\n  elasticsearch:\n    hosts: []\n", "t.yaml:3:12: sinks.elasticsearch.hosts: must list at least one URL"),
        ("sinks:\n  elasticsearch:\n    hosts: http://a:9200\n", "t.yaml:3:12: sinks.elasticsearch.hosts: expected a list"),
        ("sinks:\n  elasticsearch:\n    hosts: [{ url: x }]\n", "t.yaml:3:13: sinks.elasticsearch.hosts[0]: expected an http:// or https:// URL, got a mapping"),
        ("sinks:\n  elasticsearch:\n    hosts: [http://a:9200]\n    failover: { backoff_initial: 0s }\n",
         "t.yaml:4:34: sinks.elasticsearch.failover.backoff_initial: must be between"),
        ("sinks:\n  elasticsearch:\n    hosts: [http://a:9200]\n    failover: { backoff_initial: 10s, backoff_max: 1s }\n",
         "sinks.elasticsearch.failover needs 0 < backoff_initial <= backoff_max"),
        ("sinks:\n  elasticsearch:\n    hosts: [http://a:9200]\n    failover: { health_check_intervl: 1s }\n",
         "t.yaml:4:17: sinks.elasticsearch.failover.health_check_intervl: unknown key \"health_check_intervl\"; did you mean \"health_check_interval\"?"),
        ("sinks:\n  elasticsearch:\n    index: x\n", "sinks.elasticsearch.url: is required (or hosts)"),
    ]

    @Test(arguments: cases)
    func errorsNameFileLineColumnAndPath(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("expected an error containing: \(expected)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:9200", "http://127.0.0.1:9200"),
        ("https://elastic:secret@ES-1.example.com:9243/prefix?x=1", "https://es-1.example.com:9243"),
        ("https://es", "https://es:443"),
        ("http://es/", "http://es:80"),
        ("http://[::1]:9200", "http://[::1]:9200"),
        ("http://[::1]", "http://[::1]:80"),
    ])
    func hostLabelsHoldNoCredentials(url: String, label: String) {
        #expect(ElasticsearchConfiguration.hostLabel(url) == label)
    }

    @Test func validationCoversEveryHost() {
        var es = ElasticsearchConfiguration(hosts: ["http://a:9200", "ftp://b"])
        #expect(es.validationErrors().contains("elasticsearch.hosts[1] must start with http:// or https://"))
        es.hosts = ["http://a:9200", "http://a:9200/"]
        #expect(es.validationErrors().contains("elasticsearch.hosts lists a host twice"))
        es.hosts = ["http://a:9200", "http://b:9200"]
        #expect(es.validationErrors().isEmpty)
    }
}
