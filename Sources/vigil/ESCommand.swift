import ArgumentParser
import Foundation
import VigilRuntime

/// `vigil es ...`: Elasticsearch helpers. The logic lives in VigilElasticsearch (reached through VigilRuntime);
/// this file parses arguments.
struct ESCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "es",
        abstract: "Elasticsearch: install the index template, drain the spool.",
        subcommands: [Setup.self, Drain.self, ImportSpool.self])

    /// Connection options shared by the subcommands; they override `sinks.elasticsearch` of `--config`.
    struct Connection: ParsableArguments {
        @Option(help: "Agent configuration file whose sinks.elasticsearch is the starting point.") var config: String?
        @Option(help: "Elasticsearch URL, e.g. https://es:9200.") var url: String?
        @Option(help: "Index name pattern (UTC), e.g. vigil-logs-%Y.%m.%d.") var index: String?
        @Option(help: "Data stream dataset: documents go to logs-{dataset}-{namespace}.") var dataStreamDataset: String?
        @Option(help: "Data stream namespace.") var dataStreamNamespace = "default"
        @Option(help: "Basic auth user name.") var username: String?
        @Option(help: "File holding the basic auth password.") var passwordFile: String?
        @Option(help: "Environment variable holding the basic auth password.") var passwordEnv: String?
        @Option(help: "File holding the encoded API key.") var apiKeyFile: String?
        @Option(help: "Environment variable holding the encoded API key.") var apiKeyEnv: String?
        @Option(help: "File holding a bearer token.") var tokenFile: String?
        @Option(help: "Environment variable holding a bearer token.") var tokenEnv: String?
        @Option(help: "PEM file of CAs to trust.") var caFile: String?
        @Option(help: "PEM client certificate.") var certFile: String?
        @Option(help: "PEM client key.") var keyFile: String?
        @Flag(help: "Do not verify the server certificate (tests only).") var insecureSkipVerify = false

        /// The configuration from `--config` and the connection options, then `adjust` (a command's own
        /// options), validated once at the end.
        func resolve(adjust: (inout ElasticsearchConfiguration) throws -> Void = { _ in }) throws -> ElasticsearchConfiguration {
            var es = ElasticsearchConfiguration()
            if let config {
                guard let fromFile = try ConfigurationLoader.load(path: config).sinks.elasticsearch else {
                    throw ValidationError("\(config) has no sinks.elasticsearch section")
                }
                es = fromFile
            }
            if let url { es.url = url; es.hosts = [] }   // --url names the one host to use
            if let index { es.index = index }
            if let dataStreamDataset { es.dataStream = .init(dataset: dataStreamDataset, namespace: dataStreamNamespace) }
            if passwordFile != nil || passwordEnv != nil {
                es.auth = .init(type: .basic, username: username, passwordFile: passwordFile, passwordEnv: passwordEnv)
            } else if apiKeyFile != nil || apiKeyEnv != nil {
                es.auth = .init(type: .apiKey, apiKeyFile: apiKeyFile, apiKeyEnv: apiKeyEnv)
            } else if tokenFile != nil || tokenEnv != nil {
                es.auth = .init(type: .bearer, tokenFile: tokenFile, tokenEnv: tokenEnv)
            }
            if let caFile { es.tls.caFile = caFile }
            if let certFile { es.tls.certFile = certFile }
            if let keyFile { es.tls.keyFile = keyFile }
            if insecureSkipVerify { es.tls.insecureSkipVerify = true }
            try adjust(&es)
            let problems = es.validationErrors()
            guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
            return es
        }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install (or update) the index template for Vigil's fields and, with --ilm, a lifecycle policy. Idempotent.")
        @OptionGroup var connection: Connection
        @Flag(help: "Also install a lifecycle policy (delete after --retention-days; data streams roll over daily).") var ilm = false
        @Option(help: "Days to keep indices when --ilm is set.") var retentionDays = 30
        @Option(help: "Name of the template and policy.") var name = "vigil-logs"

        func run() async throws {
            let es = try connection.resolve()
            if es.tls.insecureSkipVerify { FileHandle.standardError.write(Data("warning: TLS certificate verification is off\n".utf8)) }
            let setup = ElasticsearchSetup(configuration: es, lifecyclePolicy: ilm, retentionDays: retentionDays, name: name)
            do {
                for line in try await setup.run() { print(line) }
            } catch {
                // A setup failure (the cluster's answer) or a transport error: both describe themselves.
                throw ValidationError("\(error)")
            }
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ship everything in the spool of --data-dir to Elasticsearch, then exit (prints a JSON summary).")
        @OptionGroup var connection: Connection
        @Option(help: "Agent data directory holding vigil.db.") var dataDir = "./vigil-data"
        @Option(help: "gzip level, 0 = off.") var gzipLevel: Int?
        @Option(help: "gzip library: auto (ISA-L for levels 1-3, zlib above), zlib or isa-l.") var gzipLibrary: String?
        @Option(help: "Requests in flight.") var maxInFlight: Int?
        @Option(help: "Documents per request.") var batchMaxEvents: Int?
        @Option(help: "Bytes per request.") var batchMaxBytes: Int?

        func run() async throws {
            AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
            let es = try connection.resolve { es in
                if let gzipLevel { es.gzipLevel = gzipLevel }
                if let gzipLibrary {
                    guard let library = GzipLibrary(rawValue: gzipLibrary) else {
                        throw ValidationError("--gzip-library must be one of \(GzipLibrary.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    es.gzipLibrary = library
                }
                if let maxInFlight { es.maxInFlight = maxInFlight }
                if let batchMaxEvents { es.batch.maxEvents = batchMaxEvents }
                if let batchMaxBytes { es.batch.maxBytes = batchMaxBytes }
            }
            let summary = try await ElasticsearchDrain.run(configuration: es, dataDirectory: dataDir)
            print(summary.json)
        }
    }

    /// Loads a file of JSON lines into the spool as the file tailer would (one block per read of
    /// `--block-lines` lines, ids from file offsets), so the shipper can be measured alone.
    struct ImportSpool: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-spool", abstract: "Benchmark helper: append the lines of a file to the spool.", shouldDisplay: false)
        @Option(help: "Agent data directory.") var dataDir = "./vigil-data"
        @Option(help: "Lines per spool block.") var blockLines = 1000
        @Argument(help: "File of JSON lines.") var file: String

        func run() async throws {
            let count = try ElasticsearchDrain.importLines(file: file, dataDirectory: dataDir, blockLines: blockLines)
            print("{\"imported\":\(count)}")
        }
    }
}
