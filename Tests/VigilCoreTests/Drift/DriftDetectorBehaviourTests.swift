import Testing
import VigilCore

/// Semantics shared by every detector: reset after a drift, factory parsing and errors.
@Suite struct DriftDetectorBehaviourTests {
    @Test(arguments: DriftDetectorKind.allCases)
    func resetsOnTheUpdateAfterADrift(_ kind: DriftDetectorKind) throws {
        var detector = try DriftDetectorFactory.make(kind.rawValue, parameters: kind == .kswin ? ["seed": "1"] : [:])
        var fresh = detector
        // A stream with an abrupt jump drifts every detector.
        let stream: [Double] = (0..<3000).map { (i: Int) -> Double in
            if kind.isBinary {
                let errorRate = i < 1000 ? 1 : 7
                return i % 10 < errorRate ? 1.0 : 0.0
            }
            return i < 1000 ? Double(i % 7) : 40.0 + Double(i % 5)
        }
        var firstDrift: Int?
        for (i, x) in stream.enumerated() {
            detector.update(x)
            if detector.driftDetected { firstDrift = i; break }
        }
        let drift = try #require(firstDrift, "\(kind) never drifted")
        // After the drift, the detector behaves exactly like a fresh one on the rest of the stream.
        var a: [Bool] = [], b: [Bool] = []
        for x in stream[(drift + 1)...] {
            detector.update(x)
            fresh.update(x)
            a.append(detector.driftDetected)
            b.append(fresh.driftDetected)
            a.append(detector.warningDetected)
            b.append(fresh.warningDetected)
        }
        #expect(a == b)
    }

    @Test func factoryAcceptsRiverSpellings() throws {
        #expect(DriftDetectorKind(name: "PageHinkley") == .pageHinkley)
        #expect(DriftDetectorKind(name: "HDDM_A") == .hddmA)
        #expect(DriftDetectorKind(name: "hddm-w") == .hddmW)
        let resolved = try DriftDetectorFactory.resolve("adwin", parameters: ["delta": "0.01", "clock": "1"])
        #expect(resolved.parameters.first { $0.name == "delta" }?.value == .double(0.01))
        #expect(resolved.parameters.first { $0.name == "clock" }?.value == .int(1))
    }

    @Test(arguments: [
        ("nope", [String: String](), "detector"),
        ("adwin", ["speed": "1"], "speed"),
        ("adwin", ["clock": "fast"], "clock"),
        ("adwin", ["clock": "0"], "clock"),
        ("page_hinkley", ["mode": "sideways"], "mode"),
        ("eddm", ["alpha": "0.5", "beta": "0.9"], "alpha"),
        ("kswin", ["stat_size": "100"], "stat_size"),
        ("hddm_a", ["two_sided_test": "maybe"], "two_sided_test"),
    ])
    func factoryRejectsBadConfiguration(_ name: String, _ parameters: [String: String], _ parameter: String) {
        #expect(throws: DriftConfigurationError.self) { try DriftDetectorFactory.make(name, parameters: parameters) }
        do {
            _ = try DriftDetectorFactory.make(name, parameters: parameters)
        } catch let error as DriftConfigurationError {
            #expect(error.parameter == parameter)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func binaryDetectorsTakeBooleans() throws {
        var a = try DDM(), b = try DDM()
        for i in 0..<500 {
            let error = i > 300 || i % 9 == 0
            a.update(error: error)
            b.update(error ? 1 : 0)
            #expect(a.driftDetected == b.driftDetected && a.warningDetected == b.warningDetected)
        }
    }

    @Test func pageHinkleyHasNoWarningZone() throws {
        var ph = try PageHinkley()
        for i in 0..<2000 { ph.update(i < 1000 ? 0 : 10); #expect(!ph.warningDetected) }
    }
}

/// KSWIN takes its randomness from the caller.
@Suite struct KSWINSamplerTests {
    /// Always the first positions: a deterministic sampler the test controls.
    struct FirstPositions: IndexSampler {
        var calls = 0
        mutating func sample(populationSize: Int, into result: inout [Int]) {
            calls += 1
            for i in result.indices { result[i] = i }
        }
    }

    @Test func seedAndExplicitPythonRandomAgree() throws {
        var a = try KSWIN(.init(seed: 11))
        var b = try KSWIN(.init(seed: 999), sampler: PythonRandom(seed: 11))
        for i in 0..<3000 {
            let x = Double((i * 7919) % 101) + (i > 1500 ? 30 : 0)
            a.update(x)
            b.update(x)
            #expect(a.driftDetected == b.driftDetected && a.pValue == b.pValue)
        }
    }

    @Test func injectedSamplerDrivesTheTest() throws {
        var k = try KSWIN(.init(windowSize: 40, statSize: 10), sampler: FirstPositions())
        // Oldest 10 values are 0, newest 10 are 100: the first full window must drift.
        for i in 0..<40 { k.update(i < 10 ? 0 : (i >= 30 ? 100 : 50)) }
        #expect(k.driftDetected)
        #expect(k.pValue < 1e-4)
    }
}
