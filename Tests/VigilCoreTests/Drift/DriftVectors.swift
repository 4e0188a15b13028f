import Foundation

/// Loads the committed JSON vectors made by `Vectors/scripts/make_drift_vectors.py`.
enum DriftVectors {
    static func load<T: Decodable>(_ type: T.Type, _ subdirectory: String, _ name: String) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json",
                                          subdirectory: "Vectors/\(subdirectory)") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// A detector parameter as River received it (number, string or bool).
    enum Param: Decodable, Sendable, CustomStringConvertible {
        case number(Double), text(String), flag(Bool)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .text(try c.decode(String.self)) }
        }
        var description: String {
            switch self {
            case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .text(let s): s
            case .flag(let b): b ? "true" : "false"
            }
        }
    }

    struct DetectorCase: Decodable, Sendable {
        var stream: String
        var detector: String
        var params: [String: Param]
        var warnings: [Int]
        var drifts: [Int]
        var skip: Int?
        var warm_window: Int?
    }

    struct SampleCase: Decodable, Sendable {
        var seed: UInt64
        var n: Int
        var k: Int
        var draws: [[Int]]
    }

    struct GetRandBits: Decodable, Sendable {
        var seed: UInt64
        var bits: [Int]
        var values: [UInt64]
    }

    struct Detectors: Decodable, Sendable {
        var streams: [String: [Double]]
        var cases: [DetectorCase]
        var python_random: [SampleCase]
        var getrandbits: GetRandBits
    }

    static let detectors: Detectors = {
        do { return try load(Detectors.self, "drift", "detectors") } catch { fatalError("drift vectors: \(error)") }
    }()
}
