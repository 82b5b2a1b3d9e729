import ArgumentParser
import Foundation
import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore

/// `cluster-bench`: the mesh and Redis pub/sub side by side, in one run.
@main
struct ClusterBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-bench",
        abstract: "Measure MeshAdapter against the Redis adapter's pub/sub path on loopback.",
        subcommands: [Coordinate.self, MeshWorkerCommand.self, RedisWorkerCommand.self, RawWorkerCommand.self],
        defaultSubcommand: Coordinate.self)
}

struct MeshWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mesh-worker")
    @Option var name: String
    @Option var index: Int
    @Option var seed: String?

    func run() async throws {
        let stats = ReceiveStats()
        var logger = Logger(label: "bench.\(name)")
        logger.logLevel = .warning
        let node = try MeshNode(
            configuration: MeshConfiguration(nodeName: name, seeds: seed.flatMap(MeshAddress.init).map { [$0] } ?? []),
            logger: logger)
        let adapter = try await node.makeAdapter(host: MeshBenchHost(stats: stats))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            emit("address \(try await node.listeningAddress())")
            try await Worker(system: MeshSystem(node: node, adapter: adapter), stats: stats, index: index).run()
            await node.shutdown()
            try await group.waitForAll()
        }
    }
}

struct RedisWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redis-worker")
    @Option var index: UInt8
    @Option var port: Int
    @Option(help: "swift (a RESP client on SwiftNIO) or hiredis (Redis's C client).") var client = "swift"

    func run() async throws {
        let stats = ReceiveStats()
        let system: any BenchSystem =
            client == "hiredis"
            ? try HiredisSystem.connect(port: port, index: index, stats: stats)
            : try await RedisSystem.connect(port: port, index: index, stats: stats)
        try await Worker(system: system, stats: stats, index: Int(index)).run()
    }
}

struct RawWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raw-worker")
    @Option var index: Int
    @Option(help: "Ports of the processes this one sends to, comma-separated.") var peers = ""

    func run() async throws {
        let stats = ReceiveStats()
        let (system, port) = try await RawSystem.start(
            peers: peers.split(separator: ",").compactMap { Int($0) }, stats: stats)
        emit("address \(port)")
        try await Worker(system: system, stats: stats, index: index).run()
    }
}
