import Foundation
import Testing

/// `docs/metrics.md` against the families the built agent really serves.
///
/// The agent runs twice, because the sinks exclude each other: once shipping to Elasticsearch (`vigil-es-mock`),
/// once on the embedded log store. Both runs configure everything else that registers families: a file source,
/// HTTP and stdin, redaction rules, `metrics_from_logs`, and a model with a profile, detectors and every drift
/// method. Traffic is sent so that most families have series, whose label names are then checked too. The
/// union of both expositions must equal the catalogue, except exactly the configured `metrics_from_logs` names.
@Suite(.serialized)
struct MetricCatalogueTests {
    /// The user-named families this test configures: exempt from the catalogue, and required to appear.
    static let configuredFamilies: [String: String] = [
        "catalogue_request_duration_seconds": "histogram",
        "catalogue_log_events_total": "counter",
    ]

    /// Families registered only when the server serves TLS (this test's agents listen in plain HTTP).
    static let tlsOnlyFamilies: Set<String> = ["vigil_tls_reloads_total", "vigil_tls_certificate_expiry_timestamp_seconds"]
    /// Families registered only with storage.shared (SharedStatePostgresTests and SharedLabelJoinTests serve them).
    static let sharedOnlyFamilies: Set<String> = ["vigil_shared_state_errors_total", "vigil_shared_join_outbox_rows"]
    /// Families registered only with remote_write (RemoteWriteTests serves them).
    static let remoteWriteOnlyFamilies: Set<String> = [
        "vigil_remote_write_samples_total", "vigil_remote_write_requests_total", "vigil_remote_write_dropped_total",
        "vigil_remote_write_queue_bytes", "vigil_remote_write_queue_requests",
        "vigil_remote_write_last_success_timestamp_seconds", "vigil_remote_write_request_duration_seconds",
    ]
    /// Families registered only by `vigil controller` (ControllerFleetTests runs it).
    static let controllerOnlyFamilies: Set<String> = ["vigil_controller_queries_total", "vigil_controller_query_duration_seconds",
                                                      "vigil_controller_incomplete_evidence_total",
                                                      "vigil_controller_round_duration_seconds"]

    @Test func catalogueListsExactlyTheFamiliesOfAFullyConfiguredAgent() throws {
        let catalogue = try Self.loadCatalogue()
        let dir = try Harness.tempDirectory("vigil-catalogue")
        defer { try? FileManager.default.removeItem(at: dir) }
        let profile = try Self.buildProfile(in: dir)

        // Elasticsearch sink.
        let portFile = dir.appendingPathComponent("mock.port").path
        let mock = try ChildProcess("mock", path: try Harness.binary("vigil-es-mock"),
                                    arguments: ["--port", "0", "--port-file", portFile], directory: dir)
        defer { mock.stop() }
        let mockPort = try Harness.eventually("the mock's port file") { () -> Int? in
            guard mock.isRunning else { throw HarnessError("mock exited: \(mock.stderr)") }
            return (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let shipping = try Self.scrapeFullyConfiguredAgent(
            in: dir.appendingPathComponent("es"), profile: profile,
            sink: "sinks:\n  elasticsearch: { url: \"http://127.0.0.1:\(mockPort)\", batch: { timeout: 100ms } }\n",
            settled: "vigil_elasticsearch_documents_total{outcome=\"delivered\"}")
        // The embedded log store (the default sink).
        let local = try Self.scrapeFullyConfiguredAgent(
            in: dir.appendingPathComponent("local"), profile: profile,
            sink: "sinks:\n  local: { retention: 1d }\n", settled: "vigil_local_store_events_total")

        var exposed = shipping
        exposed.merge(local)

        for (name, type) in Self.configuredFamilies {
            #expect(exposed.families[name]?.type == type, "the configured metrics_from_logs family \(name) is not served as a \(type)")
            #expect(catalogue[name] == nil, "\(name) is user-named (metrics_from_logs) and must not be in docs/metrics.md")
        }
        // The TLS families exist only with server.tls; TLSServerTests serves them and checks their series.
        let optional = Self.tlsOnlyFamilies.union(Self.sharedOnlyFamilies).union(Self.remoteWriteOnlyFamilies).union(Self.controllerOnlyFamilies)
        for name in optional { #expect(catalogue[name] != nil, "\(name) is missing from docs/metrics.md") }
        var tlsServed = exposed
        for name in optional { tlsServed.families.removeValue(forKey: name) }
        let problems = Self.compare(catalogue: catalogue.filter { !optional.contains($0.key) }, exposed: tlsServed,
                                    exempt: Set(Self.configuredFamilies.keys))
        #expect(problems.isEmpty, "docs/metrics.md disagrees with the agent:\n\(problems.joined(separator: "\n"))")
        // Both configurations together exercise every documented family (none is only in the table).
        #expect(catalogue.count >= 40)
    }

    /// The comparison itself fails on a missing row, an extra row and a wrong type, help or label set.
    @Test func comparisonReportsEveryKindOfDisagreement() throws {
        let catalogue = try Self.loadCatalogue()
        let exposition = """
        # HELP vigil_spool_bytes Bytes of undelivered blocks in the spool.
        # TYPE vigil_spool_bytes gauge
        vigil_spool_bytes 0
        # HELP vigil_events_received_total Lines offered to the event pipeline, by source.
        # TYPE vigil_events_received_total counter
        vigil_events_received_total{source="http",extra="x"} 1
        # HELP vigil_files_open Some other help.
        # TYPE vigil_files_open counter
        # HELP vigil_not_documented_total Nobody wrote this down.
        # TYPE vigil_not_documented_total counter
        # HELP user_metric_total Configured by the user.
        # TYPE user_metric_total counter
        """
        let exposed = Self.parseExposition(exposition)
        let subset = catalogue.filter { ["vigil_spool_bytes", "vigil_events_received_total", "vigil_files_open", "vigil_spool_events"].contains($0.key) }
        let problems = Self.compare(catalogue: subset, exposed: exposed, exempt: ["user_metric_total"])
        #expect(problems.contains { $0.contains("vigil_not_documented_total") && $0.contains("not in docs/metrics.md") })
        #expect(problems.contains { $0.contains("vigil_spool_events") && $0.contains("no longer exposed") })
        #expect(problems.contains { $0.contains("vigil_files_open") && $0.contains("type") })
        #expect(problems.contains { $0.contains("vigil_files_open") && $0.contains("help") })
        #expect(problems.contains { $0.contains("vigil_events_received_total") && $0.contains("labels") })
        #expect(!problems.contains { $0.contains("vigil_spool_bytes") })
        #expect(!problems.contains { $0.contains("user_metric_total") })
        #expect(problems.count == 5, "\(problems)")
    }

    @Test(arguments: [
        (#"a_total{x="1",y="q\"uo,te}"} 3"#, "a_total", ["x", "y"]),
        (#"h_bucket{route="/metrics",le="+Inf"} 2"#, "h_bucket", ["route", "le"]),
        ("plain 1.5", "plain", []),
    ])
    func samplesAreSplitIntoNameAndLabelNames(line: String, name: String, labels: [String]) throws {
        let sample = try #require(Self.parseSample(Substring(line)))
        #expect(sample.name == name)
        #expect(sample.labelNames == labels)
    }

    // MARK: - The agent

    /// Starts the agent with everything but the sink configured, sends traffic, waits until `settled` has a
    /// positive sample, and returns the parsed exposition.
    static func scrapeFullyConfiguredAgent(in dir: URL, profile: URL, sink: String, settled: String) throws -> Exposition {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let log = dir.appendingPathComponent("app.log")
        try """
        {"message":"hello from a file","service":"checkout","level":"info","latency_ms":12,"route":"/pay","user":"a@example.com"}
        not json at all
        {"message":"second","service":"checkout","level":"error","latency_ms":250,"route":"/pay"}

        """.write(to: log, atomically: true, encoding: .utf8)
        let stdinFile = dir.appendingPathComponent("stdin.ndjson")
        try "{\"message\":\"from stdin\",\"service\":\"batch\",\"level\":\"warn\"}\n[1,2]\n".write(to: stdinFile, atomically: true, encoding: .utf8)
        let otlpPort = try Harness.freePort()
        let config = """
        sources:
          - { type: http }
          - { type: otlp, listen: "127.0.0.1:\(otlpPort)" }
          - { type: file, name: app, paths: ["\(log.path)"], scan_interval: 100ms }
          - { type: stdin }
        redact:
          builtin: [email, phone, ipv4, ipv6, card, cn_id]
          fields: { password: drop, user_id: mask }
          patterns: [ { name: token, regex: "sk_[a-z0-9]{8,}", replacement: "[token]" } ]
        metrics_from_logs:
          - { name: catalogue_request_duration_seconds, histogram_of: latency_ms, scale: 0.001, labels: [service, route], when: { type: log } }
          - { name: catalogue_log_events_total, type: counter, labels: [service, level] }
        models:
          - name: credit
            profile: "\(profile.path)"
            label_ttl: 1h
            window: 50
            detectors: [adwin, page_hinkley, kswin, ddm, eddm, hddm_a, hddm_w]
            drift: [psi, ks, js, wasserstein, chi2]
        rollouts:
          - { model: credit, champion: v0, challenger: v1, min_samples: 10 }
        actions:
          alertmanager: { url: "http://127.0.0.1:9" }
          webhooks: [ { url: "http://127.0.0.1:9/hook", max_attempts: 1 } ]
        \(sink)
        """
        let agent = try AgentProcess(arguments: [], config: config, directory: dir, stdin: try FileHandle(forReadingFrom: stdinFile))
        defer { agent.child.stop() }

        let logs = #"{"message":"over http","service":"api","level":"info","latency_ms":3,"route":"/v1","password":"x","note":"sk_abcdefgh12"}"# + "\n"
        #expect(try Harness.http("POST", "\(agent.baseURL)/v1/logs", body: Data((logs + "{oops\n").utf8)).status == 202)
        var predictions = "", labels = ""
        let countries = ["DE", "ES", "FR"], devices = ["mobile", "tablet", "desktop"]
        for i in 0..<60 {
            let score = Double(i % 10) / 10 + 0.05
            predictions += #"{"model":"credit","variant":"v\#(i % 2)","request_id":"r\#(i)","prediction":"\#(score >= 0.5 ? 1 : 0)","score":\#(score),"features":{"age":\#(20 + i),"income":\#(1000 * i),"tenure_months":\#(i % 40),"country":"\#(countries[i % 3])","device":"\#(devices[i % 3])"},"segment":{"gender":"\#(i % 2 == 0 ? "f" : "m")"}}"# + "\n"
            labels += #"{"model":"credit","request_id":"r\#(i)","label":"\#(i % 3 == 0 ? 1 : 0)"}"# + "\n"
        }
        labels += #"{"model":"nobody","request_id":"x","label":"1"}"# + "\n"
        #expect(try Harness.http("POST", "\(agent.baseURL)/v1/predictions", body: Data(predictions.utf8)).status == 202)
        #expect(try Harness.http("POST", "\(agent.baseURL)/v1/labels", body: Data(labels.utf8)).status == 202)
        _ = try Harness.http("GET", "\(agent.baseURL)/no/such/route")

        let text = try Harness.eventually("\(settled) > 0, the file read and the labels joined", seconds: 60) { () -> String? in
            let text = try agent.metricsText()
            let ready = [settled, #"vigil_file_read_bytes_total{source="app"}"#, #"vigil_events_received_total{source="stdin"}"#,
                         #"vigil_model_labels_total{model="credit",variant="v0",outcome="joined"}"#]
                .allSatisfy { (PrometheusScrapeTests.sampleValue(text, $0) ?? 0) > 0 }
            return ready ? text : nil
        }
        return parseExposition(text)
    }

    /// A reference profile of the example data set, built by the binary.
    static func buildProfile(in dir: URL) throws -> URL {
        let out = dir.appendingPathComponent("profile.json")
        let result = try Harness.run(try Harness.binary("vigil"), [
            "profile", "build", "--input", Harness.packageRoot.appendingPathComponent("examples/evaluate/reference.csv").path,
            "--model", "credit", "--out", out.path, "--label-column", "label", "--prediction-column", "prediction",
            "--score-column", "score", "--segment-column", "gender"])
        guard result.status == 0 else { throw HarnessError("vigil profile build failed: \(result.stderr)") }
        return out
    }

    // MARK: - The catalogue

    struct CatalogueEntry: Equatable {
        var name: String
        var type: String
        var labels: [String]
        var help: String
    }

    static let header = "| name | type | labels | unit | help | component |"

    static func loadCatalogue() throws -> [String: CatalogueEntry] {
        let url = Harness.packageRoot.appendingPathComponent("docs/metrics.md")
        return try parseCatalogue(try String(contentsOf: url, encoding: .utf8))
    }

    /// Reads every row of the table(s) under `header`. A malformed row is an error naming its line.
    static func parseCatalogue(_ text: String) throws -> [String: CatalogueEntry] {
        var entries: [String: CatalogueEntry] = [:]
        var inTable = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line == header { inTable = true; continue }
            guard inTable else { continue }
            guard line.hasPrefix("|") else { inTable = false; continue }
            if line.hasPrefix("| ---") { continue }
            let cells = line.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6 else {
                throw HarnessError("docs/metrics.md:\(index + 1): expected 6 cells, found \(cells.count): \(line)")
            }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard !name.isEmpty, !name.contains(" ") else { throw HarnessError("docs/metrics.md:\(index + 1): bad name cell \(cells[0])") }
            let labels = cells[2] == "—" ? [] : cells[2].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }
            guard entries[name] == nil else { throw HarnessError("docs/metrics.md:\(index + 1): \(name) is listed twice") }
            entries[name] = CatalogueEntry(name: name, type: cells[1], labels: labels, help: cells[4])
        }
        guard !entries.isEmpty else { throw HarnessError("docs/metrics.md: no table with the header \(header)") }
        return entries
    }

    // MARK: - The exposition

    struct ExposedFamily {
        var name: String
        var type: String = ""
        var help: String = ""
        /// The label names of each sample (without `le`), deduplicated.
        var labelSets: Set<[String]> = []
    }

    struct Exposition {
        var families: [String: ExposedFamily] = [:]

        /// Families of `other` join these; label sets are unioned (type and help are the same in both runs).
        mutating func merge(_ other: Exposition) {
            for (name, family) in other.families {
                if var mine = families[name] {
                    mine.labelSets.formUnion(family.labelSets)
                    families[name] = mine
                } else {
                    families[name] = family
                }
            }
        }
    }

    /// Parses Prometheus text 0.0.4: `# HELP`, `# TYPE` and sample lines.
    static func parseExposition(_ text: String) -> Exposition {
        var result = Exposition()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                let space = rest.firstIndex(of: " ") ?? rest.endIndex
                let name = String(rest[..<space])
                let value = space < rest.endIndex ? String(rest[rest.index(after: space)...]) : ""
                var family = result.families[name] ?? ExposedFamily(name: name)
                if line.hasPrefix("# HELP ") {
                    family.help = value.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\\", with: "\\")
                } else {
                    family.type = value
                }
                result.families[name] = family
            } else if !line.hasPrefix("#"), let sample = parseSample(line) {
                var owner = sample.name
                if result.families[owner] == nil {
                    for suffix in ["_bucket", "_sum", "_count"] where owner.hasSuffix(suffix) {
                        let base = String(owner.dropLast(suffix.count))
                        if result.families[base]?.type == "histogram" { owner = base; break }
                    }
                }
                result.families[owner, default: ExposedFamily(name: owner)].labelSets.insert(sample.labelNames.filter { $0 != "le" })
            }
        }
        return result
    }

    /// The metric name and label names of one sample line; label values may hold escaped quotes, commas, braces.
    static func parseSample(_ line: Substring) -> (name: String, labelNames: [String])? {
        let bytes = Array(line.utf8)
        var i = 0
        while i < bytes.count, bytes[i] != UInt8(ascii: "{"), bytes[i] != UInt8(ascii: " ") { i += 1 }
        let name = String(decoding: bytes[0..<i], as: UTF8.self)
        guard !name.isEmpty else { return nil }
        var labels: [String] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") {
            i += 1
            while i < bytes.count, bytes[i] != UInt8(ascii: "}") {
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "=") { i += 1 }
                labels.append(String(decoding: bytes[start..<i], as: UTF8.self))
                i += 2 // `="`
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                i += 1 // closing quote
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1 }
            }
            guard i < bytes.count else { return nil }
        }
        return (name, labels)
    }

    // MARK: - Comparison

    /// Every disagreement between the catalogue and the served families, one line each.
    static func compare(catalogue: [String: CatalogueEntry], exposed: Exposition, exempt: Set<String>) -> [String] {
        var problems: [String] = []
        for name in exposed.families.keys.sorted() where catalogue[name] == nil && !exempt.contains(name) {
            problems.append("\(name): served by the agent but not in docs/metrics.md")
        }
        for name in catalogue.keys.sorted() {
            let entry = catalogue[name]!
            guard let family = exposed.families[name] else {
                problems.append("\(name): in docs/metrics.md but no longer exposed by a fully configured agent")
                continue
            }
            if family.type != entry.type {
                problems.append("\(name): type is \(family.type), docs/metrics.md says \(entry.type)")
            }
            if family.help != entry.help {
                problems.append("\(name): help is \"\(family.help)\", docs/metrics.md says \"\(entry.help)\"")
            }
            for labels in family.labelSets.sorted(by: { $0.joined() < $1.joined() }) where Set(labels) != Set(entry.labels) {
                problems.append("\(name): a sample has labels \(labels), docs/metrics.md says \(entry.labels)")
            }
        }
        return problems
    }
}
