import Foundation
import Testing
import VigilCore
import VigilRemoteWrite

/// Remote write from the built agent: to a real Prometheus with its receiver on (the samples read back through
/// the query API equal the agent's `/metrics`), and to a scripted receiver for retries, rejections and a restart
/// with a queued request.
@Suite(.serialized)
struct RemoteWriteTests {
    static func config(url: String, interval: String, externalLabels: String = "{ node: edge-7, region: eu }") -> String {
        """
        sources:
          - { type: http }
        remote_write:
          url: "\(url)"
          interval: \(interval)
          external_labels: \(externalLabels)
          backoff: { initial: 50ms, max: 200ms }
          timeout: 5s

        """
    }

    /// `name{labels}` → value for every sample line of a text exposition (labels in the order given; the key
    /// sorts them so that it matches a series from Prometheus).
    static func parseExposition(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) ?? parseSpecial(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            var labels: [(String, String)] = []
            var name = String(series)
            if let brace = series.firstIndex(of: "{") {
                name = String(series[..<brace])
                var rest = series[series.index(after: brace)...].dropLast()   // without the closing brace
                while !rest.isEmpty {
                    guard let eq = rest.firstIndex(of: "=") else { break }
                    let key = String(rest[..<eq])
                    var i = rest.index(eq, offsetBy: 2)   // after ="
                    var value = ""
                    while i < rest.endIndex, rest[i] != "\"" {
                        if rest[i] == "\\" {
                            i = rest.index(after: i)
                            value.append(rest[i] == "n" ? "\n" : rest[i])
                        } else {
                            value.append(rest[i])
                        }
                        i = rest.index(after: i)
                    }
                    labels.append((key, value))
                    rest = rest[rest.index(after: i)...]
                    if rest.first == "," { rest = rest.dropFirst() }
                }
            }
            out[key(name: name, labels: Dictionary(uniqueKeysWithValues: labels))] = value
        }
        return out
    }

    static func parseSpecial(_ text: Substring) -> Double? {
        switch text { case "+Inf": .infinity; case "-Inf": -.infinity; case "NaN": .nan; default: nil }
    }

    static func key(name: String, labels: [String: String]) -> String {
        name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }

    static func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

    @Test func samplesReadBackFromPrometheusEqualTheAgentsMetrics() throws {
        let dir = try Harness.tempDirectory("vigil-remote-write")
        defer { try? FileManager.default.removeItem(at: dir) }
        let prometheus = try PrometheusServer(targets: [], remoteWriteReceiver: true, directory: dir.appendingPathComponent("prometheus"))
        defer { prometheus.stop() }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("agent"), withIntermediateDirectories: true)
        let agent = try AgentProcess(config: Self.config(url: "http://127.0.0.1:\(prometheus.port)/api/v1/write", interval: "1s"),
                                     directory: dir.appendingPathComponent("agent"))
        defer { agent.child.stop() }

        // Known counters: 25 events through the HTTP source.
        let lines = (0..<25).map { #"{"message":"m\#($0)","level":"info"}"# }.joined(separator: "\n") + "\n"
        #expect(try Harness.http("POST", "\(agent.baseURL)/v1/logs", headers: ["Content-Type: application/x-ndjson"], body: Data(lines.utf8)).status / 100 == 2)

        // Two scrapes apart: the series that do not move while the agent idles.
        _ = try Harness.eventually("the events counted", seconds: 30) { () -> Bool? in
            Self.parseExposition(try agent.metricsText())[Self.key(name: "vigil_events_received_total", labels: ["source": "http"])] == 25 ? true : nil
        }
        let first = Self.parseExposition(try agent.metricsText())
        Thread.sleep(forTimeInterval: 2.5)
        let second = Self.parseExposition(try agent.metricsText())
        let afterSecond = Date().timeIntervalSince1970

        // Wait until Prometheus holds a sample pushed after the second scrape.
        _ = try Harness.eventually("a sample pushed after the second scrape", seconds: 30) { () -> Bool? in
            let result = try prometheus.query("timestamp(vigil_events_received_total{node=\"edge-7\",source=\"http\"})")
            guard let value = result.result.first?["value"] as? [Any], let text = value[1] as? String, let t = Double(text) else { return nil }
            return t > afterSecond + 0.5 ? true : nil
        }
        let pushed = try prometheus.query("{node=\"edge-7\"}")
        #expect(pushed.status == "success")
        let third = Self.parseExposition(try agent.metricsText())

        var fromPrometheus: [String: Double] = [:]
        for sample in pushed.result {
            guard var labels = sample["metric"] as? [String: String], let value = sample["value"] as? [Any],
                  let text = value[1] as? String, let number = Double(text) ?? Self.parseSpecial(Substring(text)) else { continue }
            #expect(labels["region"] == "eu", "external label region missing on \(labels)")
            labels.removeValue(forKey: "node")
            labels.removeValue(forKey: "region")
            let name = labels.removeValue(forKey: "__name__") ?? ""
            fromPrometheus[Self.key(name: name, labels: labels)] = number
        }

        // process_open_fds is steady in every scrape, yet one higher than at a push: the scrape's own connection.
        let stable = first.filter { key, value in
            guard !key.hasPrefix("process_open_fds{"), let b = second[key], let c = third[key] else { return false }
            return Self.same(value, b) && Self.same(b, c)
        }
        #expect(stable.count >= 50, "too few stable series to compare: \(stable.count)")
        #expect(stable[Self.key(name: "vigil_events_received_total", labels: ["source": "http"])] == 25)
        var mismatches: [String] = []
        for (key, value) in stable {
            guard let remote = fromPrometheus[key] else { mismatches.append("\(key): not in Prometheus"); continue }
            if !Self.same(remote, value) { mismatches.append("\(key): /metrics \(value), Prometheus \(remote)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(stable.count) series differ:\n\(mismatches.prefix(20).joined(separator: "\n"))")
        // Every series of /metrics is pushed (moving ones too), and nothing else.
        #expect(Set(third.keys).symmetricDifference(fromPrometheus.keys).isEmpty,
                "series only on one side: \(Set(third.keys).symmetricDifference(fromPrometheus.keys).sorted().prefix(20))")
        let final = Self.parseExposition(try agent.metricsText())
        #expect((final[Self.key(name: "vigil_remote_write_samples_total", labels: ["outcome": "delivered"])] ?? 0) >= Double(third.count))
        #expect(final[Self.key(name: "vigil_remote_write_dropped_total", labels: ["reason": "rejected"])] == 0)
        #expect((final[Self.key(name: "vigil_remote_write_last_success_timestamp_seconds", labels: [:])] ?? 0) > afterSecond)
        // The remote write families as docs/metrics.md lists them (type, help, labels).
        let only = MetricCatalogueTests.remoteWriteOnlyFamilies
        let catalogue = try MetricCatalogueTests.loadCatalogue().filter { only.contains($0.key) }
        var exposed = MetricCatalogueTests.parseExposition(try agent.metricsText())
        exposed.families = exposed.families.filter { only.contains($0.key) }
        #expect(catalogue.count == only.count && exposed.families.count == only.count)
        let problems = MetricCatalogueTests.compare(catalogue: catalogue, exposed: exposed, exempt: [])
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func serverErrorsAreRetriedUntilDelivered() throws {
        let dir = try Harness.tempDirectory("vigil-remote-write-retry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try ScriptedHTTPReceiver { index in [500, 503, 429][safe: index] ?? 204 }
        defer { receiver.stop() }
        let agent = try AgentProcess(config: Self.config(url: receiver.url, interval: "1h"), directory: dir)
        defer { agent.child.stop() }
        _ = try Harness.eventually("four requests", seconds: 30) { receiver.requests.count >= 4 ? true : nil }
        Thread.sleep(forTimeInterval: 0.5)
        let requests = receiver.requests
        // One snapshot (interval 1h), sent four times: three failures, then delivered, then nothing more.
        #expect(requests.map(\.answered) == [500, 503, 429, 204])
        #expect(Set(requests.map(\.body)).count == 1)
        for request in requests {
            #expect(request.requestLine == "POST /api/v1/write HTTP/1.1")
            #expect(request.headers["content-encoding"] == "snappy")
            #expect(request.headers["content-type"] == "application/x-protobuf")
            #expect(request.headers["x-prometheus-remote-write-version"] == "0.1.0")
        }
        let series = try RemoteWriteEncoder.decode(requests[0].body)
        #expect(series.count > 50)
        #expect(series.allSatisfy { s in s.labels.contains(MetricLabel(name: "node", value: "edge-7")) && s.name != nil })
        #expect(series.allSatisfy { $0.labels.map(\.name) == $0.labels.map(\.name).sorted() })
        let metrics = try Harness.eventually("the delivery counted") { () -> [String: Double]? in
            let m = Self.parseExposition(try agent.metricsText())
            return m[Self.key(name: "vigil_remote_write_requests_total", labels: ["status": "2xx"])] == 1 ? m : nil
        }
        #expect(metrics[Self.key(name: "vigil_remote_write_requests_total", labels: ["status": "5xx"])] == 2)
        #expect(metrics[Self.key(name: "vigil_remote_write_requests_total", labels: ["status": "429"])] == 1)
        #expect(metrics[Self.key(name: "vigil_remote_write_samples_total", labels: ["outcome": "delivered"])] == Double(series.count))
        #expect(metrics[Self.key(name: "vigil_remote_write_samples_total", labels: ["outcome": "queued"])] == Double(series.count))
        #expect(metrics[Self.key(name: "vigil_remote_write_queue_requests", labels: [:])] == 0)
    }

    @Test func clientErrorsDropTheRequestWithoutRetrying() throws {
        let dir = try Harness.tempDirectory("vigil-remote-write-400")
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try ScriptedHTTPReceiver { _ in 400 }
        defer { receiver.stop() }
        let agent = try AgentProcess(config: Self.config(url: receiver.url, interval: "1h"), directory: dir)
        defer { agent.child.stop() }
        let metrics = try Harness.eventually("the drop counted") { () -> [String: Double]? in
            let m = Self.parseExposition(try agent.metricsText())
            return m[Self.key(name: "vigil_remote_write_dropped_total", labels: ["reason": "rejected"])] == 1 ? m : nil
        }
        Thread.sleep(forTimeInterval: 1.5)
        #expect(receiver.requests.count == 1, "a 400 was retried: \(receiver.requests.map(\.answered))")
        #expect(metrics[Self.key(name: "vigil_remote_write_requests_total", labels: ["status": "4xx"])] == 1)
        #expect(metrics[Self.key(name: "vigil_remote_write_queue_requests", labels: [:])] == 0)
        let queued = metrics[Self.key(name: "vigil_remote_write_samples_total", labels: ["outcome": "queued"])] ?? 0
        #expect(queued > 0 && metrics[Self.key(name: "vigil_remote_write_samples_total", labels: ["outcome": "dropped"])] == queued)
        #expect(agent.child.stderr.contains("remote write request dropped"))
        #expect(agent.child.stderr.contains("\"remote_write.reason\":\"rejected\""))
    }

    @Test func aQueuedRequestIsDeliveredAfterARestart() throws {
        let dir = try Harness.tempDirectory("vigil-remote-write-restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try ScriptedHTTPReceiver { _ in 503 }
        defer { receiver.stop() }
        let config = Self.config(url: receiver.url, interval: "1h")
        var agent: AgentProcess? = try AgentProcess(config: config, directory: dir)
        _ = try Harness.eventually("retries", seconds: 30) { receiver.requests.count >= 2 ? true : nil }
        #expect(agent!.child.stop() == 0)
        agent = nil
        let queued = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("data/remote_write").path)
        #expect(queued.filter { $0.hasSuffix(".req") }.count == 1, "queue after stop: \(queued)")
        let undelivered = receiver.requests[0].body

        receiver.answer { _ in 204 }
        let restarted = try AgentProcess(config: config, directory: dir)
        defer { restarted.child.stop() }
        _ = try Harness.eventually("the queued request and a new one delivered", seconds: 30) { () -> Bool? in
            receiver.requests.filter { $0.answered == 204 }.count >= 2 ? true : nil
        }
        let delivered = receiver.requests.filter { $0.answered == 204 }
        // The old snapshot first, byte for byte, then the new one, with a later timestamp.
        #expect(delivered[0].body == undelivered)
        let old = try RemoteWriteEncoder.decode(delivered[0].body), new = try RemoteWriteEncoder.decode(delivered[1].body)
        #expect(old[0].samples[0].timestampMillis < new[0].samples[0].timestampMillis)
        _ = try Harness.eventually("the queue emptied") { () -> Bool? in
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("data/remote_write").path)
            return left.isEmpty ? true : nil
        }
    }

    @Test func configurationErrorsNameTheLine() throws {
        let dir = try Harness.tempDirectory("vigil-remote-write-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml")
        try """
        remote_write:
          url: "ftp://x"
          interval: 5 parsecs
          external_labels: { "__bad": x, ok: [1] }
          queue: { max_bytes: 1KiB }

        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try Harness.run(try Harness.binary("vigil"), ["config", "check", file.path])
        #expect(result.status == 1)
        let output = result.stdout + result.stderr
        #expect(output.contains("bad.yaml:2:"), "\(output)")
        #expect(output.contains("remote_write.url"))
        #expect(output.contains("remote_write.interval"))
        #expect(output.contains("remote_write.external_labels.__bad"))
        #expect(output.contains("remote_write.external_labels.ok"))
        #expect(output.contains("remote_write.queue.max_bytes"))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
