import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOCore
import NIOPosix
import RealtimeAdapter

/// N mesh nodes in this process on loopback, ports chosen by the OS, each with its own host.
struct TestCluster {
    var nodes: [MeshNode] = []
    var adapters: [ClusterAdapter] = []
    var hosts: [TestHost] = []

    static let fastSettings = MeshSettings(
        heartbeatInterval: .milliseconds(100), suspectAfter: .milliseconds(600),
        suspicionTimeout: .milliseconds(400), gossipInterval: .milliseconds(100),
        requestTimeout: .seconds(2))

    /// Starts `count` nodes, the first a seed for the others, runs `body`, then shuts all down.
    /// The nodes listed in `ownThread` get an event loop thread of their own (so a test can
    /// stall one node's loop without stalling the others).
    static func with<T>(
        count: Int,
        prefix: String = "node",
        ownThread: Set<Int> = [],
        configure: (inout MeshConfiguration) -> Void = { _ in },
        _ body: (TestCluster) async throws -> T
    ) async throws -> T {
        let groups = Dictionary(
            uniqueKeysWithValues: ownThread.map { ($0, MultiThreadedEventLoopGroup(numberOfThreads: 1)) })
        defer { for group in groups.values { group.shutdownGracefully { _ in } } }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            var cluster = TestCluster()
            var seed: MeshAddress?
            for index in 0..<count {
                var configuration = MeshConfiguration(
                    nodeName: "\(prefix)\(index)", seeds: seed.map { [$0] } ?? [], protocolSettings: fastSettings)
                configure(&configuration)
                var logger = Logger(label: "test.node\(index)")
                logger.logLevel = .warning
                let node = try MeshNode(
                    configuration: configuration,
                    eventLoopGroup: groups[index] ?? MultiThreadedEventLoopGroup.singleton,
                    logger: logger)
                let host = TestHost(name: "\(prefix)\(index)")
                cluster.adapters.append(try await node.makeAdapter(host: host))
                cluster.nodes.append(node)
                cluster.hosts.append(host)
                group.addTask { try await node.run() }
                let address = try await node.listeningAddress()
                if seed == nil { seed = address }
            }
            let result: T
            do {
                result = try await body(cluster)
            } catch {
                for node in cluster.nodes { await node.shutdown() }
                try await group.waitForAll()
                throw error
            }
            for node in cluster.nodes { await node.shutdown() }
            try await group.waitForAll()
            return result
        }
    }

    /// Waits until every node counts every other as a live server.
    func formed() async throws -> Bool {
        try await eventually {
            for adapter in adapters where try await adapter.serverCount() != adapters.count { return false }
            return true
        }
    }
}
