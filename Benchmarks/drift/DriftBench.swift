// Release-mode timing of Vigil's streaming detectors and the two-sample KS test, in process, on the same
// float64 files the River/SciPy side reads. Built by bench.sh with `swiftc -O -wmo` together with the
// VigilCore Drift and Statistics sources (they depend on nothing else).
//
//   DriftBench DATA_DIR   (expects gauss.f64, binary.f64, ks_a.f64, ks_b.f64)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func readDoubles(_ path: String) -> [Double] {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    fseek(f, 0, SEEK_END)
    let bytes = ftell(f)
    fseek(f, 0, SEEK_SET)
    var out = [Double](repeating: 0, count: bytes / 8)
    _ = out.withUnsafeMutableBytes { fread($0.baseAddress, 1, bytes, f) }
    return out
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Median of `runs` CPU-time measurements of `body` (CPU time: the machines are shared and loaded).
func time(runs: Int, _ body: () -> Void) -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let t0 = now()
        body()
        times.append(now() - t0)
    }
    times.sort()
    return times[times.count / 2]
}

@main
struct DriftBench {
    static func main() throws {
        let dir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
        let gauss = readDoubles(dir + "/gauss.f64")
        let binary = readDoubles(dir + "/binary.f64")
        var sink = 0
        for kind in DriftDetectorKind.allCases {
            let data = kind.isBinary ? binary : gauss
            let params = kind == .kswin ? ["seed": "42"] : [:]
            let seconds = time(runs: 3) {
                var d = try! DriftDetectorFactory.make(kind.rawValue, parameters: params)
                for x in data {
                    d.update(x)
                    if d.driftDetected { sink += 1 }
                }
            }
            print("swift \(kind.rawValue) \(data.count) \(seconds) \(Double(data.count) / seconds)")
        }
        let a = readDoubles(dir + "/ks_a.f64"), b = readDoubles(dir + "/ks_b.f64")
        var p = 0.0
        let seconds = time(runs: 5) { p = KolmogorovSmirnov.twoSample(a, b).pValue }
        print("swift ks_2samp \(a.count)x\(b.count) \(seconds) p=\(p)")
        if sink < 0 { print(sink) }
    }
}
