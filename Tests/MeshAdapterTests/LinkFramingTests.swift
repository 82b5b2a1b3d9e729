import Logging
@_spi(MeshInternals) import MeshCore
import MeshSimulation
import NIOCore
import NIOEmbedded
import RealtimeAdapter
import Testing

@testable import MeshAdapter

/// Two link handlers joined by a byte stream that arrives cut at random places: the link cuts
/// frames out of each read itself, so every cut must leave the handshake and every frame whole.
@Suite struct LinkFramingTests {
    struct Side {
        let node: NodeCore
        let link: LinkHandler
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop
    }

    func makeSide(_ name: String, dialed: MeshAddress?) throws -> Side {
        let loop = EmbeddedEventLoop()
        let (_, work) = AsyncStream.makeStream(of: HostWork.self)
        let (_, events) = AsyncStream.makeStream(of: MeshEvent.self)
        let node = try NodeCore(
            configuration: MeshConfiguration(nodeName: name), loop: loop, logger: Logger(label: "test"),
            hostWork: work, events: events)
        let link = LinkHandler(node: node, dialedAddress: dialed)
        let channel = EmbeddedChannel(handler: link, loop: loop)
        return Side(node: node, link: link, channel: channel, loop: loop)
    }

    /// Moves everything each side wrote to the other, in chunks of 1 to `maximumChunk` bytes,
    /// until neither writes more.
    func pump(_ a: Side, _ b: Side, maximumChunk: Int, using generator: inout some RandomNumberGenerator) throws {
        for _ in 0..<10_000 {
            a.loop.run()
            b.loop.run()
            var moved = false
            for (from, to) in [(a, b), (b, a)] {
                while var bytes = try from.channel.readOutbound(as: ByteBuffer.self) {
                    moved = true
                    while bytes.readableBytes > 0 {
                        let length = min(bytes.readableBytes, Int.random(in: 1...maximumChunk, using: &generator))
                        try to.channel.writeInbound(bytes.readSlice(length: length)!)
                    }
                }
            }
            if !moved { return }
        }
        Issue.record("the two sides never went quiet")
    }

    /// Seeded, so that a failure replays: the seed is in the test's arguments.
    @Test(arguments: [(1, 11), (7, 12), (64, 13), (4_096, 14)] as [(Int, UInt64)])
    func framesCutAnywhereArriveWhole(maximumChunk: Int, seed: UInt64) throws {
        var generator = SimulationRandom(seed: seed)
        let a = try makeSide("a", dialed: MeshAddress(host: "127.0.0.1", port: 1))
        let b = try makeSide("b", dialed: nil)
        try a.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try b.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try pump(a, b, maximumChunk: maximumChunk, using: &generator)
        #expect(a.node.instance.isLinked(b.node.id))
        #expect(b.node.instance.isLinked(a.node.id))

        // 300 joins, each its own deltas frame: b must see every room, in any cutting.
        for index in 0..<300 {
            a.node.run { instance, actions, now in
                instance.join(SocketID("s\(index)"), rooms: [Room("room-\(index)")], now: now, actions: &actions)
            }
        }
        try pump(a, b, maximumChunk: maximumChunk, using: &generator)
        for index in 0..<300 {
            #expect(b.node.instance.directory.nodes(withMembersIn: [Room("room-\(index)")]) == [a.node.id])
        }
        #expect(a.channel.isActive && b.channel.isActive)
    }
}
