import NIOConcurrencyHelpers
import NIOCore
import RealtimeAdapter

/// A host that records what the adapter asks of it; every socket acknowledges with its own id
/// unless it is listed as silent.
final class RecordingHost: SocketHost {
    private let state = NIOLockedValueBox(State())

    struct State {
        var delivered: [SocketID: [String]] = [:]
        var deliveries: [Delivery] = []
        var disconnected: [(SocketID, Bool)] = []
        var silent: Set<SocketID> = []
    }

    func deliver(_ delivery: Delivery, to sockets: [SocketID]) {
        let text = String(buffer: delivery.packet.header)
        state.withLockedValue { state in
            state.deliveries.append(delivery)
            for socket in sockets { state.delivered[socket, default: []].append(text) }
        }
    }

    func deliverWithAck(_ packet: BroadcastPacket, to sockets: [SocketID], timeout: Duration) async
        -> [SocketID: ByteBuffer]
    {
        deliver(Delivery(packet: packet, id: BroadcastID(origin: "ack", incarnation: 0, sequence: 0)), to: sockets)
        let silent = state.withLockedValue { $0.silent }
        var acks: [SocketID: ByteBuffer] = [:]
        for socket in sockets where !silent.contains(socket) { acks[socket] = ByteBuffer(string: socket.rawValue) }
        return acks
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {
        state.withLockedValue { state in
            for socket in sockets { state.disconnected.append((socket, closeTransport)) }
        }
    }

    func details(of socket: SocketID) -> ByteBuffer? { ByteBuffer(string: "details-\(socket)") }

    var delivered: [SocketID: [String]] { state.withLockedValue { $0.delivered } }
    var deliveries: [Delivery] { state.withLockedValue { $0.deliveries } }
    var disconnected: [(SocketID, Bool)] { state.withLockedValue { $0.disconnected } }
    func makeSilent(_ socket: SocketID) { state.withLockedValue { _ = $0.silent.insert(socket) } }
}
