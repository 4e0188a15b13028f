import Testing
import VigilCore

/// `PythonRandom` reproduces CPython's `random.Random` draws (recorded by the vector script).
@Suite struct PythonRandomTests {
    @Test func getrandbitsMatchesCPython() {
        let g = DriftVectors.detectors.getrandbits
        var rng = PythonRandom(unsignedSeed: g.seed)
        let values = g.bits.map { rng.getrandbits($0) }
        #expect(values == g.values)
    }

    @Test func sampleMatchesCPython() {
        for s in DriftVectors.detectors.python_random {
            var rng = PythonRandom(unsignedSeed: s.seed)
            for draw in s.draws {
                #expect(rng.sample(populationSize: s.n, count: s.k) == draw, "seed \(s.seed) n \(s.n) k \(s.k)")
            }
        }
    }

    @Test func negativeSeedsUseTheMagnitude() {
        var a = PythonRandom(seed: Int64(-42))
        var b = PythonRandom(unsignedSeed: 42)
        #expect(a.getrandbits(32) == b.getrandbits(32))
    }
}
