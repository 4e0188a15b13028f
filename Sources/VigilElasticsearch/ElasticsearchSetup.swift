import Foundation
import Logging
import VigilCore
import VigilHTTPClient

/// Installs what Vigil's documents need in Elasticsearch: an index template with a mapping for the ECS
/// and Vigil fields (and, optionally, a lifecycle policy). Every call is a `PUT`, so running it again
/// updates in place: idempotent.
///
/// ```swift
/// let setup = ElasticsearchSetup(configuration: configuration, lifecyclePolicy: true, retentionDays: 30)
/// let steps = try await setup.run()   // ["PUT _ilm/policy/vigil-logs: 200", "PUT _index_template/vigil-logs: 200"]
/// ```
public struct ElasticsearchSetup: Sendable {
    public var configuration: ElasticsearchConfiguration
    public var lifecyclePolicy: Bool
    public var retentionDays: Int
    public var name: String

    public init(configuration: ElasticsearchConfiguration, lifecyclePolicy: Bool = false, retentionDays: Int = 30, name: String = "vigil-logs") {
        self.configuration = configuration
        self.lifecyclePolicy = lifecyclePolicy
        self.retentionDays = retentionDays
        self.name = name
    }

    /// A failed step: the HTTP status and Elasticsearch's reason (never credentials).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var step: String
        public var status: Int
        public var reason: String
        public var description: String { "\(step) failed with HTTP \(status): \(reason)" }
    }

    /// The index pattern the template applies to: the configured index up to its first `%`, then `*`;
    /// for a data stream `logs-{dataset}-*`.
    public var indexPattern: String {
        if let stream = configuration.dataStream { return "logs-\(stream.dataset)-*" }
        let prefix = configuration.index.prefix { $0 != "%" }
        return prefix.count == configuration.index.count ? configuration.index : prefix + "*"
    }

    public func indexTemplateJSON() -> String {
        let keyword = #"{"type":"keyword"}"#
        var settings: [String] = []
        if lifecyclePolicy { settings.append(#""index.lifecycle.name":"\#(name)""#) }
        let properties = [
            #""@timestamp":{"type":"date"}"#,
            #""message":{"type":"match_only_text"}"#,
            #""log":{"properties":{"level":\#(keyword)}}"#,
            #""service":{"properties":{"name":\#(keyword)}}"#,
            #""event":{"properties":{"dataset":\#(keyword),"original":{"type":"keyword","index":false,"doc_values":false}}}"#,
            #""ecs":{"properties":{"version":\#(keyword)}}"#,
            #""host":{"properties":{"name":\#(keyword)}}"#,
            #""level":\#(keyword)"#,
            #""type":\#(keyword)"#,
            #""request_id":\#(keyword)"#,
            #""model":\#(keyword)"#,
            #""model_version":\#(keyword)"#,
            #""variant":\#(keyword)"#,
            #""route":\#(keyword)"#,
            #""status":\#(keyword)"#,
            #""latency_ms":{"type":"double"}"#,
            #""score":{"type":"double"}"#,
            #""features":{"type":"flattened"}"#,
            #""probabilities":{"type":"flattened"}"#,
            #""segment":{"type":"flattened"}"#,
        ]
        let dynamicTemplates = #"[{"strings_as_keyword":{"match_mapping_type":"string","mapping":{"type":"keyword","ignore_above":1024}}}]"#
        var template = #"{"index_patterns":["\#(indexPattern)"],"priority":200,"#
        if configuration.dataStream != nil { template += #""data_stream":{},"# }
        template += #""template":{"settings":{\#(settings.joined(separator: ","))},"mappings":{"dynamic_templates":\#(dynamicTemplates),"#
        template += #""properties":{\#(properties.joined(separator: ","))}}},"#
        template += #""_meta":{"managed_by":"vigil","description":"Vigil log and prediction documents (ECS fields)"}}"#
        return template
    }

    /// Delete after `retentionDays`; data streams also roll over daily or at 50 GB per primary shard.
    /// (Date-named indices cannot roll over: they have no write alias.)
    public func lifecyclePolicyJSON() -> String {
        var phases = ""
        if configuration.dataStream != nil {
            phases += #""hot":{"actions":{"rollover":{"max_age":"1d","max_primary_shard_size":"50gb"}}},"#
        }
        phases += #""delete":{"min_age":"\#(retentionDays)d","actions":{"delete":{}}}"#
        return #"{"policy":{"phases":{\#(phases)},"_meta":{"managed_by":"vigil"}}}"#
    }

    /// Sends the `PUT`s (policy first: the template refers to it). Returns one line per step.
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> [String] {
        // The command line prints its own warning for insecure TLS; the client's logger stays quiet.
        let client = try configuration.makeHTTPClient(logger: Logger(label: "vigil.es.setup") { _ in SwiftLogNoOpLogHandler() },
                                                      environment: environment)
        defer { client.shutdown() }
        // Any node of the cluster applies cluster-wide settings: the first host that answers (not 502/503/504) does.
        var outcome: Result<[String], any Error> = .success([])
        for host in configuration.hostURLs.indices {
            outcome = await put(steps(), base: configuration.baseURL(host: host), headers: ["Content-Type: application/json"], client: client)
            guard case let .failure(error) = outcome, Self.triesAnotherHost(after: error), host + 1 < configuration.hostURLs.count else { break }
        }
        switch outcome {
        case let .success(lines): return lines
        case let .failure(error): throw error
        }
    }

    /// A failure another host might not have: no answer, or a gateway's 502/503/504.
    static func triesAnotherHost(after error: any Error) -> Bool {
        if error is CurlError { return true }
        if let failure = error as? Failure { return HostPoolStateMachine.isNodeFailure(status: failure.status) }
        return false
    }

    private func steps() -> [(path: String, body: String)] {
        var steps: [(path: String, body: String)] = []
        if lifecyclePolicy { steps.append(("_ilm/policy/\(name)", lifecyclePolicyJSON())) }
        steps.append(("_index_template/\(name)", indexTemplateJSON()))
        return steps
    }

    /// Non-throwing on purpose: the Swift 6.3 release optimizer crashed splitting this coroutine when it
    /// threw from inside the loop.
    private func put(_ steps: [(path: String, body: String)], base: String, headers: [String], client: HTTPClient) async -> Result<[String], any Error> {
        var done: [String] = []
        for step in steps {
            let request = CurlRequest(method: "PUT", url: "\(base)/\(step.path)", headers: headers, body: Array(step.body.utf8))
            switch await client.result(for: request) {
            case let .failure(error):
                return .failure(error)
            case let .success(response):
                guard (200..<300).contains(response.status) else {
                    let reason = (try? JSONReader.parse(response.body))?["error"].map(BulkResponseClassifier.describeError)
                        ?? String(decoding: response.body.prefix(500), as: UTF8.self)
                    return .failure(Failure(step: "PUT \(step.path)", status: response.status, reason: reason))
                }
                done.append("PUT \(step.path): \(response.status)")
            }
        }
        return .success(done)
    }
}
