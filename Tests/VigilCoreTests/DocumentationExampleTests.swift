// Every ```swift example of a doc comment under Sources/VigilCore, verbatim, in a test that compiles and runs it
// (with the values its comments state checked after it). The other targets' examples are in the
// DocumentationExampleTests.swift of a test target that can import them (Tests/*/DocumentationExampleTests.swift).
// `documentationExamplesAreCompiled`, below, scans every doc comment under Sources/ and fails when an example is
// not found line for line in one of those files, so the documentation and the tests cannot drift: change an
// example in both places.
import Foundation
import Testing
@testable import VigilCore

@Suite struct DocumentationExampleTests {
    /// Drift/ADWIN.swift
    @Test func adwin() throws {
        let stream: [Double] = Array(repeating: 0, count: 1_000) + Array(repeating: 1, count: 1_000)
        var adwin = try ADWIN()
        for x in stream { adwin.update(x); if adwin.driftDetected { print("drift") } }
        #expect(adwin.windowWidth < 2_000)   // the drift dropped the older part of the window
    }

    /// Drift/DriftDetector.swift
    @Test func pageHinkley() throws {
        let stream: [Double] = Array(repeating: 0, count: 200) + Array(repeating: 10, count: 200)
        var detector = try PageHinkley()
        for (i, x) in stream.enumerated() {
            detector.update(x)
            if detector.driftDetected { print("drift at", i) }
        }
    }

    /// Drift/DriftDetectorFactory.swift
    @Test func driftDetectorFactory() throws {
        var d = try DriftDetectorFactory.make("adwin", parameters: ["delta": "0.01"])
        d.update(0.5)
        #expect(!d.driftDetected)
    }

    /// Drift/KSWIN.swift
    @Test func kswin() throws {
        var kswin = try KSWIN(.init(alpha: 0.0001, seed: 42))
        kswin.update(0.5)
    }

    /// Evaluation/ClassificationQuality.swift
    @Test func classificationQuality() throws {
        var matrix = ConfusionMatrix()
        matrix.add(actual: "1", predicted: "1")
        matrix.add(actual: "0", predicted: "1")
        let q = ClassificationQuality(matrix: matrix, positiveClass: "1")
        q.accuracy; q.macro.f1; q.positive?.recall
        #expect(q.accuracy == 0.5)
    }

    /// Evaluation/ConfidenceBasedPerformanceEstimation.swift
    @Test func confidenceBasedPerformanceEstimation() throws {
        let e = ConfidenceBasedPerformanceEstimation(scores: [0.9, 0.2, 0.7])
        e.accuracy   // (0.9 + 0.8 + 0.7) / 3
        #expect(abs(e.accuracy - 0.8) < 1e-12)
    }

    /// Evaluation/ConfusionMatrix.swift
    @Test func confusionMatrix() throws {
        var matrix = ConfusionMatrix()
        matrix.add(actual: "1", predicted: "0")
        matrix.count(actual: "1", predicted: "0")   // 1
        #expect(matrix.count(actual: "1", predicted: "0") == 1)
    }

    /// Evaluation/Dataset.swift
    @Test func dataset() throws {
        let data = Dataset(columns: [("age", .numeric([31, 45])), ("country", .categorical(["DE", nil]))])
        data.rowCount   // 2
        #expect(data.rowCount == 2)
    }

    /// Evaluation/ModelQuality.swift
    @Test func modelQuality() throws {
        let q = ModelQuality(task: .binaryClassification, actual: ["1", "0"], predicted: ["1", "1"],
                             scores: [0.9, 0.6], positiveClass: "1")
        q.value("accuracy")   // 0.5
        #expect(q.value("accuracy") == 0.5)
    }

    /// Evaluation/ProbabilisticMetrics.swift
    @Test func rocAUC() throws {
        ProbabilisticMetrics.rocAUC(actual: [false, true, true], scores: [0.1, 0.8, 0.4])   // 1.0
        #expect(ProbabilisticMetrics.rocAUC(actual: [false, true, true], scores: [0.1, 0.8, 0.4]) == 1.0)
    }

    /// Evaluation/ReferenceProfile.swift
    @Test func referenceProfile() throws {
        let data = Dataset(columns: [("amount", .numeric([1, 2, 3, 4])), ("label", .categorical(["0", "1", "0", "1"]))])
        let roles = DatasetRoles(labelColumn: "label")
        let profile = ReferenceProfile.build(model: "fraud", dataset: data, roles: roles, bins: 10, topK: 20)
        profile.feature("amount")?.numeric?.binEdges
        #expect(profile.feature("amount")?.numeric?.binEdges.first == 1)
    }

    /// Evaluation/SlidingWindow.swift
    @Test func slidingWindow() throws {
        var window = SlidingWindow<Double>(capacity: 3, maxAgeMillis: nil)
        for x in [1.0, 2, 3, 4] { _ = window.append(x, at: 0) }
        window.elements   // [2.0, 3.0, 4.0]
        #expect(Array(window.elements) == [2.0, 3.0, 4.0])
    }

    /// Events/DeterministicID.swift
    @Test func deterministicID() throws {
        let file = DeterministicID.namespace("2049:131:256-9f1c2d3e4f5a6b7c")   // once per file
        let id = DeterministicID.make(file, position: 4096)                    // 15 characters, e.g. "q3T0-xk2PZ9aLw_"
        #expect(id.utf8.count == 15)
        #expect(id == DeterministicID.make(file, position: 4096))
    }

    /// Events/EventPipeline.swift
    @Test func eventPipeline() throws {
        let registry = MetricRegistry()
        let now: Int64 = 0
        var pipeline = try EventPipeline(configuration: PipelineConfiguration(), registry: registry)
        let result = pipeline.process(Array(#"{"level":"info","message":"hi"}"#.utf8),
                                      context: LineContext(source: "stdin", id: "stdin:1", readTimeMillis: now))
        guard case .accepted = result else { Issue.record("\(result)"); return }
    }

    /// Events/EventTimestamp.swift
    @Test func eventTimestamp() throws {
        EventTimestamp.parse(Array("2025-03-01T00:00:00.412Z".utf8))  // 1740787200412
        EventTimestamp.parseEpoch(1_740_787_200.412)                  // 1740787200412
        #expect(EventTimestamp.parse(Array("2025-03-01T00:00:00.412Z".utf8)) == 1_740_787_200_412)
        #expect(EventTimestamp.parseEpoch(1_740_787_200.412) == 1_740_787_200_412)
    }

    /// Events/JSONKeyTable.swift
    @Test func jsonKeyTable() throws {
        let table = JSONKeyTable(slots: ["type", "service"], fields: [("password", true)])
        _ = table
    }

    /// Events/JSONScanner.swift
    @Test func jsonScanner() throws {
        var scanner = JSONScanner(keys: JSONKeyTable(slots: ["level"]))
        let error = Array(#"{"level":"info"}"#.utf8).withUnsafeBytes { scanner.scan($0) }
        // error == nil, scanner.slots[0].kind == .string
        #expect(error == nil)
        #expect(scanner.slots[0].kind == .string)
    }

    /// Events/PipelineConfiguration.swift
    @Test func pipelineConfiguration() throws {
        let config = try PipelineConfiguration(
            redact: RedactionConfiguration(fields: ["user_id": .hash], hashKey: Array("0123456789abcdef".utf8)),
            metricsFromLogs: [.httpServerDuration])
        _ = config
    }

    /// Experiments/ArmStatistics.swift
    @Test func armStatistics() throws {
        let latency = ArmStatistics(values: [120, 135, 128, 140])   // count 4, mean 130.75, variance 75.58…
        let errors = ArmStatistics.proportion(successes: 12, trials: 1_000)   // mean 0.012, variance 0.011856
        let both = latency.merged(with: ArmStatistics(values: [150]))          // count 5, as if built from all five
        #expect(latency.count == 4 && latency.mean == 130.75)
        #expect(errors.mean == 0.012)
        #expect(both.count == 5)
    }

    /// Experiments/Assignment.swift
    @Test func assignment() throws {
        let a = Assignment(salt: "fraud-detector/v4")
        a.bucket(of: "user-42")                       // 0 ..< 10_000, the same on every replica
        a.variant(of: "user-42", challengerPercent: 10, champion: "v3", challenger: "v4")
        #expect((0..<10_000).contains(a.bucket(of: "user-42")))
    }

    /// Experiments/FixedHorizonTest.swift
    @Test func fixedHorizonTest() throws {
        let r = FixedHorizonTest.twoProportionZ(control: .proportion(successes: 900, trials: 1_000),
                                                treatment: .proportion(successes: 850, trials: 1_000),
                                                alpha: 0.05, alternative: .twoSided)
        // r.difference −0.05, r.pValue ≈ 0.000723, interval ≈ [−0.0789, −0.0211]
        FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02)   // 2,319 per arm (α 0.05, power 0.8)
        #expect(abs(r.difference + 0.05) < 1e-12)
        #expect(abs(r.pValue - 0.000723) < 1e-5)
        #expect(FixedHorizonTest.requiredSampleSize(control: 0.01, treatment: 0.02) == 2_319)
    }

    /// Experiments/RelativeLift.swift
    @Test func relativeLift() throws {
        let lift = RelativeLift.estimate(control: .proportion(successes: 800, trials: 1_000),
                                         treatment: .proportion(successes: 880, trials: 1_000), alpha: 0.05)
        // lift?.estimate 0.1, interval ≈ [0.0576, 0.1424]
        #expect(abs((lift?.estimate ?? 0) - 0.1) < 1e-12)
    }

    /// Experiments/SampleRatioMismatch.swift
    @Test func sampleRatioMismatch() throws {
        let srm = SampleRatioMismatch.test(counts: [5_100, 4_900], weights: [0.5, 0.5])
        // srm.statistic 4.0, srm.pValue ≈ 0.0455: no hold at 0.001
        #expect(abs(srm.statistic - 4.0) < 1e-12)
        #expect(abs(srm.pValue - 0.0455) < 1e-4)
    }

    /// Experiments/SequentialTest.swift
    @Test func sequentialTest() throws {
        let control = ArmStatistics.proportion(successes: 98, trials: 10_000)     // 0.98 % errors
        let challenger = ArmStatistics.proportion(successes: 231, trials: 10_000) // 2.31 % errors
        let r = SequentialTest.compare(control: control, treatment: challenger, alpha: 0.05, alternative: .greater)
        // r.difference 0.0133, r.lower ≈ 0.00815, r.upper +∞, r.pValue ≈ 9.1e-12, r.rejectsNull true
        #expect(abs(r.difference - 0.0133) < 1e-12)
        #expect(r.rejectsNull)
        #expect(r.upper == .infinity)
    }

    /// Metrics/Counter.swift
    @Test func counter() throws {
        let registry = MetricRegistry()
        let received = registry.counter("vigil_events_received_total", help: "Events read.", labelNames: ["source"])
        let fromFile = received.labels("file")
        fromFile.increment()
        #expect(String(decoding: registry.render(.prometheusText), as: UTF8.self).contains("vigil_events_received_total{source=\"file\"} 1"))
    }

    /// Metrics/ExpositionFormat.swift
    @Test func expositionFormat() throws {
        let registry = MetricRegistry()
        let format = ExpositionFormat.negotiate(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
        let body = registry.render(format)   // send with `format.contentType`
        #expect(format == .openMetrics)
        #expect(!body.isEmpty)
    }

    /// Metrics/Gauge.swift
    @Test func gauge() throws {
        let registry = MetricRegistry()
        let spoolBytes = registry.gauge("vigil_spool_bytes", help: "Bytes in the spool.").labels()
        spoolBytes.set(4096)
        #expect(String(decoding: registry.render(.prometheusText), as: UTF8.self).contains("vigil_spool_bytes 4096"))
    }

    /// Metrics/Histogram.swift
    @Test func histogram() throws {
        let registry = MetricRegistry()
        let latency = registry.histogram("vigil_http_request_duration_seconds", help: "Request latency.",
                                         labelNames: ["route"], buckets: MetricRegistry.defaultBuckets)
        latency.labels("/metrics").observe(0.004)
        #expect(String(decoding: registry.render(.prometheusText), as: UTF8.self).contains("vigil_http_request_duration_seconds_count{route=\"/metrics\"} 1"))
    }

    /// Metrics/MetricRegistry.swift
    @Test func metricRegistry() throws {
        let registry = MetricRegistry()
        let requests = registry.counter("vigil_http_requests_total", help: "HTTP requests.", labelNames: ["route"])
        requests.labels("/metrics").increment()
        let body = registry.render(.prometheusText)
        #expect(String(decoding: body, as: UTF8.self).contains("vigil_http_requests_total{route=\"/metrics\"} 1"))
    }

    /// Metrics/MetricRegistry.swift
    @Test func metricRegistryRenderIntoOwnedMemory() throws {
        let registry = MetricRegistry()
        _ = registry.counter("c_total", help: "C.").labels()
        var body: [UInt8] = []
        registry.render(.openMetrics) { maximumSize, write in
            body = [UInt8](unsafeUninitializedCapacity: maximumSize) { bytes, count in
                count = write(UnsafeMutableRawBufferPointer(bytes))
            }
        }
        #expect(body == registry.render(.openMetrics))
    }

    /// Metrics/MetricRegistry.swift
    @Test func metricRegistryRenderInChunks() throws {
        let registry = MetricRegistry()
        _ = registry.counter("c_total", help: "C.").labels()
        var body: [UInt8] = []
        registry.render(.prometheusText, chunkBytes: 64 << 10) { body.append(contentsOf: $0) }
        #expect(body == registry.render(.prometheusText))
    }

    /// Monitoring/LabelJoinStateMachine.swift
    @Test func labelJoin() throws {
        let pending = PendingPrediction(model: "m", requestID: "r1", variant: "v1", prediction: "1", score: 0.9, receivedAtMillis: 0)
        var join = LabelJoinStateMachine(ttlMillis: 60_000)
        _ = join.recordPrediction(pending)
        let result = join.recordLabel(LabelEvent(model: "m", requestID: "r1", label: "1", timestampMillis: 0), now: 1_000)
        result.outcome   // .joined
        #expect(result.outcome == .joined)
    }

    /// Monitoring/ModelMonitor.swift
    @Test func modelMonitor() throws {
        let event = PredictionEvent(model: "fraud", variant: "v1", requestID: "r1", prediction: "1", timestampMillis: 0)
        let label = LabelEvent(model: "fraud", requestID: "r1", label: "1", timestampMillis: 0)
        let t0: Int64 = 0, t1: Int64 = 1_000
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "fraud")])
        _ = monitor.observe(prediction: event, now: t0)
        let update = monitor.observe(label: label, now: t1)   // update.labels == [(fraud, v1, .joined)]
        #expect(update.labels.map(\.outcome) == [.joined])
    }

    /// Monitoring/ModelMonitor.swift (shared join)
    @Test func modelMonitorSharedJoin() throws {
        let label = LabelEvent(model: "fraud", requestID: "r1", label: "1", timestampMillis: 0)
        let waiting = PendingPrediction(model: "fraud", requestID: "r1", variant: "v1", prediction: "1", score: nil, receivedAtMillis: 0)
        let t1: Int64 = 1_000
        var monitor = ModelMonitor(models: [ModelConfiguration(name: "fraud")], joinMode: .shared)
        let update = monitor.observe(label: label, sharedOutcome: .joined([waiting]), now: t1)
        // update.labels == [(fraud, v1, .joined)], update.confusions has the joined pair
        #expect(update.labels.map(\.outcome) == [.joined])
        #expect(update.confusions.count == 1)
    }

    /// Monitoring/MonitorEventParser.swift
    @Test func monitorEventParser() throws {
        var parser = MonitorEventParser()
        let result = parser.parsePrediction(Array(#"{"model":"fraud","request_id":"r1","score":0.9}"#.utf8),
                                            timestampMillis: 0)
        // result == .success(PredictionEvent(model: "fraud", requestID: "r1", score: 0.9, timestampMillis: 0))
        let bad = parser.parseLabel(Array(#"{"model":"fraud","request_id":"r1"}"#.utf8), timestampMillis: 0)
        // bad == .failure(MonitorEventRejection(reason: .missingField, field: "label", message: "missing field \"label\""))
        #expect(result == .success(PredictionEvent(model: "fraud", requestID: "r1", score: 0.9, timestampMillis: 0)))
        #expect(bad == .failure(MonitorEventRejection(reason: .missingField, field: "label", message: "missing field \"label\"")))
    }

    /// Monitoring/MonitorRejectReason.swift
    @Test func monitorRejectReason() throws {
        let cut = MonitorRejectReason(.tooLarge)              // .line(.tooLarge), raw value "too_large"
        let schema = MonitorRejectReason(rawValue: "missing_field")   // .missingField
        #expect(cut == .line(.tooLarge) && cut.rawValue == "too_large")
        #expect(schema == .missingField)
    }

    /// Redaction/Redactor.swift
    @Test func redactor() throws {
        let redact = RedactionConfiguration(builtin: [.email], fields: ["password": .drop, "card": .mask])
        var pipeline = try EventPipeline(configuration: PipelineConfiguration(redact: redact), registry: MetricRegistry())
        let line = Array(#"{"message":"mail bob@example.com","password":"hunter2","card":"4111"}"#.utf8)
        let result = pipeline.process(line, context: LineContext(source: "stdin", id: "1", readTimeMillis: 0))
        if case .accepted(let event) = result {
            print(String(decoding: event.body, as: UTF8.self))   // {"message":"mail [redacted:email]","card":"[masked]"}
        }
        guard case .accepted(let redacted) = result else { Issue.record("\(result)"); return }
        #expect(String(decoding: redacted.body, as: UTF8.self) == #"{"message":"mail [redacted:email]","card":"[masked]"}"#)
    }

    /// Redaction/SHA256.swift
    @Test func sha256() throws {
        SHA256.hex(SHA256.hash(Array("abc".utf8)))  // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// Redaction/SHA256.swift
    @Test func hmacSHA256() throws {
        let mac = HMACSHA256(key: Array("key".utf8))
        SHA256.hex(mac.authenticate(Array("The quick brown fox jumps over the lazy dog".utf8)))
        // "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        #expect(SHA256.hex(mac.authenticate(Array("The quick brown fox jumps over the lazy dog".utf8))) == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    }

    /// Rollouts/RolloutDefinition.swift
    @Test func rolloutDefinition() throws {
        let rollout = try RolloutDefinition(
            model: "fraud-detector", champion: "v3", challenger: "v4",
            guardrails: [RolloutMetric.errorRate.guardrail(margin: 0.005), RolloutMetric.latency(quantile: 0.99).guardrail()],
            primary: RolloutPrimary(metric: .quality(.accuracy)))
        rollout.steps        // [5, 10, 25, 50, 100]
        #expect(rollout.steps == [5, 10, 25, 50, 100])
    }

    /// Rollouts/RolloutEvaluator.swift
    @Test func rolloutEvaluator() throws {
        let definition = try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4", minSamples: 200)
        let early = RolloutEvidence(champion: VariantEvidence(requests: 150), challenger: VariantEvidence(requests: 12))
        let evaluation = RolloutEvaluator.evaluate(definition, total: early, step: early, stepIndex: 0,
                                                   stepElapsedMillis: 30_000, nowMillis: 30_000)
        // evaluation.decision == .inconclusive: fewer than 200 requests per variant so far
        #expect(evaluation.decision == .inconclusive)
    }

    /// Rollouts/RolloutEvidenceLedger.swift
    @Test func rolloutEvidenceLedger() throws {
        var ledger = RolloutEvidenceLedger()
        ledger.recordRequest(model: "fraud", variant: "v4", latencySeconds: 0.042, failed: false, expectedCorrect: 0.93)
        ledger.recordLabel(model: "fraud", variant: "v4", correct: true)
        ledger.evidence(model: "fraud", champion: "v3", challenger: "v4").challenger.requests   // 1
        #expect(ledger.evidence(model: "fraud", champion: "v3", challenger: "v4").challenger.requests == 1)
    }

    /// Rollouts/RolloutStateMachine.swift
    @Test func rolloutStateMachine() throws {
        let rollout = try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4")
        let evidence = RolloutEvidence()
        var machine = RolloutStateMachine(definition: rollout)
        machine.apply(.start, by: "alice", reason: "ship v4", now: 0)     // .transition(pending → running, step 1)
        machine.evaluate(evidence, now: 60_000)                            // .observe / .transition(advance …)
        machine.weight                                                     // 5.0
        #expect(machine.weight == 5.0)
    }

    /// Rollouts/RolloutWebhook.swift
    @Test func rolloutWebhook() throws {
        let definition = try RolloutDefinition(model: "fraud", champion: "v3", challenger: "v4")
        var machine = RolloutStateMachine(definition: definition)
        guard case .transition(let transition) = machine.apply(.start, by: "alice", reason: "ship v4", now: 0) else { Issue.record("no transition"); return }
        let body = RolloutWebhook.body(for: transition, definition: definition)
        RolloutWebhook.signature(of: body, secret: Array("s3cret".utf8))   // "sha256=5d1c…"
        #expect(RolloutWebhook.signature(of: body, secret: Array("s3cret".utf8)).hasPrefix("sha256="))
    }

    /// Shipping/Backoff.swift
    @Test func backoff() throws {
        var rng = SystemRandomNumberGenerator()
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        let wait = backoff.delay(attempt: 3, using: &rng)   // somewhere in 0...800 ms
        #expect(wait <= .milliseconds(800))
    }

    /// Shipping/BulkBatchStateMachine.swift
    @Test func bulkBatchStateMachine() throws {
        var rng = SystemRandomNumberGenerator()
        var machine = BulkBatchStateMachine(runs: [BlockDocuments(blockID: 7, count: 2)], maxRetries: nil,
                                            backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(30)))
        _ = machine.start()                                   // .send(positions: [0, 1])
        let response = machine.responseReceived(.perItem([.delivered, .deadLetter(status: 400, reason: "bad")]), using: &rng)
        // response.next == .finish(deadLetters: [BulkDeadLetter(position: 1, status: 400, reason: "bad")])
        let resolved = machine.deadLettersStored(true)        // [BlockDocuments(blockID: 7, count: 2)]
        #expect(response.next == .finish(deadLetters: [BulkDeadLetter(position: 1, status: 400, reason: "bad")]))
        #expect(resolved == [BlockDocuments(blockID: 7, count: 2)])
    }

    /// Shipping/BulkEncoder.swift
    @Test func bulkEncoder() throws {
        var encoder = BulkEncoder(configuration: BulkEncoderConfiguration(hostName: "node-1"))
        var batch = EncodedBatch()
        encoder.append(BulkDocument(id: "f1:0", timestampMillis: 0, body: Array(#"{"level":"info","message":"up"}"#.utf8)), to: &batch)
        // batch.index == "vigil-logs-1970.01.01" (the request goes to POST /vigil-logs-1970.01.01/_bulk)
        // {"create":{"_id":"f1:0"}}
        // {"@timestamp":"1970-01-01T00:00:00.000Z","log.level":"info","event.dataset":"vigil.logs","ecs.version":"8.11.0","host.name":"node-1","level":"info","message":"up"}
        #expect(batch.index == "vigil-logs-1970.01.01")
        #expect(String(decoding: batch.bytes, as: UTF8.self) == """
            {"create":{"_id":"f1:0"}}
            {"@timestamp":"1970-01-01T00:00:00.000Z","log.level":"info","event.dataset":"vigil.logs","ecs.version":"8.11.0","host.name":"node-1","level":"info","message":"up"}

            """)
    }

    /// Shipping/BulkResponseClassifier.swift
    @Test func bulkResponseClassifier() throws {
        let body = Array(#"{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":429}}]}"#.utf8)
        BulkResponseClassifier.classify(status: 200, body: body, itemCount: 2)
        // .perItem([.delivered, .retry(status: 429, reason: "")])
        #expect(BulkResponseClassifier.classify(status: 200, body: body, itemCount: 2) == .perItem([.delivered, .retry(status: 429, reason: "")]))
    }

    /// Shipping/JSONReader.swift
    @Test func jsonReader() throws {
        let value = try JSONReader.parse(Array(#"{"errors":false}"#.utf8))
        value["errors"]?.boolValue   // false
        #expect(value["errors"]?.boolValue == false)
    }

    /// Shipping/ShipperStateMachine.swift
    @Test func shipperStateMachine() throws {
        var machine = ShipperStateMachine(configuration: .init(maxInFlight: 2, maxEvents: 1000, maxBytes: 5 << 20,
                                                               batchTimeout: .milliseconds(200)))
        machine.nextAction(now: .zero)      // .refreshStats (the first call is a stats refresh)
        machine.nextAction(now: .zero)      // .readSpool(after: 0, maxBytes: 5242880, maxEvents: 1000)
        _ = machine.blocksRead([.init(blockID: 1, events: 1000, bodyBytes: 370_000)], now: .zero)
        machine.nextAction(now: .zero)      // .launchBatch(maxEvents: 1000, bodyBytesEstimate: 370000)
    }

    /// Statistics/ChiSquare.swift
    @Test func chiSquare() throws {
        let r = ChiSquare.contingency([[10, 20], [30, 40]])   // statistic ≈ 0.4464, p ≈ 0.504, dof 1
        #expect(abs(r.statistic - 0.4464) < 1e-4)
    }

    /// Statistics/JensenShannon.swift
    @Test func jensenShannon() throws {
        JensenShannon.distance([1, 0], [0.5, 0.5])          // ≈ 0.4645
        JensenShannon.distance([1, 0], [0.5, 0.5], base: 2) // ≈ 0.5579
        #expect(abs(JensenShannon.distance([1, 0], [0.5, 0.5]) - 0.4645) < 1e-4)
        #expect(abs(JensenShannon.distance([1, 0], [0.5, 0.5], base: 2) - 0.5579) < 1e-4)
    }

    /// Statistics/KolmogorovSmirnov.swift
    @Test func kolmogorovSmirnov() throws {
        let r = KolmogorovSmirnov.twoSample([1, 2, 3, 4], [10, 11, 12])
        // r.statistic == 1.0, r.pValue ≈ 0.0571
        #expect(r.statistic == 1.0)
        #expect(abs(r.pValue - 0.0571) < 1e-4)
    }

    /// Statistics/NormalDistribution.swift
    @Test func normalDistribution() throws {
        NormalDistribution.quantile(0.975)   // 1.959963984540054 (SciPy; within 1e-15)
        NormalDistribution.survival(1.96)     // 0.024997895148220435
        #expect(abs(NormalDistribution.quantile(0.975) - 1.959963984540054) < 1e-15)
        #expect(NormalDistribution.survival(1.96) == 0.024997895148220435)
    }

    /// Statistics/PopulationStabilityIndex.swift
    @Test func populationStabilityIndex() throws {
        PopulationStabilityIndex.index(referenceCounts: [50, 50], currentCounts: [30, 70])  // ≈ 0.1695
        #expect(abs(PopulationStabilityIndex.index(referenceCounts: [50, 50], currentCounts: [30, 70]) - 0.1695) < 1e-4)
    }

    /// Statistics/PythonRandom.swift
    @Test func pythonRandom() throws {
        var rng = PythonRandom(seed: 42)
        rng.sample(populationSize: 70, count: 3)   // == random.Random(42).sample(range(70), 3)
    }

    /// Statistics/StudentT.swift
    @Test func studentT() throws {
        StudentT.survival(2.0, degreesOfFreedom: 10)     // 0.03669401738537018
        StudentT.quantile(0.975, degreesOfFreedom: 10)    // 2.228138851986274
        #expect(abs(StudentT.survival(2.0, degreesOfFreedom: 10) - 0.03669401738537018) < 1e-12)
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 10) - 2.228138851986274) < 1e-9)
    }

    /// Statistics/Wasserstein.swift
    @Test func wasserstein() throws {
        Wasserstein.distance([0, 1, 3], [5, 6, 8])  // 5.0
        #expect(Wasserstein.distance([0, 1, 3], [5, 6, 8]) == 5.0)
    }

    /// Time/CivilDate.swift
    @Test func civilDate() throws {
        let leapDay = CivilDate(year: 2024, month: 2, day: 29)
        let days = leapDay.daysSinceEpoch                  // 19782
        let again = CivilDate(daysSinceEpoch: days)        // 2024-02-29
        let february = CivilDate.daysInMonth(year: 2100, month: 2)  // 28: 2100 is not a leap year
        #expect(days == 19_782)
        #expect(again == leapDay)
        #expect(february == 28)
    }

    /// Time/CivilTime.swift
    @Test func civilTime() throws {
        let t = CivilTime(millisecondsSinceEpoch: 2_147_483_648_250)  // past the 32-bit time_t of 2038
        let index = t.format("logs-%Y.%m.%d")                          // "logs-2038.01.19"
        let hour = t.hour                                              // 3
        #expect(index == "logs-2038.01.19")
        #expect(hour == 3)
    }

    /// Time/DurationText.swift
    @Test func durationText() throws {
        let timeout = DurationText.parse("250ms")              // 0.25 (seconds)
        let window = try DurationText.seconds("1.5h")          // 5400.0
        let since = try DurationText.milliseconds("15m", defaultUnit: nil)  // 900000
        let label = DurationText.format(604_800)               // "7d"
        do { _ = try DurationText.seconds("15x") } catch { print(error) }  // unknown unit "x" in "15x" (use ms, s, m, h, d or w)
        #expect(timeout == 0.25 && window == 5_400 && since == 900_000 && label == "7d")
    }

    /// Time/RFC3339.swift
    @Test func rfc3339() throws {
        let text = RFC3339.format(millis: 1_795_949_850_123)        // "2026-11-29T10:57:30.123Z"
        let millis = RFC3339.parse("2026-11-29T05:57:30.123-05:00") // 1795949850123
        if case .failure(let error) = RFC3339.parseResult("2026-02-30") {
            print(error)   // byte 8: day 30 is not in 1...28 for 2026-02
        }
        #expect(text == "2026-11-29T10:57:30.123Z")
        #expect(millis == 1_795_949_850_123)
    }

    /// The ```swift blocks of the doc comments in `directory` (recursively), each as its path below `directory`
    /// and its lines without the `///` and trimmed.
    static func examples(under directory: URL) throws -> [(file: String, lines: [String])] {
        var found: [(file: String, lines: [String])] = []
        let root = directory.standardizedFileURL.path + "/"
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path } ?? []
        for file in files {
            let path = file.standardizedFileURL.path
            let name = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : file.lastPathComponent
            var current: [String]?
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("///") else { current = nil; continue }
                let text = String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                if current == nil {
                    if text == "```swift" { current = [] }
                } else if text == "```" {
                    found.append((name, current!))
                    current = nil
                } else {
                    current!.append(text)
                }
            }
        }
        return found
    }

    /// Alerting/SLORuleGenerator.swift
    @Test func sloRuleGenerator() throws {
        let slo = ServiceLevelObjective(name: "api-availability", service: "api", kind: .availability, objectivePercent: 99.9)
        let yaml = SLORuleGenerator.render([slo], header: "# generated")
        // yaml contains "- record: vigil_slo:error_ratio:rate5m" and "- alert: VigilSLOErrorBudgetBurn"
        #expect(yaml.contains("- record: vigil_slo:error_ratio:rate5m"))
        #expect(yaml.contains("- alert: VigilSLOErrorBudgetBurn"))
    }

    /// Alerting/ServiceLevelObjective.swift
    @Test func serviceLevelObjective() throws {
        let slo = ServiceLevelObjective(name: "checkout-availability", service: "checkout",
                                        kind: .availability, objectivePercent: 99.9)
        print(slo.objectiveRatio, slo.errorBudgetRatio)   // 0.999 0.001
        #expect(abs(slo.objectiveRatio - 0.999) < 1e-12 && abs(slo.errorBudgetRatio - 0.001) < 1e-12)
    }

    /// Whether `example` occurs line for line (each line trimmed) in `lines`.
    static func contains(_ lines: [String], _ example: [String]) -> Bool {
        guard lines.count >= example.count else { return false }
        return (0...(lines.count - example.count)).contains { start in
            lines[start..<(start + example.count)].elementsEqual(example)
        }
    }

    /// Every ```swift example of a doc comment anywhere under Sources/ is, line for line, in the
    /// DocumentationExampleTests.swift of some test target, where it is compiled and run.
    @Test func documentationExamplesAreCompiled() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tests = root.appendingPathComponent("Tests")
        let testFiles = try FileManager.default.contentsOfDirectory(at: tests, includingPropertiesForKeys: nil)
            .map { $0.appendingPathComponent("DocumentationExampleTests.swift") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
            .sorted { $0.path < $1.path }
        #expect(testFiles.count >= 7, "found only \(testFiles.map(\.path))")
        let texts = try testFiles.map { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let sources = root.appendingPathComponent("Sources")
        let examples = try Self.examples(under: sources)
        #expect(examples.count >= 80, "found only \(examples.count) examples under \(sources.path)")
        #expect(examples.filter { $0.file.hasPrefix("VigilCore/") }.count >= 50)
        for example in examples {
            #expect(!example.lines.isEmpty, "the example in Sources/\(example.file) is empty")
            guard !example.lines.isEmpty else { continue }
            #expect(texts.contains { Self.contains($0, example.lines) },
                    "the example in Sources/\(example.file) starting \"\(example.lines[0])\" is not in any Tests/*/DocumentationExampleTests.swift")
        }
    }
}
