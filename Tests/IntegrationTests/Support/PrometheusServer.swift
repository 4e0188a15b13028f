import Foundation

/// Debian's Prometheus (`/usr/bin/prometheus`) on a free loopback port with a temp config and storage:
/// scrapes the given targets as `job="vigil"` every second, evaluates `ruleFiles` every second and sends
/// alerts to an Alertmanager; with `remoteWriteReceiver` it also accepts remote write on `/api/v1/write`. Stopped
/// by PID with the test (``stop()``, or the child's `deinit`).
final class PrometheusServer: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    var api: String { "http://127.0.0.1:\(port)/api/v1" }

    init(targets: [Int], ruleFiles: [URL] = [], alertmanager: String? = nil, remoteWriteReceiver: Bool = false, directory: URL) throws {
        port = try Harness.freePort()
        var config = """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
          evaluation_interval: 1s
        scrape_configs:
          - job_name: vigil
            static_configs:
              - targets: [\(targets.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", "))]

        """
        if !ruleFiles.isEmpty {
            config += "rule_files:\n" + ruleFiles.map { "  - \"\($0.path)\"\n" }.joined()
        }
        if let alertmanager {
            let hostPort = alertmanager.replacingOccurrences(of: "http://", with: "")
            config += """
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["\(hostPort)"]

            """
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("prometheus.yml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        child = try ChildProcess("prometheus", path: "/usr/bin/prometheus", arguments: [
            "--config.file=\(file.path)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("tsdb").path)",
            "--web.listen-address=127.0.0.1:\(port)",
        ] + (remoteWriteReceiver ? ["--web.enable-remote-write-receiver"] : []), directory: directory)
        let child = self.child, ready = "http://127.0.0.1:\(port)/-/ready"
        _ = try Harness.eventually("prometheus ready", seconds: 60) { () -> Bool? in
            guard child.isRunning else { throw HarnessError("prometheus exited: \(child.stderr.suffix(2000))") }
            return (try? Harness.http("GET", ready).status) == 200 ? true : nil
        }
    }

    func stop() { child.stop() }

    /// The answer of an instant query: Prometheus's status, its error if any, and the result's samples.
    struct QueryResult {
        var status: String
        var error: String?
        var result: [[String: Any]]
        /// How many samples have a finite value (not NaN or ±Inf).
        var finite: Int {
            result.filter { sample in
                guard let value = sample["value"] as? [Any], value.count == 2, let text = value[1] as? String,
                      let number = Double(text) else { return false }
                return number.isFinite
            }.count
        }
    }

    func query(_ promql: String) throws -> QueryResult {
        let response = try Harness.http("POST", "\(api)/query", headers: ["Content-Type: application/x-www-form-urlencoded"],
                                        body: Data(("query=" + Self.formEncode(promql)).utf8))
        guard let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw HarnessError("prometheus answered \(response.status) without JSON for \(promql)")
        }
        let data = object["data"] as? [String: Any]
        return QueryResult(status: object["status"] as? String ?? "", error: object["error"] as? String,
                           result: data?["result"] as? [[String: Any]] ?? [])
    }

    /// `label_values(selector, label)` as Grafana resolves it: the label's values among the matching series.
    func labelValues(_ label: String, match: String?) throws -> [String] {
        var url = "\(api)/label/\(label)/values"
        if let match { url += "?match[]=" + Self.formEncode(match) }
        let response = try Harness.http("GET", url)
        guard let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              object["status"] as? String == "success" else {
            throw HarnessError("label values of \(label) for \(match ?? "-"): \(String(decoding: response.body, as: UTF8.self))")
        }
        return object["data"] as? [String] ?? []
    }

    /// `/api/v1/alerts`: the alerts Prometheus holds, each with labels and state (pending or firing).
    func alerts() throws -> [[String: Any]] {
        let response = try Harness.http("GET", "\(api)/alerts")
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return ((object?["data"] as? [String: Any])?["alerts"] as? [[String: Any]]) ?? []
    }

    /// `/api/v1/rules`: every loaded rule with its health and last error.
    func rules() throws -> [[String: Any]] {
        let response = try Harness.http("GET", "\(api)/rules")
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let groups = ((object?["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
        return groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Debian's Alertmanager on a free loopback port, clustering off, one receiver that drops notifications.
final class AlertmanagerServer: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(directory: URL) throws {
        port = try Harness.freePort()
        let config = directory.appendingPathComponent("alertmanager.yml")
        try "route: { receiver: blackhole }\nreceivers: [ { name: blackhole } ]\n".write(to: config, atomically: true, encoding: .utf8)
        child = try ChildProcess("alertmanager", path: "/usr/bin/prometheus-alertmanager", arguments: [
            "--config.file=\(config.path)", "--storage.path=\(directory.appendingPathComponent("am").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="], directory: directory)
        let child = self.child, ready = "http://127.0.0.1:\(port)/-/ready"
        _ = try Harness.eventually("alertmanager ready", seconds: 30) { () -> Bool? in
            guard child.isRunning else { throw HarnessError("alertmanager exited: \(child.stderr.suffix(2000))") }
            return (try? Harness.http("GET", ready).status) == 200 ? true : nil
        }
    }

    func stop() { child.stop() }

    /// The active alerts of `/api/v2/alerts`, by name.
    func activeAlertNames() throws -> Set<String> {
        let body = try Harness.http("GET", url + "/api/v2/alerts").body
        let alerts = (try JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? []
        return Set(alerts.compactMap { alert -> String? in
            guard ((alert["status"] as? [String: Any])?["state"] as? String) == "active" else { return nil }
            return (alert["labels"] as? [String: String])?["alertname"]
        })
    }
}
