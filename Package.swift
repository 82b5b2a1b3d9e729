// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "MeshAdapter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RealtimeAdapter", targets: ["RealtimeAdapter"]),
        .library(name: "MeshCore", targets: ["MeshCore"]),
        .library(name: "MeshAdapter", targets: ["MeshAdapter"]),
        .executable(name: "mesh-node", targets: ["MeshNodeCommand"]),
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
    ],
    targets: [
        .target(
            name: "RealtimeAdapter",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshCore",
            dependencies: [
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshSimulation",
            dependencies: [
                "MeshCore",
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshAdapter",
            dependencies: [
                "MeshCore",
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MeshNodeCLI",
            dependencies: [
                "MeshAdapter",
                "MeshCore",
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "MeshNodeCommand",
            dependencies: ["MeshNodeCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "ClusterDemo",
            dependencies: [
                "MeshNodeCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "examples/ClusterDemo",
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
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MeshCoreTests",
            dependencies: [
                "MeshCore",
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MeshAdapterTests",
            dependencies: [
                "MeshAdapter",
                "MeshNodeCLI",
                "MeshCore",
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MeshSimulationTests",
            dependencies: [
                "MeshSimulation",
                "MeshCore",
                "RealtimeAdapter",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
    ]
)
