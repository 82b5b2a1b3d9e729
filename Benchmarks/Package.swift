// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so the library's users never build them.
let package = Package(
    name: "MeshAdapterBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "MeshAdapter", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CHiredis", path: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .executableTarget(
            name: "MeshMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "_MeshCore", package: "MeshAdapter"),
                .product(name: "RealtimeAdapter", package: "MeshAdapter"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/MeshMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ClusterBench",
            dependencies: [
                .product(name: "MeshAdapter", package: "MeshAdapter"),
                .product(name: "_MeshCore", package: "MeshAdapter"),
                .product(name: "RealtimeAdapter", package: "MeshAdapter"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                "CHiredis",
            ],
            path: "ClusterBench"
        ),
        .executableTarget(
            name: "socketio-bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "SocketIOBench"
        ),
    ]
)
