import Foundation
import VigilCore

// Predictions per second through the model monitor's input path (parse + ModelMonitor.observe), with the core's
// one-pass MonitorEventParser ("core") and with the JSONSerialization parsing ModelMonitorService used before
// ("foundation", copied below as it was), alternating in one process so both see the same machine.

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5

/// SplitMix64, so the events are the same in every run.
struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

var generator = Generator(state: 42)
let countries = ["DE", "FR", "US", "BR", "IN", "JP"]
let devices = ["ios", "android", "web"]
let categories = ["grocery", "travel", "electronics", "fashion", "gaming"]
var predictions: [[UInt8]] = []
var labels: [[UInt8]] = []
for i in 0..<count {
    let id = String(i, radix: 16)
    let score = (generator.unit() * 1000).rounded() / 1000
    let country = countries[Int(generator.next() % 6)]
    let line = #"{"@timestamp":"2026-12-06T10:00:00.000Z","type":"prediction","service":"fraud-api","model":"fraud","model_version":"v3","variant":"\#(i % 10 == 0 ? "challenger" : "champion")","request_id":"\#(id)-7f3a","prediction":\#(score >= 0.5 ? 1 : 0),"score":\#(score),"features":{"amount":\#((generator.unit() * 50_000).rounded() / 100),"age":\#(18 + generator.next() % 60),"country":"\#(country)","device":"\#(devices[Int(generator.next() % 3)])","tenure_days":\#(generator.next() % 3000),"n_tx_24h":\#(generator.next() % 20),"merchant_category":"\#(categories[Int(generator.next() % 5)])","hour":\#(generator.next() % 24)},"segment":{"country":"\#(country)","channel":"\#(devices[Int(generator.next() % 3)])"},"latency_ms":\#((generator.unit() * 4000).rounded() / 100),"status":"ok"}"#
    predictions.append(Array(line.utf8))
    if i % 2 == 0 {
        labels.append(Array(#"{"@timestamp":"2026-12-06T10:05:00.000Z","type":"label","model":"fraud","request_id":"\#(id)-7f3a","label":\#(generator.next() % 7 == 0 ? 1 : 0)}"#.utf8))
    }
}
let bytes = predictions.reduce(0) { $0 + $1.count }
print("events: \(count) predictions (\(bytes / count) bytes each), \(labels.count) labels; \(rounds) rounds, medians")
fflush(nil)

// MARK: - The parsing ModelMonitorService did before (Foundation), unchanged

enum FoundationParsing {
    static func parsePrediction(_ body: [UInt8], timestampMillis: Int64) -> PredictionEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let model = object["model"] as? String else { return nil }
        var event = PredictionEvent(model: model, timestampMillis: timestampMillis)
        event.modelVersion = text(object["model_version"])
        event.variant = text(object["variant"])
        event.requestID = text(object["request_id"])
        event.prediction = text(object["prediction"])
        event.score = number(object["score"])
        if let probabilities = object["probabilities"] as? [String: Any] {
            var p: [String: Double] = [:]
            for (k, v) in probabilities { if let x = number(v) { p[k] = x } }
            event.probabilities = p
            if event.prediction == nil { event.prediction = p.max { $0.value < $1.value }?.key }
        }
        if let features = object["features"] as? [String: Any] {
            for (k, v) in features {
                if let x = number(v) { event.numericFeatures[k] = x } else if let s = text(v) { event.categoricalFeatures[k] = s }
            }
        }
        if let segment = object["segment"] as? [String: Any] {
            for (k, v) in segment { if let s = text(v) { event.segment[k] = s } }
        }
        return event
    }

    static func parseLabel(_ body: [UInt8], timestampMillis: Int64) -> LabelEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let model = object["model"] as? String, let requestID = text(object["request_id"]),
              let label = text(object["label"]) else { return nil }
        return LabelEvent(model: model, requestID: requestID, label: label, timestampMillis: timestampMillis)
    }

    static func number(_ value: Any?) -> Double? {
        guard let n = value as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
        return n.doubleValue
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return n.boolValue ? "1" : "0" }
            return ColumnValues.canonicalText(n.doubleValue)
        default: return nil
        }
    }
}

// MARK: - Runs

enum Mode: String, CaseIterable { case core, foundation }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Parse only: predictions per CPU second.
@MainActor func parseOnly(_ mode: Mode) -> Double {
    var parser = MonitorEventParser()
    var checksum = 0
    let c0 = cpuSeconds()
    for line in predictions {
        switch mode {
        case .core:
            if case .success(let e) = parser.parsePrediction(line, timestampMillis: 0) { checksum &+= e.numericFeatures.count }
        case .foundation:
            if let e = FoundationParsing.parsePrediction(line, timestampMillis: 0) { checksum &+= e.numericFeatures.count }
        }
    }
    let cpu = cpuSeconds() - c0
    precondition(checksum == count * 5, "parsed \(checksum / 5) of \(count)")
    return Double(count) / cpu
}

/// Parse + observe (predictions, then labels for half of them): events per CPU second through the monitor.
@MainActor func throughMonitor(_ mode: Mode) -> (predictions: Double, labels: Double) {
    var monitor = ModelMonitor(models: [ModelConfiguration(name: "fraud", window: 1000)])
    var parser = MonitorEventParser()
    var joined = 0
    let c0 = cpuSeconds()
    for (i, line) in predictions.enumerated() {
        let event: PredictionEvent
        switch mode {
        case .core: event = try! parser.parsePrediction(line, timestampMillis: 0).get()
        case .foundation: event = FoundationParsing.parsePrediction(line, timestampMillis: 0)!
        }
        _ = monitor.observe(prediction: event, now: Int64(i))
    }
    let c1 = cpuSeconds()
    for (i, line) in labels.enumerated() {
        let event: LabelEvent
        switch mode {
        case .core: event = try! parser.parseLabel(line, timestampMillis: 0).get()
        case .foundation: event = FoundationParsing.parseLabel(line, timestampMillis: 0)!
        }
        joined += monitor.observe(label: event, now: Int64(count + i)).confusions.count
    }
    let c2 = cpuSeconds()
    precondition(joined == labels.count, "joined \(joined) of \(labels.count)")
    return (Double(count) / (c1 - c0), Double(labels.count) / (c2 - c1))
}

// The two parsers agree on every event first (same values, so the comparison is like for like).
var check = MonitorEventParser()
for line in predictions.prefix(2000) {
    let a = try! check.parsePrediction(line, timestampMillis: 0).get()
    var b = FoundationParsing.parsePrediction(line, timestampMillis: 0)!
    b.latencyMillis = a.latencyMillis   // fields the old parser did not read
    b.status = a.status
    precondition(a == b, "parsers disagree on \(String(decoding: line, as: UTF8.self))")
}

var parse: [Mode: [Double]] = [:]
var monitorPredictions: [Mode: [Double]] = [:]
var monitorLabels: [Mode: [Double]] = [:]
for round in 0..<rounds {
    let order = round % 2 == 0 ? Mode.allCases : Mode.allCases.reversed()
    for mode in order {
        parse[mode, default: []].append(parseOnly(mode))
        let m = throughMonitor(mode)
        monitorPredictions[mode, default: []].append(m.predictions)
        monitorLabels[mode, default: []].append(m.labels)
    }
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
func rate(_ x: Double) -> String { String(format: "%10.0f/s", x) }

print("mode        parse only     predictions through monitor   labels through monitor")
for mode in Mode.allCases {
    print("\(mode.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(rate(median(parse[mode]!)))  \(rate(median(monitorPredictions[mode]!)))                \(rate(median(monitorLabels[mode]!)))")
}
print(String(format: "core / foundation: parse %.2fx, predictions through the monitor %.2fx, labels %.2fx",
             median(parse[.core]!) / median(parse[.foundation]!),
             median(monitorPredictions[.core]!) / median(monitorPredictions[.foundation]!),
             median(monitorLabels[.core]!) / median(monitorLabels[.foundation]!)))
