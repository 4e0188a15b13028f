import Testing
import VigilCore
import VigilRuntime

/// `vigil detect`'s logic (`Detect.run`): input formats, JSON output and the errors it names.
@Suite struct DetectCommandTests {
    private func run(_ detector: String, _ parameters: [String: String] = [:], column: String? = nil,
                     _ text: String) throws -> Detect.Report {
        try Detect.run(Detect.Options(detector: detector, parameters: parameters, column: column), input: Array(text.utf8))
    }

    @Test func indicesMatchTheDetectorRunDirectly() throws {
        let values: [Double] = (0..<2000).map { (i: Int) -> Double in
            i < 1000 ? Double(i % 3) : 5.0 + Double(i % 4)
        }
        var detector = try PageHinkley()
        var drifts: [Int] = []
        for (i, x) in values.enumerated() {
            detector.update(x)
            if detector.driftDetected { drifts.append(i) }
        }
        let text = values.map { String($0) }.joined(separator: "\n") + "\n"
        let report = try run("page_hinkley", [:], text)
        #expect(!drifts.isEmpty)
        #expect(report.drifts == drifts)
        #expect(report.count == 2000)
    }

    @Test func jsonShape() throws {
        let report = try run("ddm", ["warm_start": "5"], "0\n1\r\n\n  0  \ntrue\n")
        #expect(report.count == 4)
        #expect(report.json == #"{"detector":"ddm","params":{"warm_start":5,"warning_threshold":2.0,"drift_threshold":3.0},"warnings":[],"drifts":[],"count":4}"#)
    }

    @Test func csvColumnWithQuotes() throws {
        let csv = "id,\"err,or\",x\n1,0,a\n2,\"1\",b\n3,0,\"c,d\"\n"
        let report = try run("eddm", [:], column: "err,or", csv)
        #expect(report.count == 3)
    }

    @Test(arguments: [
        ("adwin", [String: String](), nil as String?, "1\n2\nabc\n", "line 3: 'abc' is not a finite number"),
        ("adwin", [:], nil, "1\nnan\n", "line 2: 'nan' is not a finite number"),
        ("adwin", [:], "y", "a,b\n1,2\n", "line 1: no column 'y' in the header (a, b)"),
        ("adwin", [:], "b", "a,b\n1\n", "line 2: only 1 fields, column 'b' missing"),
        ("nope", [:], nil, "1\n", "unknown detector 'nope' (known: adwin, page_hinkley, kswin, ddm, eddm, hddm_a, hddm_w)"),
        ("adwin", ["speed": "2"], nil, "1\n", "invalid parameter 'speed': not a parameter of adwin (known: delta, clock, max_buckets, min_window_length, grace_period)"),
    ])
    func errorsNameTheProblem(_ detector: String, _ parameters: [String: String], _ column: String?, _ text: String,
                              _ message: String) {
        do {
            _ = try run(detector, parameters, column: column, text)
            Issue.record("expected an error")
        } catch let failure as Detect.Failure {
            #expect(failure.description == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func parameterArguments() throws {
        #expect(try Detect.parseParameters(["delta=0.01", "window=1,2"]) == ["delta": "0.01", "window": "1,2"])
        #expect(throws: Detect.Failure.self) { try Detect.parseParameters(["delta"]) }
    }
}
