// swift-tools-version:6.1
import PackageDescription
import class Foundation.ProcessInfo

// Benchmarks pull in peers (swift-prometheus) that the agent does not need; they are opt-in so that
// `make test` and CI do not pay for building them. `make bench` sets VIGIL_BENCHMARKS=1.
let includeBenchmarks = ProcessInfo.processInfo.environment["VIGIL_BENCHMARKS"] != nil

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    // TLS for the agent's HTTP server. HummingbirdTesting already pulls it in for the tests.
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    // Shared state for a fleet (storage.shared): only VigilPostgres, and through it the runtime, depends on it.
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    // Protobuf messages (Prometheus remote write, OTLP logs): only VigilRemoteWrite and VigilOTLP depend on it.
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
]

var targets: [Target] = [
    // Pure logic: no I/O, no clock, no randomness (callers pass them in).
    .target(name: "VigilCore", swiftSettings: strict),

    // Thin C shims over system libraries.
    .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
    .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
    // ISA-L's igzip compresses bulk requests (see VigilGzip: zlib level 1 cost more CPU than the rest of the
    // shipping path together); zlib stays for decompression and for levels 4...9.
    .target(name: "CISAL", linkerSettings: [.linkedLibrary("isal")]),
    // Snappy block compression for Prometheus remote write.
    .target(name: "CSnappy", linkerSettings: [.linkedLibrary("snappy")]),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

    .target(name: "VigilGzip", dependencies: ["CZlib", "CISAL"], swiftSettings: strict),
    // Internal events: one value per notable thing, whose emit() logs its fixed message and updates its metrics.
    .target(name: "VigilInternalEvents", dependencies: ["VigilCore", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
    .target(name: "VigilStorage", dependencies: ["VigilCore", "CSQLite", "VigilGzip", "VigilInternalEvents",
                                                 .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
    // The one outbound HTTP client (libcurl) and the one pool for blocking work; every sink and client uses it.
    .target(
        name: "VigilHTTPClient",
        dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
        swiftSettings: strict),
    .target(
        name: "VigilElasticsearch",
        dependencies: ["VigilCore", "VigilStorage", "VigilHTTPClient", "VigilGzip", "VigilInternalEvents",
                       .product(name: "Logging", package: "swift-log"),
                       .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
        swiftSettings: strict),
    // Prometheus remote write 1.0: registry snapshots as protobuf + snappy, a durable queue, the sender.
    .target(
        name: "VigilRemoteWrite",
        dependencies: ["VigilCore", "VigilHTTPClient", "CSnappy",
                       .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                       .product(name: "Logging", package: "swift-log"),
                       .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
        swiftSettings: strict),
    .target(
        name: "VigilSources",
        dependencies: ["VigilCore", "VigilStorage", "VigilInternalEvents",
                       .product(name: "Logging", package: "swift-log"),
                       .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
        swiftSettings: strict),
    .target(
        name: "VigilServer",
        dependencies: ["VigilCore", "VigilStorage", "VigilGzip",
                       .product(name: "Hummingbird", package: "hummingbird"),
                       .product(name: "HummingbirdCore", package: "hummingbird"),
                       .product(name: "HTTPTypes", package: "swift-http-types"),
                       .product(name: "NIOCore", package: "swift-nio"),
                       .product(name: "NIOSSL", package: "swift-nio-ssl"),
                       .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                       .product(name: "Logging", package: "swift-log")],
        swiftSettings: strict),
    // Shared state in PostgreSQL for a fleet: rollout state, audit log, pending predictions (storage.shared).
    .target(
        name: "VigilPostgres",
        dependencies: ["VigilCore",
                       .product(name: "PostgresNIO", package: "postgres-nio"),
                       .product(name: "NIOSSL", package: "swift-nio-ssl"),
                       .product(name: "Logging", package: "swift-log")],
        swiftSettings: strict),
    // OTLP/HTTP logs receiver: the OTLP protobuf/JSON messages (generated from protos/), their mapping to ECS
    // events and the `POST /v1/logs` listener on the OTLP port.
    .target(
        name: "VigilOTLP",
        dependencies: ["VigilCore", "VigilServer", "VigilGzip",
                       .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                       .product(name: "Hummingbird", package: "hummingbird"),
                       .product(name: "HummingbirdCore", package: "hummingbird"),
                       .product(name: "HTTPTypes", package: "swift-http-types"),
                       .product(name: "NIOCore", package: "swift-nio"),
                       .product(name: "Logging", package: "swift-log")],
        swiftSettings: strict),
    .target(
        name: "VigilRuntime",
        dependencies: ["VigilCore", "VigilStorage", "VigilHTTPClient", "VigilElasticsearch", "VigilSources", "VigilServer", "VigilGzip",
                       "VigilInternalEvents", "VigilOTLP",
                       "VigilPostgres", "VigilRemoteWrite",
                       .product(name: "Yams", package: "Yams"),
                       .product(name: "Logging", package: "swift-log"),
                       .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                       .product(name: "Hummingbird", package: "hummingbird")],
        swiftSettings: strict),
    .executableTarget(
        name: "vigil",
        // Only the runtime: what the commands need from lower targets, it re-exports (CommandLineExports.swift).
        dependencies: ["VigilRuntime",
                       .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strict),

    // Test support: an Elasticsearch-compatible bulk server with fault injection.
    .target(
        name: "VigilTestSupport",
        dependencies: ["VigilCore", "VigilGzip",
                       .product(name: "NIOCore", package: "swift-nio"),
                       .product(name: "NIOPosix", package: "swift-nio"),
                       .product(name: "NIOHTTP1", package: "swift-nio")],
        swiftSettings: strict),
    .executableTarget(
        name: "vigil-es-mock",
        dependencies: ["VigilTestSupport",
                       .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strict),

    .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"], resources: [.copy("Vectors")], swiftSettings: strict),
    .testTarget(name: "VigilStorageTests", dependencies: ["VigilStorage", "VigilCore"], swiftSettings: strict),
    .testTarget(name: "VigilHTTPClientTests", dependencies: ["VigilHTTPClient", "VigilCore", "VigilTestSupport"], swiftSettings: strict),
    .testTarget(name: "VigilElasticsearchTests", dependencies: ["VigilElasticsearch", "VigilHTTPClient", "VigilTestSupport"], swiftSettings: strict),
    .testTarget(name: "VigilRemoteWriteTests", dependencies: ["VigilRemoteWrite", "VigilCore", "CSnappy"], swiftSettings: strict),
    .testTarget(name: "VigilSourcesTests", dependencies: ["VigilSources"], swiftSettings: strict),
    .testTarget(
        name: "VigilServerTests",
        dependencies: ["VigilServer", "VigilRuntime", "VigilHTTPClient",
                       .product(name: "HummingbirdTesting", package: "hummingbird"),
                       .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                       .product(name: "Logging", package: "swift-log"),
                       .product(name: "HTTPTypes", package: "swift-http-types")],
        swiftSettings: strict),
    .testTarget(
        name: "VigilOTLPTests",
        dependencies: ["VigilOTLP", "VigilServer", "VigilCore",
                       .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                       .product(name: "HummingbirdTesting", package: "hummingbird"),
                       .product(name: "HTTPTypes", package: "swift-http-types")],
        swiftSettings: strict),
    .testTarget(name: "IntegrationTests", dependencies: ["VigilRuntime", "VigilTestSupport", "VigilPostgres", "VigilRemoteWrite", .product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
]

if includeBenchmarks {
    dependencies.append(.package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"))
    targets.append(.executableTarget(
        name: "VigilBench",
        dependencies: ["VigilCore", "VigilRuntime", "VigilServer", "VigilGzip", "VigilRemoteWrite",
                       .product(name: "Prometheus", package: "swift-prometheus")],
        path: "Benchmarks/VigilBench",
        swiftSettings: strict))
}

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-es-mock", targets: ["vigil-es-mock"]),
    ],
    dependencies: dependencies,
    targets: targets,
    swiftLanguageModes: [.v6]
)
