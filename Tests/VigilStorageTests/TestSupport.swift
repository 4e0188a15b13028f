import Foundation
@testable import VigilStorage

/// A fresh directory under the temporary folder, removed by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "vigil-storage-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func record(_ n: Int, source: String = "file", body: String? = nil, timestamp: Int64? = nil, kind: UInt8 = 0) -> SpoolRecord {
    // Fixed-width numbers, so every record of the default shape encodes to the same size.
    let padded = String(100_000 + n)
    return SpoolRecord(id: "id-\(padded)", kind: kind, timestampMillis: timestamp ?? Int64(1_700_000_000_000 + n),
                       source: source, body: Array((body ?? #"{"message":"line \#(padded)","n":\#(padded)}"#).utf8))
}

func records(_ range: Range<Int>) -> [SpoolRecord] { range.map { record($0) } }
