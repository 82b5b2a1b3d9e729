// swift-tools-version: 6.1
import PackageDescription

// Socket.IO mounted in a Vapor 4 application, in its own package so that only those who
// build it resolve Vapor. `.ci/run` builds it.
let package = Package(
    name: "VaporExample",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "MeshAdapter", path: "../.."),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "VaporExample",
            dependencies: [
                .product(name: "SocketIO", package: "MeshAdapter"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
