import Testing
import VigilCore
import VigilElasticsearch
import VigilTestSupport

@Suite struct ElasticsearchSetupTests {
    @Test func installsTemplateAndPolicyIdempotently() async throws {
        try await withMock { mock in
            let setup = ElasticsearchSetup(configuration: ElasticsearchConfiguration(url: mock.url + "/"), lifecyclePolicy: true, retentionDays: 14)
            let first = try await setup.run(environment: [:])
            let second = try await setup.run(environment: [:])
            #expect(first == ["PUT _ilm/policy/vigil-logs: 200", "PUT _index_template/vigil-logs: 200"])
            #expect(second == first)
            let stored = mock.storedSettings()
            let template = try JSONReader.parse(try #require(stored["_index_template/vigil-logs"]))
            #expect(template["index_patterns"] == .array([.string("vigil-logs-*")]))
            let properties = template["template"]?["mappings"]?["properties"]
            #expect(properties?["@timestamp"]?["type"]?.stringValue == "date")
            #expect(properties?["service"]?["properties"]?["name"]?["type"]?.stringValue == "keyword")
            #expect(template["template"]?["settings"]?["index.lifecycle.name"]?.stringValue == "vigil-logs")
            let policy = try JSONReader.parse(try #require(stored["_ilm/policy/vigil-logs"]))
            #expect(policy["policy"]?["phases"]?["delete"]?["min_age"]?.stringValue == "14d")
            #expect(policy["policy"]?["phases"]?["hot"] == nil)   // date-named indices cannot roll over
        }
    }

    @Test func dataStreamTemplate() throws {
        var configuration = ElasticsearchConfiguration()
        configuration.dataStream = .init(dataset: "checkout", namespace: "prod")
        let setup = ElasticsearchSetup(configuration: configuration, lifecyclePolicy: true)
        let template = try JSONReader.parse(Array(setup.indexTemplateJSON().utf8))
        #expect(template["index_patterns"] == .array([.string("logs-checkout-*")]))
        #expect(template["data_stream"] == .object([]))
        let policy = try JSONReader.parse(Array(setup.lifecyclePolicyJSON().utf8))
        #expect(policy["policy"]?["phases"]?["hot"]?["actions"]?["rollover"]?["max_age"]?.stringValue == "1d")
    }

    @Test func authFailureIsReportedWithoutTheSecret() async throws {
        try await withMock(.init(requiredAuthorization: "Bearer right")) { mock in
            var configuration = ElasticsearchConfiguration(url: mock.url)
            configuration.auth = .init(type: .bearer, tokenEnv: "T")
            let setup = ElasticsearchSetup(configuration: configuration)
            do {
                _ = try await setup.run(environment: ["T": "wrong-token"])
                Issue.record("expected a 401")
            } catch let failure as ElasticsearchSetup.Failure {
                #expect(failure.status == 401)
                #expect(failure.reason.hasPrefix("security_exception"))
                #expect(!"\(failure)".contains("wrong-token"))
            }
        }
    }
}
