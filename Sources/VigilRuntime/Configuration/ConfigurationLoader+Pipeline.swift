import Foundation
import VigilCore
import Yams

extension ConfigurationLoader {
    /// `fields`, `redact` and `metrics_from_logs`: the event pipeline's settings.
    static func readPipeline(_ top: ObjectReader, into pipeline: inout PipelineConfiguration) {
        var fields = pipeline.fields
        top.object("fields", keys: ["type", "timestamp", "service", "level", "message", "id", "model", "variant"]) { f in
            if let v = f.string("type") { fields.type = v }
            if let v = f.stringList("timestamp") {
                if v.isEmpty || v.contains(where: \.isEmpty) { f.report("timestamp", "must list at least one non-empty field name") } else { fields.timestamp = v }
            }
            if let v = f.string("service") { fields.service = v }
            if let v = f.string("level") { fields.level = v }
            if let v = f.string("message") { fields.message = v }
            if let v = f.string("id") { fields.id = v }
            if let v = f.string("model") { fields.model = v }
            if let v = f.string("variant") { fields.variant = v }
        }
        pipeline.fields = fields

        var redact = pipeline.redact
        top.object("redact", keys: ["builtin", "disabled", "fields", "patterns", "hash_key", "hash_key_file", "hash_key_env"]) { r in
            let known = BuiltinRedactionRule.allCases.map(\.rawValue) + ["ip"]
            func checkRules(_ key: String) -> [String]? {
                guard let names = r.stringList(key) else { return nil }
                var ok: [String] = []
                for (i, name) in names.enumerated() {
                    if known.contains(name) { ok.append(name); continue }
                    var message = "unknown rule \"\(name)\"; rules are \(known.joined(separator: ", "))"
                    if let guess = ConfigReader.suggestion(for: name, among: known) { message += "; did you mean \"\(guess)\"?" }
                    r.reader.report(r.child(key)?.sequence?[i] ?? r.child(key), "\(r.path(key))[\(i)]", message)
                }
                return ok
            }
            if let names = checkRules("builtin") { redact.builtin = (try? RedactionConfiguration.builtinRules(names)) ?? redact.builtin }
            if let names = checkRules("disabled") {
                redact.disabled = names.flatMap { $0 == "ip" ? ["ipv4", "ipv6"] : [$0] }
            }
            if let map = r.child("fields") {
                if let mapping = map.mapping {
                    for (key, value) in mapping {
                        let name = key.string ?? ""
                        let path = "\(r.path("fields")).\(name)"
                        guard let action = value.string.flatMap(FieldRedaction.init(rawValue:)) else {
                            r.reader.report(value, path, "must be one of drop, mask, hash, got \(r.reader.describe(value))")
                            continue
                        }
                        redact.fields[name] = action
                    }
                } else {
                    r.reader.report(map, r.path("fields"), "expected a mapping of field name to drop, mask or hash")
                }
            }
            r.list("patterns") { node, path in
                r.reader.object(node, path, keys: ["name", "regex", "replacement"]) { p in
                    guard let name = p.string("name"), let regex = p.string("regex") else {
                        p.reader.report(node, path, "a pattern needs name and regex"); return
                    }
                    redact.patterns.append(.init(name: name, regex: regex, replacement: p.string("replacement", allowEmpty: true) ?? "[redacted]"))
                }
            }
            // The key is a secret: prefer a file or an environment variable over the YAML itself.
            if let v = r.string("hash_key") { redact.hashKey = Array(v.utf8) }
            if let path = r.string("hash_key_file") {
                if let data = FileManager.default.contents(atPath: path) {
                    var bytes = Array(data)
                    while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
                    redact.hashKey = bytes
                } else {
                    r.report("hash_key_file", "cannot read \"\(path)\"")
                }
            }
            if let name = r.string("hash_key_env") {
                if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { redact.hashKey = Array(value.utf8) }
                else { r.report("hash_key_env", "environment variable \(name) is not set") }
            }
        }
        pipeline.redact = redact

        if top.child("metrics_from_logs") != nil { pipeline.metricsFromLogs = [] }
        top.list("metrics_from_logs") { node, path in
            top.reader.object(node, path, keys: ["name", "help", "type", "histogram_of", "scale", "buckets", "labels", "when", "cardinality_limit"]) { m in
                guard let name = m.string("name") else {
                    if m.child("name") == nil { m.reader.report(node, m.path("name"), "is required") }
                    return
                }
                let kind = m.oneOf("type", ["counter", "histogram"]).flatMap(LogMetricMapping.Kind.init(rawValue:))
                var buckets: [Double]?
                if let list = m.stringList("buckets") {
                    let values = list.compactMap(Double.init)
                    if values.count != list.count { m.report("buckets", "must be a list of numbers") } else { buckets = values }
                }
                var when: [String: String] = [:]
                if let w = m.child("when") {
                    if let mapping = w.mapping {
                        for (k, v) in mapping { if let k = k.string, let v = v.string { when[k] = v } }
                    } else { m.reader.report(w, m.path("when"), "expected a mapping of field to value") }
                }
                let mapping = LogMetricMapping(
                    name: name, help: m.string("help"), kind: kind, histogramOf: m.string("histogram_of"),
                    scale: m.double("scale", range: -1e12...1e12) ?? 1, buckets: buckets,
                    labels: (m.stringList("labels") ?? []).map(LogMetricMapping.Label.init(parsing:)),
                    when: when, cardinalityLimit: m.int("cardinality_limit", range: 1...1_000_000))
                pipeline.metricsFromLogs.append(mapping)
            }
        }
    }

    /// Runs the pipeline's own validation (names, buckets, regular expressions, hash key) and reports a
    /// failure at the node its path names, or at the section when the path cannot be found.
    static func validatePipeline(_ pipeline: PipelineConfiguration, root: Node?, reader: ConfigReader) {
        do {
            try pipeline.validate()
        } catch {
            reader.report(node(at: error.path, in: root), error.path, error.message)
        }
    }

    /// Finds the node for `a.b[2].c`, or the deepest existing ancestor.
    static func node(at path: String, in root: Node?) -> Node? {
        var current = root
        for part in path.split(separator: ".") {
            var key = Substring(part)
            var index: Int?
            if let open = part.firstIndex(of: "["), let close = part.firstIndex(of: "]") {
                key = part[..<open]
                index = Int(part[part.index(after: open)..<close])
            }
            guard let next = current?.mapping?[String(key)] else { return current }
            current = next
            if let index, let seq = next.sequence, index < seq.count { current = seq[index] }
        }
        return current
    }
}
