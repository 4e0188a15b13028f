import Testing
@testable import VigilCore

@Suite struct EventPipelineTests {
    static func context(_ id: String = "ctx-id", truncated: Bool = false, kind: EventKind = .log) -> LineContext {
        LineContext(source: "file", id: id, readTimeMillis: 1_000, truncated: truncated, defaultKind: kind)
    }

    static func accept(_ pipeline: inout EventPipeline, _ line: String, _ ctx: LineContext = context()) -> Event? {
        if case .accepted(let e) = pipeline.process(Array(line.utf8), context: ctx) { return e }
        return nil
    }

    @Test func classifiesAndExtracts() throws {
        var p = try EventPipeline(configuration: PipelineConfiguration(), registry: MetricRegistry())
        let e = try #require(Self.accept(&p, #"{"type":"prediction","@timestamp":"2025-03-01T00:00:00.412Z","service":"ml","level":"INFO","message":"served \"ok\""}"#))
        #expect(e.kind == .prediction)
        #expect(e.timestampMillis == 1_740_787_200_412)
        #expect(e.service == "ml")
        #expect(e.level == "INFO")
        #expect(e.message == "served \"ok\"")
        #expect(e.id == "ctx-id")
        #expect(e.source == "file")
        #expect(Self.accept(&p, #"{"type":"label","time":1740787200}"#)?.kind == .label)
        #expect(Self.accept(&p, #"{"type":"label","time":1740787200}"#)?.timestampMillis == 1_740_787_200_000)
        #expect(Self.accept(&p, #"{"type":"audit"}"#)?.kind == .log)
        #expect(Self.accept(&p, #"{"msg":"no type"}"#)?.kind == .log)
        #expect(Self.accept(&p, #"{"msg":"no type"}"#, Self.context(kind: .prediction))?.kind == .prediction)
        #expect(Self.accept(&p, #"{"type":"log"}"#, Self.context(kind: .prediction))?.kind == .log)
        // Missing or unparseable timestamp: read time.
        #expect(Self.accept(&p, #"{"timestamp":"soon"}"#)?.timestampMillis == 1_000)
        #expect(Self.accept(&p, "{}")?.timestampMillis == 1_000)
    }

    /// Appending to a source's batch gives the same events as `process(_:context:)`, each appended once;
    /// a rejected line appends nothing and says why, and is counted like any other rejection.
    @Test func appendingToABatchMatchesProcess() throws {
        let registry = MetricRegistry()
        var batch = try EventPipeline(configuration: PipelineConfiguration(), registry: registry)
        var single = try EventPipeline(configuration: PipelineConfiguration(), registry: MetricRegistry())
        let lines = [#"{"level":"INFO","message":"a","email":"x@example.com"}"#, "not json", #"{"type":"prediction","n":1}"#, "", #"{"message":"b"}"#]
        var events: [Event] = []
        var rejections: [PipelineRejection?] = []
        for (k, line) in lines.enumerated() {
            let ctx = Self.context("id-\(k)")
            let rejection = Array(line.utf8).withUnsafeBytes { batch.process($0, context: ctx, appendingTo: &events) }
            rejections.append(rejection)
            switch single.process(Array(line.utf8), context: ctx) {
            case .accepted(let expected):
                #expect(rejection == nil)
                #expect(events.last?.id == expected.id)
                #expect(events.last?.body == expected.body)
                #expect(events.last?.kind == expected.kind)
            case .rejected(let reason, let message):
                #expect(rejection == PipelineRejection(reason: reason, message: message))
            }
        }
        #expect(events.map(\.id) == ["id-0", "id-2", "id-4"])
        #expect(rejections.compactMap { $0?.reason } == [.invalidJSON, .empty])
        #expect(events[0].message == "a")
        #expect(!String(decoding: events[0].body, as: UTF8.self).contains("x@example.com"))   // redacted in place
        #expect(String(decoding: registry.render(.prometheusText), as: UTF8.self).contains(#"vigil_events_rejected_total{source="file",reason="invalid_json"} 1"#))
    }

    /// A source's arena holds its events' bodies back to back; a body that does not fit, or that redaction
    /// rewrote, is the event's own array. Either way `body`, `withBody` and the decoded fields agree.
    @Test func bodiesGoToTheSourcesArenaWhenGiven() throws {
        var p = try EventPipeline(configuration: PipelineConfiguration(), registry: MetricRegistry())
        let arena = EventBodyArena(capacity: 64)
        var ctx = Self.context()
        ctx.bodyArena = arena
        let first = #"{"service":"a","message":"one"}"#            // 31 bytes
        let second = #"{"service":"b","message":"two!"}"#          // 32 bytes: fits exactly
        let third = #"{"message":"three"}"#                         // arena full: own array
        let redacted = #"{"message":"mail bob@example.com"}"#     // rewritten: own array
        let events = try [first, second, third, redacted].map { try #require(Self.accept(&p, $0, ctx)) }
        #expect(arena.used == first.utf8.count + second.utf8.count)
        for (event, line) in zip(events.prefix(3), [first, second, third]) {
            #expect(event.body == Array(line.utf8))
            #expect(event.withBody { Array($0) } == Array(line.utf8))
            #expect(event.bodyCount == line.utf8.count)
        }
        #expect(events[0].service == "a" && events[1].message == "two!" && events[2].message == "three")
        #expect(events[3].message?.contains("bob@example.com") == false)
        #expect(events[3].withBody { Array($0) } == events[3].body)
        // Setting a body replaces the arena's bytes for that event only.
        var changed = events[0]
        changed.body = Array(#"{"x":1}"#.utf8)
        #expect(changed.withBody { Array($0) } == Array(#"{"x":1}"#.utf8))
        #expect(events[1].body == Array(second.utf8))
    }

    /// A line that already lies in the arena (the tailer reads its chunk into it) is referred to where it is:
    /// nothing is copied; a line from elsewhere is copied after the read bytes; a redacted one gets its own array.
    @Test func linesReadIntoTheArenaAreNotCopied() throws {
        var p = try EventPipeline(configuration: PipelineConfiguration(), registry: MetricRegistry())
        let arena = EventBodyArena(capacity: 256)
        let chunk = Array((#"{"message":"one"}"# + "\n" + #"{"message":"two"}"# + "\n" + #"{"message":"x@example.com"}"# + "\n").utf8)
        let read = arena.fill(upTo: 200) { room in
            room.copyBytes(from: chunk)
            return chunk.count
        }
        #expect(read == chunk.count && arena.used == chunk.count)
        var ctx = Self.context()
        ctx.bodyArena = arena
        // The lines as the framer hands them over: views of the arena's own bytes.
        let events: [Event] = arena.withBytes(0, chunk.count) { bytes in
            var events: [Event] = []
            var start = 0
            for k in 0..<bytes.count where bytes[k] == 0x0A {
                if case .accepted(let e) = p.process(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<k]), context: ctx) {
                    events.append(e)
                }
                start = k + 1
            }
            return events
        }
        #expect(events.count == 3)
        #expect(arena.used == chunk.count)   // nothing appended: the first two refer to the read bytes
        #expect(events[0].body == Array(#"{"message":"one"}"#.utf8) && events[1].message == "two")
        guard case .arena(_, let offset, _) = events[1].storage else { Issue.record("not in the arena"); return }
        #expect(offset == 18)
        guard case .owned = events[2].storage else { Issue.record("a redacted body must be its own array"); return }
        #expect(events[2].message?.contains("x@example.com") == false)
        // A line from another buffer is copied in after the read bytes.
        let other = try #require(Self.accept(&p, #"{"message":"three"}"#, ctx))
        #expect(arena.used == chunk.count + 19 && other.message == "three")
    }

    @Test func configurableFieldNames() throws {
        let fields = PipelineConfiguration.Fields(type: "kind", timestamp: ["ts"], service: "svc", level: "lvl", message: "msg", id: "event_id")
        var p = try EventPipeline(configuration: PipelineConfiguration(fields: fields), registry: MetricRegistry())
        let e = try #require(Self.accept(&p, #"{"kind":"label","ts":1740787200412,"svc":"a","lvl":"warn","msg":"m","event_id":"e-1"}"#))
        #expect(e.kind == .label)
        #expect(e.timestampMillis == 1_740_787_200_412)
        #expect((e.service, e.level, e.message) == ("a", "warn", "m"))
        #expect(e.id == "e-1")
        #expect(Self.accept(&p, #"{"event_id":""}"#)?.id == "ctx-id")
    }

    @Test func rejectionsAreCounted() throws {
        let registry = MetricRegistry()
        var p = try EventPipeline(configuration: PipelineConfiguration(maxLineBytes: 100), registry: registry)
        let lines: [([UInt8], RejectReason?, Bool)] = [
            (Array("{}".utf8), nil, false),
            (Array("[1]".utf8), .notAnObject, false),
            (Array("{".utf8), .invalidJSON, false),
            (Array("".utf8), .empty, false),
            ([UInt8](repeating: 0x20, count: 101), .tooLarge, false),
            (Array(#"{"a":"#.utf8), nil, true),   // cut by its source: kept as text, marked
        ]
        for (line, reason, truncated) in lines {
            switch p.process(line, context: Self.context(truncated: truncated)) {
            case .accepted: #expect(reason == nil)
            case .rejected(let r, let message):
                #expect(r == reason)
                #expect(!message.isEmpty)
            }
        }
        let received = registry.counter("vigil_events_received_total", help: "", labelNames: ["source"])
        let rejected = registry.counter("vigil_events_rejected_total", help: "", labelNames: ["source", "reason"])
        let truncated = registry.counter("vigil_lines_truncated_total", help: "", labelNames: ["source"])
        #expect(received.labels(["file"]).value == 6)
        #expect(rejected.labels(["file", "too_large"]).value == 1)
        #expect(rejected.labels(["file", "not_an_object"]).value == 1)
        #expect(truncated.labels(["file"]).value == 1)
    }

    @Test func cutLinesAreDeliveredAsMarkedTextAndRedacted() throws {
        let registry = MetricRegistry()
        var p = try EventPipeline(configuration: PipelineConfiguration(maxLineBytes: 100), registry: registry)
        // A JSON line cut mid-way (with an e-mail address in what was read, and a UTF-8 sequence cut in half).
        let cut = Array(#"{"user":"ann@example.com","note":"caf"#.utf8) + [0xC3]
        guard case .accepted(let event) = p.process(cut, context: Self.context(truncated: true)) else {
            Issue.record("a cut line must be accepted")
            return
        }
        #expect(String(decoding: event.body, as: UTF8.self)
                == #"{"message":"{\"user\":\"[redacted:email]\",\"note\":\"caf\#u{FFFD}","vigil.truncated":true}"#)
        #expect(event.message == #"{"user":"[redacted:email]","note":"caf\#u{FFFD}"#)
        #expect(event.kind == .log)
        #expect(event.timestampMillis == 1_000)   // the read time: nothing to parse one from
        let truncated = registry.counter("vigil_lines_truncated_total", help: "", labelNames: ["source"])
        #expect(truncated.labels(["file"]).value == 1)
        // A message field renamed in the configuration is the one used.
        var renamed = try EventPipeline(configuration: PipelineConfiguration(fields: .init(message: "msg"), maxLineBytes: 100),
                                        registry: MetricRegistry())
        guard case .accepted(let other) = renamed.process(Array("plain text".utf8), context: Self.context(truncated: true)) else {
            Issue.record("a cut line must be accepted")
            return
        }
        #expect(String(decoding: other.body, as: UTF8.self) == #"{"msg":"plain text","vigil.truncated":true}"#)
    }

    @Test func metricsFromLogs() throws {
        let registry = MetricRegistry()
        var mapping = LogMetricMapping.httpServerDuration
        mapping.when = ["type": "log"]
        let counter = LogMetricMapping(name: "app_log_events_total", labels: [LogMetricMapping.Label(parsing: "service"),
                                                                            LogMetricMapping.Label(parsing: "severity=level")])
        var p = try EventPipeline(configuration: PipelineConfiguration(metricsFromLogs: [mapping, counter]), registry: registry)
        let lines = [
            #"{"service":"ml","route":"/v1/predict","method":"POST","status":200,"latency_ms":20,"level":"INFO"}"#,
            #"{"service":"ml","route":"/v1/predict","method":"POST","status":200,"latency_ms":30,"level":"INFO"}"#,
            #"{"service":"ml","route":"/v1/predict","method":"POST","status":500,"latency_ms":"1500","level":"ERROR"}"#,
            #"{"type":"prediction","service":"ml","route":"/v1/predict","method":"POST","status":200,"latency_ms":5}"#,
            #"{"service":"ml","route":"/health","status":200}"#,
        ]
        for l in lines { #expect(Self.accept(&p, l) != nil) }
        let h = registry.histogram("http_server_request_duration_seconds", help: "",
                                   labelNames: ["service_name", "http_route", "http_request_method", "http_response_status_code"],
                                   buckets: LogMetricMapping.durationBuckets)
        let ok = h.labels(["ml", "/v1/predict", "POST", "200"])
        #expect(ok.count == 2)
        #expect(abs(ok.sum - 0.05) < 1e-12)
        #expect(h.labels(["ml", "/v1/predict", "POST", "500"]).sum == 1.5)
        let c = registry.counter("app_log_events_total", help: "", labelNames: ["service", "severity"])
        #expect(c.labels(["ml", "INFO"]).value == 2)
        #expect(c.labels(["ml", ""]).value == 2)
        #expect(c.labels(["ml", "ERROR"]).value == 1)
    }

    @Test func invalidMappingsNameThePath() {
        let cases: [(LogMetricMapping, String)] = [
            (LogMetricMapping(name: "bad-name_total"), "metrics_from_logs[0].name"),
            (LogMetricMapping(name: "requests"), "metrics_from_logs[0].name"),
            (LogMetricMapping(name: "h_seconds", histogramOf: "x", buckets: [1, 0.5]), "metrics_from_logs[0].buckets"),
            (LogMetricMapping(name: "c_total", labels: [.init(name: "__x", field: "x")]), "metrics_from_logs[0].labels[0]"),
        ]
        for (mapping, path) in cases {
            do {
                _ = try PipelineConfiguration(metricsFromLogs: [mapping])
                Issue.record("accepted \(mapping.name)")
            } catch {
                #expect(error.path == path)
            }
        }
    }

    @Test func deterministicIDs() {
        let ns = DeterministicID.namespace("2049:131:256-9f1c2d3e4f5a6b7c")
        let a = DeterministicID.make(ns, position: 4096)
        #expect(a.utf8.count == 15)
        #expect(a.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A) })
        #expect(a == DeterministicID.make(DeterministicID.namespace("2049:131:256-9f1c2d3e4f5a6b7c"), position: 4096))
        #expect(a != DeterministicID.make(ns, position: 4097))
        #expect(a != DeterministicID.make(DeterministicID.namespace("2049:132:256-9f1c2d3e4f5a6b7c"), position: 4096))
        var seen = Set<String>()
        for i in 0..<10_000 { seen.insert(DeterministicID.make(ns, position: Int64(i))) }
        #expect(seen.count == 10_000)
    }
}
