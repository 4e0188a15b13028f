import VigilCore

extension ConfigurationLoader {
    static let driftMethods = ["psi", "ks", "js", "wasserstein", "chi2"]

    /// `models`: one entry per monitored model (label join, quality, drift, decay).
    static func readModels(_ top: ObjectReader) -> [ModelConfiguration] {
        var models: [ModelConfiguration] = []
        var names = Set<String>()
        top.list("models") { node, path in
            top.reader.object(node, path, keys: ["name", "profile", "label_ttl", "window", "window_time", "detectors", "drift",
                                                 "positive_class", "threshold", "task", "decay_tolerance", "max_segment_values"]) { m in
                guard let name = m.string("name") else {
                    if m.child("name") == nil { m.reader.report(node, m.path("name"), "is required") }
                    return
                }
                if !names.insert(name).inserted { m.report("name", "model \"\(name)\" is configured twice") }
                var model = ModelConfiguration(name: name)
                if let v = m.string("profile") { model.profilePath = v }
                if let v = m.duration("label_ttl", range: 1...(365 * 86_400)) { model.labelTTLSeconds = Int64(v) }
                if let v = m.int("window", range: 10...10_000_000) { model.window = v }
                if let v = m.child("window_time"), v.string == "off" { model.windowSeconds = nil }
                else if let v = m.duration("window_time", range: 1...(30 * 86_400)) { model.windowSeconds = Int64(v) }
                if let list = m.stringList("detectors") {
                    for (i, d) in list.enumerated() {
                        if let kind = DriftDetectorKind(name: d) { model.detectors.append(kind.rawValue); continue }
                        let known = DriftDetectorKind.allCases.map(\.rawValue)
                        var message = "unknown detector \"\(d)\"; detectors are \(known.joined(separator: ", "))"
                        if let guess = ConfigReader.suggestion(for: d, among: known) { message += "; did you mean \"\(guess)\"?" }
                        m.reader.report(m.child("detectors")?.sequence?[i] ?? node, "\(m.path("detectors"))[\(i)]", message)
                    }
                }
                if let list = m.stringList("drift") {
                    for (i, d) in list.enumerated() {
                        if driftMethods.contains(d) { model.drift.append(d); continue }
                        var message = "unknown drift method \"\(d)\"; methods are \(driftMethods.joined(separator: ", "))"
                        if let guess = ConfigReader.suggestion(for: d, among: driftMethods) { message += "; did you mean \"\(guess)\"?" }
                        m.reader.report(m.child("drift")?.sequence?[i] ?? node, "\(m.path("drift"))[\(i)]", message)
                    }
                }
                if let v = m.string("positive_class") { model.positiveClass = v }
                if let v = m.double("threshold", range: 0...1) { model.threshold = v }
                if let v = m.oneOf("task", ModelTask.allCases.map(\.rawValue)) { model.task = ModelTask(rawValue: v) }
                if let v = m.double("decay_tolerance", range: 0...1) { model.decayTolerance = v }
                if let v = m.int("max_segment_values", range: 1...10_000) { model.maxSegmentValues = v }
                models.append(model)
            }
        }
        return models
    }
}
