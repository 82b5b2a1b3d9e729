import Logging
import MeshAdapter
import MeshCore
import NIOCore
import RealtimeAdapter

/// A mesh node whose sockets are counters.
final class MeshBenchHost: SocketHost {
    let stats: ReceiveStats
    init(stats: ReceiveStats) { self.stats = stats }

    func deliver(_ packet: ByteBuffer, to sockets: [SocketID]) {
        stats.record(sentAt: BenchPacket.sentAt(packet), recipients: sockets.count)
    }

    func deliverWithAck(_ packet: ByteBuffer, to sockets: [SocketID], timeout: Duration) async -> [SocketID: ByteBuffer]
    {
        deliver(packet, to: sockets)
        return [:]
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {}
}

struct MeshSystem: BenchSystem {
    let node: MeshNode
    let adapter: MeshAdapter

    func join(_ socket: SocketID, rooms: Set<Room>) async throws { await adapter.addAll(socket, rooms: rooms) }

    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws {
        await adapter.broadcast(packet, options: BroadcastOptions(rooms: rooms))
    }

    var loop: any EventLoop { node.eventLoop }

    func broadcastNow(_ packet: ByteBuffer, rooms: Set<Room>) {
        adapter.broadcastNow(packet, options: BroadcastOptions(rooms: rooms))
    }

    func pace() async throws {
        while await node.outboundBacklog() > 4 << 20 { try await Task.sleep(for: .microseconds(200)) }
    }

    func trafficBytes() async -> Int { await node.trafficBytes().written }
    func watch(_ room: Room) async throws { try await node.waitUntilVisible(room: room) }
    func serverCount() async -> Int { await adapter.serverCount() }
}
