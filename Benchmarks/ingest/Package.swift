// swift-tools-version:6.1
// Release benchmark of the ingestion hot path: file -> parse -> classify -> redact -> metrics.
// Run with ./run.sh (builds in release mode, generates the standard data set, compares with Python).
import PackageDescription

let package = Package(
    name: "ingest-bench",
    platforms: [.macOS(.v14)],
    targets: [
        // A symlink to the real VigilCore, restricted to what the pipeline uses.
        .target(name: "VigilCore", path: "Sources/VigilCore", sources: ["Events", "Redaction", "Metrics", "Shipping/JSONObjectScanner.swift", "Shipping/DocumentShape.swift"],
                swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .executableTarget(name: "IngestBench", dependencies: ["VigilCore"], path: "Sources/IngestBench"),
    ],
    swiftLanguageModes: [.v6]
)
