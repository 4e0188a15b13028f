// swift-tools-version:6.1
// Release benchmark of the embedded log store through its own API: fill a store from a JSONL file (the
// 10M-event case, where tailing through the agent would take too long) and time searches on it.
// Run with ./run.sh, which also measures the agent end to end against Elasticsearch and the old store.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "logstore-bench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "https://github.com/apple/swift-log", from: "1.16.2")],
    targets: [
        // Symlinks to the real targets.
        .target(name: "VigilCore", path: "Sources/VigilCore", swiftSettings: strict),
        .target(name: "CZlib", path: "Sources/CZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "CISAL", path: "Sources/CISAL", linkerSettings: [.linkedLibrary("isal")]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3"),
        .target(name: "VigilGzip", dependencies: ["CZlib", "CISAL"], path: "Sources/VigilGzip", swiftSettings: strict),
        .target(name: "VigilInternalEvents", dependencies: ["VigilCore", .product(name: "Logging", package: "swift-log")],
                path: "Sources/VigilInternalEvents", swiftSettings: strict),
        .target(name: "VigilStorage", dependencies: ["VigilCore", "CSQLite", "VigilGzip", "VigilInternalEvents", .product(name: "Logging", package: "swift-log")], path: "Sources/VigilStorage", swiftSettings: strict),
        .executableTarget(name: "LogStoreBench", dependencies: ["VigilCore", "VigilStorage"], path: "Sources/LogStoreBench", swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
