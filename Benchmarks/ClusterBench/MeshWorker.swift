import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter

/// A mesh node whose sockets are counters.
final class MeshBenchHost: SocketHost {
    let stats: ReceiveStats
    init(stats: ReceiveStats) { self.stats = stats }

    func deliver(_ delivery: Delivery, to sockets: [SocketID]) {
        stats.record(sentAt: BenchPacket.sentAt(delivery.packet.header), recipients: sockets.count)
    }

    func deliverWithAck(_ packet: BroadcastPacket, to sockets: [SocketID], timeout: Duration) async
        -> [SocketID: ByteBuffer]
    {
        stats.record(sentAt: BenchPacket.sentAt(packet.header), recipients: sockets.count)
        return [:]
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {}
}

struct MeshSystem: BenchSystem {
    let node: MeshNode
    let adapter: ClusterAdapter

    func join(_ socket: SocketID, rooms: Set<Room>) async throws { try await adapter.addAll(socket, rooms: rooms) }

    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws {
        try await adapter.broadcast(packet, options: BroadcastOptions(rooms: rooms))
    }

    var loop: any EventLoop { node.eventLoop }

    func broadcastNow(_ packet: ByteBuffer, rooms: Set<Room>) throws {
        try adapter.broadcastNow(BroadcastPacket(packet), options: BroadcastOptions(rooms: rooms))
    }

    func pace() async throws {
        while try await node.outboundBacklog() > 4 << 20 { try await Task.sleep(for: .microseconds(200)) }
    }

    func trafficBytes() async throws -> Int { try await node.trafficBytes().written }
    func watch(_ room: Room) async throws { try await node.waitUntilVisible(room: room) }
    func serverCount() async throws -> Int { try await adapter.serverCount() }
}
