// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// Products the targets share, named once.
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioConcurrencyHelpers: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let dequeModule: Target.Dependency = .product(name: "DequeModule", package: "swift-collections")
let orderedCollections: Target.Dependency = .product(name: "OrderedCollections", package: "swift-collections")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let coreMetrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let nioEmbedded: Target.Dependency = .product(name: "NIOEmbedded", package: "swift-nio")
let nioTestUtils: Target.Dependency = .product(name: "NIOTestUtils", package: "swift-nio")
let x509: Target.Dependency = .product(name: "X509", package: "swift-certificates")
let swiftASN1: Target.Dependency = .product(name: "SwiftASN1", package: "swift-asn1")
let inMemoryLogging: Target.Dependency = .product(name: "InMemoryLogging", package: "swift-log")
let metricsTestKit: Target.Dependency = .product(name: "MetricsTestKit", package: "swift-metrics")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioWebSocket: Target.Dependency = .product(name: "NIOWebSocket", package: "swift-nio")

let package = Package(
    name: "MeshAdapter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RealtimeAdapter", targets: ["RealtimeAdapter"]),
        // Not an API: the protocol core's internals (SPI `MeshInternals`), a product only so that
        // the project's own benchmarks package can measure them. `MeshAdapter` re-exports the
        // four MeshCore types its API names.
        .library(name: "_MeshCore", targets: ["MeshCore"]),
        .library(name: "MeshAdapter", targets: ["MeshAdapter"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
        .library(name: "SocketIOHummingbird", targets: ["SocketIOHummingbird"]),
        .executable(name: "mesh-node", targets: ["MeshNodeCommand"]),
        .executable(name: "socketio-conformance", targets: ["SocketIOConformance"]),
        .executable(name: "chat-node", targets: ["ChatNode"]),
        .executable(name: "mesh-demo", targets: ["ClusterDemo"]),
        .executable(name: "mesh-simulation", targets: ["SimulationDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        .target(
            name: "RealtimeAdapter",
            dependencies: [
                nioCore,
                nioConcurrencyHelpers,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "SocketIOProtocol",
            dependencies: [
                nioCore,
                orderedCollections,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "SocketIO",
            dependencies: [
                "RealtimeAdapter",
                "SocketIOProtocol",
                nioCore,
                nioPosix,
                nioHTTP1,
                nioWebSocket,
                nioConcurrencyHelpers,
                dequeModule,
                orderedCollections,
                logging,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "SocketIOHummingbird",
            dependencies: [
                "SocketIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                nioCore,
                nioPosix,
                nioHTTP1,
                nioWebSocket,
                logging,
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "HummingbirdExample",
            dependencies: [
                "SocketIO",
                "SocketIOHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            path: "examples/HummingbirdExample",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "SocketIOConformance",
            dependencies: ["SocketIO", argumentParser, logging, nioCore, nioPosix, unixSignals],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshCore",
            dependencies: [
                "RealtimeAdapter",
                nioCore,
                dequeModule,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshSimulation",
            dependencies: [
                "MeshCore",
                "RealtimeAdapter",
                nioCore,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshAdapter",
            dependencies: [
                "MeshCore",
                "RealtimeAdapter",
                dequeModule,
                nioCore,
                nioPosix,
                nioConcurrencyHelpers,
                nioSSL,
                crypto,
                logging,
                metrics,
                coreMetrics,
                serviceLifecycle,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshNodeCLI",
            dependencies: [
                "MeshAdapter",
                "MeshCore",
                "RealtimeAdapter",
                nioCore,
                nioPosix,
                nioConcurrencyHelpers,
                nioSSL,
                logging,
                serviceLifecycle,
                unixSignals,
                argumentParser,
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "MeshNodeCommand",
            dependencies: ["MeshNodeCLI", argumentParser],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "ClusterDemo",
            dependencies: [
                "MeshNodeCLI",
                argumentParser,
                nioConcurrencyHelpers,
                unixSignals,
            ],
            path: "examples/ClusterDemo",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "ChatNode",
            dependencies: ["SocketIO", argumentParser, logging, unixSignals],
            path: "examples/ChatNode",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "SimulationDemo",
            dependencies: ["MeshSimulation", "MeshCore", "RealtimeAdapter"],
            path: "examples/SimulationDemo",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "RealtimeAdapterTests",
            dependencies: [
                "RealtimeAdapter",
                nioCore,
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "SocketIOProtocolTests",
            dependencies: [
                "SocketIOProtocol",
                "TestSupport",
                nioCore,
                orderedCollections,
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: [
                "SocketIO",
                "SocketIOHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                "MeshAdapter",
                "MeshCore",
                "SocketIOProtocol",
                "RealtimeAdapter",
                nioCore,
                nioPosix,
                nioHTTP1,
                nioWebSocket,
                nioConcurrencyHelpers,
                logging,
                inMemoryLogging,
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MeshCoreTests",
            dependencies: [
                "MeshCore",
                "TestSupport",
                "RealtimeAdapter",
                nioCore,
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MeshAdapterTests",
            dependencies: [
                "MeshAdapter",
                "MeshSimulation",
                "MeshNodeCLI",
                "MeshCore",
                "RealtimeAdapter",
                nioCore,
                nioPosix,
                nioConcurrencyHelpers,
                nioEmbedded,
                nioTestUtils,
                nioSSL,
                x509,
                swiftASN1,
                crypto,
                logging,
                inMemoryLogging,
                metrics,
                metricsTestKit,
                serviceLifecycle,
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MeshSimulationTests",
            dependencies: [
                "MeshSimulation",
                "MeshCore",
                "RealtimeAdapter",
                nioCore,
            ],
            swiftSettings: upcoming
        ),
    ]
)
