import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter
import Testing

/// What the application passes in, often straight from a client, never traps or wedges a
/// node: it is refused with a typed error, and the node goes on serving.
@Suite(.timeLimit(.minutes(2))) struct AdapterLimitTests {
    static let longRoom = Room(String(repeating: "r", count: 70_000))

    func code(_ body: () async throws -> Void) async -> AdapterError.Code? {
        do {
            try await body()
            return nil
        } catch let error as AdapterError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func namesTheWireCannotCarryAreRefusedByEveryAdapter() async throws {
        let local = try LocalAdapter(host: TestHost(name: "local"))
        try await TestCluster.with(count: 2, prefix: "limit") { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            for adapter in [local, cluster.adapters[0]] as [any Adapter] {
                #expect(await code { try await adapter.addAll("s", rooms: [Self.longRoom]) } == .invalidArgument)
                #expect(await code { try await adapter.addAll("", rooms: ["ok"]) } == .invalidArgument)
                #expect(
                    await code {
                        try await adapter.broadcast(
                            ByteBuffer(string: "x"), options: BroadcastOptions(rooms: [Self.longRoom]))
                    } == .invalidArgument)
                #expect(
                    await code { try await adapter.addSockets(BroadcastOptions(), rooms: [Self.longRoom]) }
                        == .invalidArgument)
                #expect(try await adapter.socketRooms("s") == nil, "nothing was half applied")
            }
            // The node still serves: a valid join and broadcast go through.
            try await cluster.adapters[1].addAll("b", rooms: ["ok"])
            try await cluster.nodes[0].waitUntilVisible(room: "ok")
            try await cluster.adapters[0].broadcast(
                ByteBuffer(string: "fine"), options: BroadcastOptions(rooms: ["ok"]))
            #expect(await eventually { cluster.hosts[1].delivered["b"] == ["fine"] })
        }
    }

    @Test func aBroadcastLargerThanPeersAcceptIsRefusedAndNothingWaitsBehindIt() async throws {
        try await TestCluster.with(
            count: 2, prefix: "big", configure: { $0.limits.maximumFrameSize = 64 << 10 }
        ) { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            try await cluster.adapters[1].addAll("b", rooms: ["room"])
            try await cluster.adapters[0].addAll("a", rooms: ["room"])
            try await cluster.nodes[0].waitUntilVisible(room: "room")
            let big = BroadcastPacket(ByteBuffer(repeating: 0x61, count: 100 << 10))
            #expect(
                await code { try await cluster.adapters[0].broadcast(big, options: BroadcastOptions(rooms: ["room"])) }
                    == .packetTooLarge)
            // Split over attachments, it is the same size, and refused the same way.
            let split = BroadcastPacket(
                ByteBuffer(repeating: 0x61, count: 40 << 10),
                attachments: [ByteBuffer(repeating: 0x62, count: 40 << 10)])
            #expect(
                await code {
                    try await cluster.adapters[0].broadcast(split, options: BroadcastOptions(rooms: ["room"]))
                }
                    == .packetTooLarge)
            // A local-only broadcast crosses no link: it is not held to the frame limit.
            var local = BroadcastOptions(rooms: ["room"])
            local.flags.local = true
            try await cluster.adapters[0].broadcast(big, options: local)
            try await cluster.adapters[0].broadcast(
                ByteBuffer(string: "after"), options: BroadcastOptions(rooms: ["room"]))
            #expect(
                await eventually { cluster.hosts[1].delivered["b"] == ["after"] }, "the next broadcast is not held up")
            #expect(cluster.hosts[0].delivered["a"]?.count == 2, "the local one and the one after")
            let counters = try await cluster.nodes[1].counters()
            #expect(counters.framesLost == 0 && counters.framesReplayed == 0)
        }
    }

    /// An answer too large for a frame (3,000 sockets' records against a 64 KiB limit) is cut to
    /// what fits and counted; refused by the peer, it would be replayed and refused forever and
    /// hold up every ordered frame behind it.
    @Test func anAnswerLargerThanAFrameIsCutAndNothingWaitsBehindIt() async throws {
        try await TestCluster.with(
            count: 2, prefix: "answer", configure: { $0.limits.maximumFrameSize = 64 << 10 }
        ) { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            for index in 0..<3_000 { try await cluster.adapters[1].addAll(SocketID("s\(index)"), rooms: ["r"]) }
            try await cluster.nodes[0].waitUntilVisible(room: "r")
            let found = try await cluster.adapters[0].fetchSockets(BroadcastOptions(rooms: ["r"]))
            #expect(found.count > 0 && found.count < 3_000, "\(found.count) of 3,000: what fits in the frame")
            #expect(try await cluster.nodes[1].counters().responsesCut == 1)
            try await cluster.adapters[0].broadcast(
                ByteBuffer(string: "after"), options: BroadcastOptions(rooms: ["r"]))
            #expect(await eventually { cluster.hosts[1].delivered.count == 3_000 }, "the next frame is not held up")
            #expect(try await cluster.nodes[0].counters().framesLost == 0)
        }
    }

    @Test func callsAfterShutdownGetTheShutdownCode() async throws {
        var stopped: ClusterAdapter?
        try await TestCluster.with(count: 1, prefix: "stop") { cluster in
            stopped = cluster.adapters[0]
        }
        let adapter = try #require(stopped)
        #expect(await code { try await adapter.addAll("s", rooms: ["r"]) } == .shutdown)
        #expect(
            await code { try await adapter.broadcast(ByteBuffer(string: "x"), options: BroadcastOptions()) }
                == .shutdown)
        #expect(await code { _ = try await adapter.fetchSockets(BroadcastOptions()) } == .shutdown)
        #expect(await code { _ = try await adapter.serverCount() } == .shutdown)
        #expect(await code { try await adapter.serverSideEmit(ByteBuffer(string: "x")) } == .shutdown)
        #expect(
            await code { _ = try await adapter.node.makeAdapter(namespace: "/late", host: TestHost(name: "late")) }
                == .shutdown)
    }

    @Test func contradictingLimitsAreRefusedWhenTheNodeIsMade() throws {
        var small = MeshConfiguration(nodeName: "x")
        small.protocolSettings.replayBytes = 1 << 20
        #expect(throws: MeshConfigurationError.self) { _ = try MeshNode(configuration: small) }
        var hasty = MeshConfiguration(nodeName: "x")
        hasty.protocolSettings.suspicionTimeout = .milliseconds(100)
        let timing = #expect(throws: MeshConfigurationError.self) { _ = try MeshNode(configuration: hasty) }
        #expect(timing?.code == .timing)
        var eager = MeshConfiguration(nodeName: "x")
        eager.protocolSettings.resendInterval = .zero
        let resend = #expect(throws: MeshConfigurationError.self) { _ = try MeshNode(configuration: eager) }
        #expect(resend?.code == .timing)
        var queue = MeshConfiguration(nodeName: "x")
        queue.limits.outboundQueueBytes = queue.limits.maximumFrameSize
        let sizes = #expect(throws: MeshConfigurationError.self) { _ = try MeshNode(configuration: queue) }
        #expect(sizes?.code == .sizes)
        _ = try MeshNode(configuration: MeshConfiguration(nodeName: "defaults"))
    }
}
