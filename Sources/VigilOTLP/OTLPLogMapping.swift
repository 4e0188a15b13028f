import Foundation
import VigilCore

/// Turns OTLP log records into the JSON documents the agent's NDJSON ingest takes, with Elastic Common
/// Schema field names, so the pipeline (classification, timestamps, redaction, spool, sinks) treats them as it
/// treats any other log line. Pure: no I/O, no clock.
///
/// One document per log record, its members in this order (a key is written once; the first writer wins):
/// 1. `@timestamp` (the first configured timestamp field) from `time_unix_nano`, else `observed_time_unix_nano`,
///    as RFC 3339 with nanoseconds; absent when both are 0 (the pipeline then uses the time it was received).
/// 2. the configured level field (`level`) from `severity_text` lower-cased, else the name of
///    `severity_number`'s range (`trace`, `debug`, `info`, `warn`, `error`, `fatal`); `event.severity` from
///    `severity_number` when set.
/// 3. the configured message field (`message`) from a scalar body; `trace.id` and `span.id` as lower-case hex;
///    `event.action` from `event_name`; `log.logger` from the scope name.
/// 4. attributes with an ECS meaning (``ecsNames``), log record attributes before resource attributes, so a
///    record's own value wins; `service.name` goes to the configured service field (`service`), the configured
///    model and variant fields pass through under their own names; `orchestrator.type: kubernetes` when any
///    `k8s.*` attribute is present.
/// 5. the members of a map body, at the top level (skipped when the key is already written).
/// 6. `labels` (string values) and `numeric_labels` (numbers), the remaining attributes (record, scope,
///    resource, in that order of precedence) with `.` in keys replaced by `_`, as Elastic's APM server does; a
///    boolean becomes `"true"`/`"false"`, bytes base64, an array or map its JSON text.
///
/// docs/otlp.md has the whole table.
struct OTLPLogMapping: Sendable {
    var fields: PipelineConfiguration.Fields

    init(fields: PipelineConfiguration.Fields = PipelineConfiguration.Fields()) { self.fields = fields }

    /// OTel semantic-convention attribute → ECS field. Names that are the same in both are listed too, so they
    /// are lifted out of `labels` to the top level.
    static let ecsNames: [String: String] = [
        "service.version": "service.version",
        "service.namespace": "service.namespace",
        "service.instance.id": "service.node.name",
        "deployment.environment": "service.environment",
        "deployment.environment.name": "service.environment",
        "host.name": "host.name",
        "host.id": "host.id",
        "host.arch": "host.architecture",
        "host.ip": "host.ip",
        "os.name": "host.os.name",
        "os.version": "host.os.version",
        "process.pid": "process.pid",
        "process.executable.name": "process.name",
        "process.executable.path": "process.executable",
        "process.command_line": "process.command_line",
        "container.id": "container.id",
        "container.name": "container.name",
        "container.image.name": "container.image.name",
        "container.image.tag": "container.image.tag",
        "container.runtime": "container.runtime",
        "k8s.cluster.name": "orchestrator.cluster.name",
        "k8s.namespace.name": "kubernetes.namespace",
        "k8s.pod.name": "kubernetes.pod.name",
        "k8s.pod.uid": "kubernetes.pod.uid",
        "k8s.node.name": "kubernetes.node.name",
        "k8s.container.name": "kubernetes.container.name",
        "k8s.deployment.name": "kubernetes.deployment.name",
        "k8s.statefulset.name": "kubernetes.statefulset.name",
        "k8s.daemonset.name": "kubernetes.daemonset.name",
        "k8s.replicaset.name": "kubernetes.replicaset.name",
        "k8s.job.name": "kubernetes.job.name",
        "k8s.cronjob.name": "kubernetes.cronjob.name",
        "cloud.provider": "cloud.provider",
        "cloud.region": "cloud.region",
        "cloud.availability_zone": "cloud.availability_zone",
        "cloud.account.id": "cloud.account.id",
        "cloud.platform": "cloud.service.name",
        "exception.type": "error.type",
        "exception.message": "error.message",
        "exception.stacktrace": "error.stack_trace",
        "code.filepath": "log.origin.file.name",
        "code.file.path": "log.origin.file.name",
        "code.lineno": "log.origin.file.line",
        "code.line.number": "log.origin.file.line",
        "code.function": "log.origin.function",
        "code.function.name": "log.origin.function",
        "thread.id": "process.thread.id",
        "thread.name": "process.thread.name",
        "http.request.method": "http.request.method",
        "http.response.status_code": "http.response.status_code",
        "url.full": "url.full",
        "url.path": "url.path",
        "user_agent.original": "user_agent.original",
        "client.address": "client.address",
        "client.port": "client.port",
        "server.address": "server.address",
        "server.port": "server.port",
        "user.id": "user.id",
    ]

    /// The documents of every record in `request`, in request order.
    func documents(_ request: ExportLogsServiceRequest) -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(request.resourceLogs.reduce(0) { $0 + $1.scopeLogs.reduce(0) { $0 + $1.logRecords.count } })
        for resourceLogs in request.resourceLogs {
            let resource = resourceLogs.resource.attributes
            for scopeLogs in resourceLogs.scopeLogs {
                for record in scopeLogs.logRecords {
                    out.append(document(record, scope: scopeLogs.hasScope ? scopeLogs.scope : nil, resource: resource))
                }
            }
        }
        return out
    }

    /// The document of one record.
    func document(_ record: LogRecord, scope: InstrumentationScope?, resource: [KeyValue]) -> [UInt8] {
        var doc = JSONObjectBuilder()
        let nanos = record.timeUnixNano != 0 ? record.timeUnixNano : record.observedTimeUnixNano
        if nanos != 0 { doc.string(fields.timestamp.first ?? "@timestamp", Self.rfc3339(nanos: nanos)) }
        if let level = Self.level(text: record.severityText, number: record.severityNumber.rawValue) { doc.string(fields.level, level) }
        if record.severityNumber.rawValue != 0 { doc.raw("event.severity", Array(String(record.severityNumber.rawValue).utf8)) }
        if record.hasBody, let value = record.body.value {
            switch value {
            case .kvlistValue: break   // its members are written after the mapped fields
            default: doc.string(fields.message, Self.text(of: record.body))
            }
        }
        if let id = Self.hexID(record.traceID) { doc.string("trace.id", id) }
        if let id = Self.hexID(record.spanID) { doc.string("span.id", id) }
        if !record.eventName.isEmpty { doc.string("event.action", record.eventName) }
        if let scope, !scope.name.isEmpty { doc.string("log.logger", scope.name) }

        var labels = JSONObjectBuilder()
        var numericLabels = JSONObjectBuilder()
        var kubernetes = false
        func place(_ attribute: KeyValue) {
            let key = attribute.key
            if key.hasPrefix("k8s.") { kubernetes = true }
            if key == "service.name" {
                doc.string(fields.service, Self.text(of: attribute.value))
            } else if key == fields.model || key == fields.variant {
                doc.value(key, attribute.value)
            } else if let ecs = Self.ecsNames[key] {
                doc.value(ecs, attribute.value)
            } else {
                Self.label(key, attribute.value, labels: &labels, numeric: &numericLabels)
            }
        }
        record.attributes.forEach(place)
        resource.forEach(place)
        if kubernetes { doc.string("orchestrator.type", "kubernetes") }
        if let scope {
            if !scope.version.isEmpty {
                var version = AnyValue()
                version.stringValue = scope.version
                Self.label("otel.scope.version", version, labels: &labels, numeric: &numericLabels)
            }
            for attribute in scope.attributes {
                Self.label(attribute.key, attribute.value, labels: &labels, numeric: &numericLabels)
            }
        }
        if record.hasBody, case .kvlistValue(let map)? = record.body.value {
            for member in map.values { doc.value(member.key, member.value) }
        }
        if !labels.isEmpty { doc.raw("labels", labels.finish()) }
        if !numericLabels.isEmpty { doc.raw("numeric_labels", numericLabels.finish()) }
        return doc.finish()
    }

    /// `severity_text` lower-cased, else the range `severity_number` falls in, else nil.
    static func level(text: String, number: Int) -> String? {
        if !text.isEmpty { return text.lowercased() }
        switch number {
        case 1...4: return "trace"
        case 5...8: return "debug"
        case 9...12: return "info"
        case 13...16: return "warn"
        case 17...20: return "error"
        case 21...24: return "fatal"
        default: return nil
        }
    }

    /// Lower-case hex of a trace or span id; nil when empty or all zero (the OTLP "no id").
    static func hexID(_ bytes: Data) -> String? {
        guard !bytes.isEmpty, bytes.contains(where: { $0 != 0 }) else { return nil }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3339 UTC with nine fractional digits.
    static func rfc3339(nanos: UInt64) -> String {
        let millis = Int64(nanos / 1_000_000)
        let base = RFC3339.format(millis: millis)   // 2025-03-01T12:34:56.789Z
        var fraction = String(nanos % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        return String(base.prefix(19)) + "." + fraction + "Z"
    }

    /// A value as text: strings as they are, numbers and booleans as written in JSON, bytes base64,
    /// arrays and maps their JSON text, an empty value "".
    static func text(of value: AnyValue) -> String {
        switch value.value {
        case .stringValue(let s)?: return s
        case nil: return ""
        case .bytesValue(let data)?: return data.base64EncodedString()
        case .doubleValue(let d)? where !d.isFinite: return d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity"
        default:
            var out: [UInt8] = []
            JSONObjectBuilder.appendValue(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    static func label(_ key: String, _ value: AnyValue, labels: inout JSONObjectBuilder, numeric: inout JSONObjectBuilder) {
        let name = key.utf8.contains(UInt8(ascii: ".")) ? String(decoding: key.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "_") : $0 }, as: UTF8.self) : key
        switch value.value {
        case .intValue?, .doubleValue?: numeric.value(name, value)
        default: labels.string(name, text(of: value))
        }
    }
}

/// A JSON object written member by member; a key already written is skipped, so the first writer wins.
struct JSONObjectBuilder {
    private var out: [UInt8] = [UInt8(ascii: "{")]
    private var keys: Set<String> = []

    var isEmpty: Bool { keys.isEmpty }

    mutating func string(_ key: String, _ value: String) {
        guard begin(key) else { return }
        Self.appendQuoted(value, to: &out)
    }

    mutating func value(_ key: String, _ value: AnyValue) {
        guard begin(key) else { return }
        Self.appendValue(value, to: &out)
    }

    /// `json` must be one JSON value.
    mutating func raw(_ key: String, _ json: [UInt8]) {
        guard begin(key) else { return }
        out.append(contentsOf: json)
    }

    mutating func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    private mutating func begin(_ key: String) -> Bool {
        guard keys.insert(key).inserted else { return false }
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        Self.appendQuoted(key, to: &out)
        out.append(UInt8(ascii: ":"))
        return true
    }

    /// `"text"` with `"`, `\\` and control characters escaped. Not the core's generic `JSONString.appendQuoted`:
    /// called from another module it runs unspecialised, through protocol witnesses per byte, and was the
    /// receiver's largest cost in a profile.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            var plain = true
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { plain = false; break }
            if plain {
                out.append(contentsOf: bytes)
            } else {
                let hex = Array("0123456789abcdef".utf8)
                for b in bytes {
                    switch b {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
                    case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                    case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                    case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                    case 0..<0x20:
                        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                                hex[Int(b >> 4)], hex[Int(b & 15)]])
                    default: out.append(b)
                    }
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// Decimal digits without an intermediate String.
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// An AnyValue as JSON: a non-finite double as the string `"NaN"`, `"Infinity"` or `"-Infinity"` (JSON has
    /// no such numbers), bytes as a base64 string, an empty value as `null`; a map's repeated key keeps its
    /// first value.
    static func appendValue(_ value: AnyValue, to out: inout [UInt8]) {
        switch value.value {
        case nil: out.append(contentsOf: Array("null".utf8))
        case .stringValue(let s)?: appendQuoted(s, to: &out)
        case .boolValue(let b)?: out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .intValue(let i)?: appendInteger(i, to: &out)
        case .doubleValue(let d)?:
            if d.isFinite {
                out.append(contentsOf: Array((d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)").utf8))
            } else {
                appendQuoted(d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity", to: &out)
            }
        case .bytesValue(let data)?: appendQuoted(data.base64EncodedString(), to: &out)
        case .arrayValue(let array)?:
            out.append(UInt8(ascii: "["))
            for (i, element) in array.values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .kvlistValue(let map)?:
            var object = JSONObjectBuilder()
            for member in map.values { object.value(member.key, member.value) }
            out.append(contentsOf: object.finish())
        }
    }
}
