import Foundation

/// Loads the evaluation vectors committed under `Vectors/eval` (made by `Vectors/scripts/make_eval_vectors.py`).
enum EvalVectors {
    static func url(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Vectors/eval/\(name)")
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func qualityCases() -> [[String: Any]] {
        // A missing or malformed file fails the test that asks for it (an empty case list would pass silently).
        guard let doc = try? load("quality.json"), let cases = doc["cases"] as? [[String: Any]] else {
            fatalError("Vectors/eval/quality.json is missing or malformed")
        }
        return cases
    }

    static func qualityCase(_ name: String) -> [String: Any] {
        qualityCases().first { $0["name"] as? String == name }!
    }

    static var qualityCaseNames: [String] { qualityCases().map { $0["name"] as! String } }
}

/// Equal within 1e-9 relative (absolute near zero).
func evalClose(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    if a == b { return true }
    return abs(a - b) <= relative * max(abs(a), abs(b), 1e-12)
}

func evalDoubles(_ any: Any?) -> [Double] { (any as! [Any]).map { ($0 as! NSNumber).doubleValue } }
func evalDouble(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
