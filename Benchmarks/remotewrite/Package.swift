// swift-tools-version:6.1
// Release benchmark of remote write: registry snapshot → protobuf → snappy → durable queue → POST to a real
// Prometheus receiver, CPU measured with getrusage. Run with ./run.sh (which also runs the peer: Prometheus in
// agent mode scraping the same number of series and remote-writing them to the same receiver).
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "remotewrite-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Symlinks to the real targets.
        .target(name: "VigilCore", path: "Sources/VigilCore", swiftSettings: strict),
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CSnappy", path: "Sources/CSnappy", linkerSettings: [.linkedLibrary("snappy")]),
        .target(name: "VigilHTTPClient", dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
                path: "Sources/VigilHTTPClient", swiftSettings: strict),
        .target(name: "VigilRemoteWrite",
                dependencies: ["VigilCore", "VigilHTTPClient", "CSnappy",
                               .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                path: "Sources/VigilRemoteWrite", swiftSettings: strict),
        .executableTarget(name: "RemoteWriteBench",
                          dependencies: ["VigilCore", "VigilHTTPClient", "VigilRemoteWrite",
                                         .product(name: "Logging", package: "swift-log")],
                          path: "Sources/RemoteWriteBench", swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
