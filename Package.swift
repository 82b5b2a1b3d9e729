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
        .executable(name: "mesh-demo", targets: ["MeshDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
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
        .executableTarget(
            name: "MeshDemo",
            dependencies: ["MeshSimulation", "MeshCore", "RealtimeAdapter"],
            path: "examples/MeshDemo",
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
