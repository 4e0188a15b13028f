// swift-tools-version:6.1
// Release benchmark of the model monitor's input path: prediction and label events -> parse -> ModelMonitor.
// Compares the core's one-pass MonitorEventParser with the JSONSerialization parsing it replaced, in the same run.
// Run with ./run.sh.
import PackageDescription

let package = Package(
    name: "monitor-bench",
    platforms: [.macOS(.v14)],
    targets: [
        // A symlink to the real VigilCore.
        .target(name: "VigilCore", path: "Sources/VigilCore", swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .executableTarget(name: "MonitorBench", dependencies: ["VigilCore"], path: "Sources/MonitorBench"),
    ],
    swiftLanguageModes: [.v6]
)
