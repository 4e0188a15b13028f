// swift-tools-version:6.1
// Release benchmark of the shared label join: predictions recorded and labels joined through PostgresLabelJoinStore
// against a private PostgreSQL, with pgbench running the same statements in the same run as the peer.
// Run with ./run.sh.
import PackageDescription

let package = Package(
    name: "postgres-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Symlinks to the real VigilCore and VigilPostgres.
        .target(name: "VigilCore", path: "Sources/VigilCore", swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .target(name: "VigilPostgres",
                dependencies: ["VigilCore", .product(name: "PostgresNIO", package: "postgres-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log")],
                path: "Sources/VigilPostgres", swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .executableTarget(name: "PostgresBench", dependencies: ["VigilCore", "VigilPostgres",
                                                                .product(name: "Logging", package: "swift-log")],
                          path: "Sources/PostgresBench"),
    ],
    swiftLanguageModes: [.v6]
)
