import FoundationEssentials
import VigilCore
import VigilHTTPClient

/// `vigil rollout list|status|start|promote|rollback|pause|resume`: a client of the agent's control API.
public enum RolloutCLI {
    public enum Verb: String, Sendable, CaseIterable {
        case list, status, start, promote, rollback, pause, resume
    }

    public struct Options: Sendable {
        public var verb: Verb
        public var model: String?
        public var reason: String?
        public var server: String
        public var tokenFile: String?
        public var caFile: String?
        public var json: Bool
        /// `status --explain`: the evidence queries and their answers.
        public var explain: Bool
        public init(verb: Verb, model: String?, reason: String?, server: String, tokenFile: String?, caFile: String?, json: Bool,
                    explain: Bool = false) {
            self.verb = verb; self.model = model; self.reason = reason; self.server = server
            self.tokenFile = tokenFile; self.caFile = caFile; self.json = json; self.explain = explain
        }
    }

    /// Output and exit status: 0 done (or already so), 1 refused or failed, 2 usage.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ o: Options) async -> Result {
        func fail(_ message: String, _ status: Int32 = 1) -> Result { Result(status: status, stdout: "", stderr: "vigil rollout: \(message)\n") }
        if o.verb != .list, o.model == nil { return fail("\(o.verb.rawValue) needs a MODEL", 2) }
        if o.explain, o.verb != .status { return fail("--explain applies to status only", 2) }
        var headers = ["Accept: application/json"]
        if let tokenFile = o.tokenFile {
            do {
                let token = try SecretFile.read(tokenFile, relativeTo: nil, what: "--token-file")
                headers.append("Authorization: Bearer \(String(decoding: token, as: UTF8.self))")
            } catch { return fail("\(error)", 2) }
        }
        let base = o.server.hasSuffix("/") ? String(o.server.dropLast()) : o.server
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(5), requestTimeout: .seconds(30), tls: CurlTLSOptions(caFile: o.caFile)))
        defer { client.shutdown() }
        func call(_ method: String, _ path: String, body: [UInt8] = []) async -> Swift.Result<CurlResponse, CurlError> {
            var h = headers
            if !body.isEmpty { h.append("Content-Type: application/json") }
            return await client.result(for: CurlRequest(method: method, url: base + path, headers: h, body: body))
        }
        let model = o.model.map(percentEncode) ?? ""
        let response: CurlResponse
        switch o.verb {
        case .list:
            switch await call("GET", "/v1/rollouts") {
            case .failure(let e): return fail("cannot reach \(CurlError.redact(base)): \(e)")
            case .success(let r): response = r
            }
            guard r200(response) else { return httpFailure(response) }
            if o.json { return Result(status: 0, stdout: text(response.body) + "\n", stderr: "") }
            guard let list = try? JSONDecoder().decode(RolloutList.self, from: Data(response.body)) else {
                return fail("unexpected answer: \(text(response.body.prefix(200)))")
            }
            return Result(status: 0, stdout: renderList(list.rollouts), stderr: "")
        case .status:
            switch await call("GET", "/v1/rollouts/\(model)") {
            case .failure(let e): return fail("cannot reach \(CurlError.redact(base)): \(e)")
            case .success(let r): response = r
            }
            guard r200(response) else { return httpFailure(response) }
            if o.json { return Result(status: 0, stdout: text(response.body) + "\n", stderr: "") }
            guard let status = try? JSONDecoder().decode(RolloutController.Status.self, from: Data(response.body)) else {
                return fail("unexpected answer: \(text(response.body.prefix(200)))")
            }
            var audit: [AuditEntry] = []
            if case .success(let a) = await call("GET", "/v1/audit?model=\(model)&limit=5"), r200(a),
               let list = try? JSONDecoder().decode(AuditList.self, from: Data(a.body)) {
                audit = list.entries
            }
            var out = renderStatus(status, audit: audit)
            if o.explain { out += renderExplanation(status) }
            return Result(status: 0, stdout: out, stderr: "")
        case .start, .promote, .rollback, .pause, .resume:
            guard let reason = o.reason, !reason.allSatisfy(\.isWhitespace) else {
                return fail("\(o.verb.rawValue) needs --reason TEXT (it goes to the audit log)", 2)
            }
            let body = (try? [UInt8](JSONEncoder().encode(["reason": reason]))) ?? []
            switch await call("POST", "/v1/rollouts/\(model)/\(o.verb.rawValue)", body: body) {
            case .failure(let e): return fail("cannot reach \(CurlError.redact(base)): \(e)")
            case .success(let r): response = r
            }
            if o.json { return Result(status: r200(response) ? 0 : 1, stdout: text(response.body) + "\n", stderr: "") }
            guard let result = try? JSONDecoder().decode(RolloutController.CommandResult.self, from: Data(response.body)) else {
                return httpFailure(response)
            }
            let line = "\(result.outcome): \(result.message)\n"
            switch result.outcome {
            case "changed", "unchanged": return Result(status: 0, stdout: line, stderr: "")
            default: return Result(status: 1, stdout: "", stderr: "vigil rollout: " + line)
            }
        }
    }

    struct RolloutList: Decodable { var rollouts: [RolloutController.Status] }
    struct AuditList: Decodable { var entries: [AuditEntry] }
    struct ErrorBody: Decodable { var error: String? }

    static func r200(_ r: CurlResponse) -> Bool { (200..<300).contains(r.status) }

    static func httpFailure(_ r: CurlResponse) -> Result {
        let message = (try? JSONDecoder().decode(ErrorBody.self, from: Data(r.body)))?.error ?? text(r.body.prefix(300))
        let hint = r.status == 401 ? " (pass --token-file)" : ""
        return Result(status: 1, stdout: "", stderr: "vigil rollout: HTTP \(r.status): \(message)\(hint)\n")
    }

    static func text<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 { String(decoding: Array(bytes), as: UTF8.self) }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E {
                out.append(Character(UnicodeScalar(b)))
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%\(hex[Int(b >> 4)])\(hex[Int(b & 15)])"
            }
        }
        return out
    }

    static func renderList(_ rollouts: [RolloutController.Status]) -> String {
        var rows = [["model", "state", "step", "champion", "challenger", "challenger weight", "last decision"]]
        for r in rollouts {
            rows.append([r.model, r.state.rawValue, r.step.map { "\($0 + 1)/\(r.steps.count)" } ?? "-", r.champion, r.challenger,
                         RolloutEvaluator.pct(r.weight) + "%", r.lastEvaluation?.decision.rawValue ?? "-"])
        }
        return EvaluationReportRenderer.grid(rows)
    }

    /// What a release manager reads in a terminal: traffic, counts, each guardrail's verdict, the last decisions.
    public static func renderStatus(_ s: RolloutController.Status, audit: [AuditEntry]) -> String {
        var out = "rollout \(s.model): \(s.state.rawValue)"
        if let step = s.step { out += ", step \(step + 1) of \(s.steps.count)" }
        out += s.automatic ? " (automatic)" : " (manual: Vigil recommends, a person acts)"
        out += "\n\n"
        let e = s.lastEvaluation
        var rows = [["variant", "role", "traffic", "requests"]]
        rows.append([s.champion, "champion", RolloutEvaluator.pct(100 - s.weight) + "%", e.map { String($0.championRequests) } ?? "-"])
        rows.append([s.challenger, "challenger", RolloutEvaluator.pct(s.weight) + "%", e.map { String($0.challengerRequests) } ?? "-"])
        out += EvaluationReportRenderer.grid(rows)
        if let e {
            out += "\nlast evaluation: \(e.decision.rawValue) — \(e.reason)\n"
            if let srm = e.sampleRatio {
                out += "sample ratio: challenger \(srm.challengerRequests) of \(srm.championRequests + srm.challengerRequests) "
                    + "this step, expected \(RolloutEvaluator.pct(srm.expectedChallengerShare * 100))%, p = "
                    + "\(EvaluationReportRenderer.format(srm.pValue, digits: 4))\(srm.mismatch ? " (MISMATCH: held)" : "")\n"
            }
            if !e.guardrails.isEmpty || e.primary != nil {
                out += "\n"
                var g = [["metric", "verdict", "champion", "challenger", "difference", "always-valid interval"]]
                for c in e.guardrails + (e.primary.map { [$0] } ?? []) {
                    g.append([c.metric + (c === e.primary ? " (primary)" : ""), c.verdict.rawValue,
                              c.championValue.map(num) ?? "-", c.challengerValue.map(num) ?? "-",
                              c.difference.map(num) ?? "-",
                              (c.lower != nil || c.upper != nil) ? "[\(c.lower.map(num) ?? "-inf"), \(c.upper.map(num) ?? "+inf")]" : "-"])
                }
                out += EvaluationReportRenderer.grid(g)
                for c in e.guardrails + (e.primary.map { [$0] } ?? []) { out += "  \(c.metric): \(c.summary)\n" }
            }
        }
        if !audit.isEmpty {
            out += "\nrecent changes:\n"
            for a in audit {
                out += "  \(RFC3339.format(millis: a.timeMillis))  \(a.action) by \(a.actor): \(a.reason)\n"
            }
        }
        return out
    }

    static func num(_ x: Double) -> String { RolloutEvaluator.trimmed(x) }

    /// `status --explain`: each evidence query, the metrics it feeds and its answer.
    public static func renderExplanation(_ s: RolloutController.Status) -> String {
        guard let queries = s.queries else {
            if s.evaluator == "controller" {
                return "\nevidence: decided by vigil controller; ask the controller (--server) for its queries\n"
            }
            return "\nevidence: this agent's own counters (no queries)\n"
        }
        guard !queries.isEmpty else { return "\nevidence: no query has run yet\n" }
        var out = "\nevidence queries (Prometheus, at \(RFC3339.format(millis: queries[0].atMillis))):\n"
        for q in queries {
            out += "\n  \(q.field) — for \(q.usedBy.joined(separator: ", "))\n    \(q.promql)\n"
            if let error = q.error { out += "    error: \(error)\n"; continue }
            if q.values.isEmpty { out += "    (no series)\n"; continue }
            for key in q.values.keys.sorted(by: { a, b in
                let (x, y) = (Self.bucketOrder(a), Self.bucketOrder(b))
                return x.0 != y.0 ? x.0 < y.0 : x.1 < y.1
            }) {
                out += "    \(key.isEmpty ? "(no variant)" : key) = \(num(q.values[key] ?? 0))\n"
            }
        }
        if let e = s.lastEvaluation { out += "\nlast evaluation: \(e.decision.rawValue) — \(e.reason)\n" }
        return out
    }

    /// Variant first, then bucket bound in numeric order.
    static func bucketOrder(_ key: String) -> (String, Double) {
        guard let r = key.range(of: " le=") else { return (key, -1) }
        let bound = String(key[r.upperBound...])
        return (String(key[..<r.lowerBound]), bound == "+Inf" ? .infinity : Double(bound) ?? 0)
    }
}

private func === (a: MetricComparison, b: MetricComparison?) -> Bool { b.map { a == $0 } ?? false }
