import Testing
import VigilCore

/// Every streaming detector against River 0.26.1 on seeded streams: identical warning and drift indices.
@Suite struct RiverDetectorVectorTests {
    static var caseNames: [String] {
        DriftVectors.detectors.cases.indices.map { i in
            let c = DriftVectors.detectors.cases[i]
            let params = c.params.keys.sorted().map { "\($0)=\(c.params[$0]!)" }.joined(separator: ",")
            return "\(i) \(c.detector)(\(params)) on \(c.stream)"
        }
    }

    @Test(arguments: caseNames)
    func identicalIndices(_ name: String) throws {
        let index = Int(name.split(separator: " ")[0])!
        let c = DriftVectors.detectors.cases[index]
        let stream = DriftVectors.detectors.streams[c.stream]!
        var params = c.params.mapValues(\.description)
        var values = stream
        if let warm = c.warm_window {
            params["window"] = stream.prefix(warm).map { String($0) }.joined(separator: ",")
            values = Array(stream.dropFirst(c.skip ?? 0))
        }
        var detector = try DriftDetectorFactory.make(c.detector, parameters: params)
        var warnings: [Int] = [], drifts: [Int] = []
        for (i, x) in values.enumerated() {
            detector.update(x)
            if detector.warningDetected { warnings.append(i) }
            if detector.driftDetected { drifts.append(i) }
        }
        #expect(drifts == c.drifts)
        #expect(warnings == c.warnings)
    }
}
