import NIOConcurrencyHelpers
import NIOCore
import RealtimeAdapter
import SocketIOProtocol

/// The namespace's side of its adapter: it writes the broadcasts the adapter routes here to
/// the local sockets, answers `fetchSockets` and `serverSideEmit`.
///
/// `deliver` encodes the packet's websocket frames once, then hands each event loop its
/// recipients in one task: no hop, no allocation per recipient.
final class NamespaceHost: SocketHost, @unchecked Sendable {
    /// Set once, before the adapter exists; the namespace owns its host.
    weak var namespace: Namespace?

    private func sockets(_ ids: [SocketID]) -> [Socket] {
        guard let namespace else { return [] }
        return namespace.localSockets.withLockedValue { table in ids.compactMap { table[$0] } }
    }

    func deliver(_ delivery: Delivery, to sockets: [SocketID]) {
        let recipients = self.sockets(sockets)
        guard !recipients.isEmpty else { return }
        let messages = PacketEncoding.messages(delivery.packet)
        let frames = messages.map(WebSocketFrames.frame)
        let volatile = delivery.volatile
        var groups: [(loop: any EventLoop, clients: [SocketIOClient])] = []
        for socket in recipients {
            let loop = socket.client.loop
            if let index = groups.firstIndex(where: { $0.loop === loop }) {
                groups[index].clients.append(socket.client)
            } else {
                groups.append((loop, [socket.client]))
            }
        }
        for (loop, clients) in groups {
            if loop.inEventLoop {
                for client in clients { client.sendPrepared(messages, frames: frames, volatile: volatile) }
            } else {
                loop.execute {
                    for client in clients { client.sendPrepared(messages, frames: frames, volatile: volatile) }
                }
            }
        }
    }

    func deliverWithAck(_ packet: BroadcastPacket, to sockets: [SocketID], timeout: Duration) async -> [SocketID:
        ByteBuffer]
    {
        let recipients = self.sockets(sockets)
        return await withTaskGroup(of: (SocketID, ByteBuffer?).self) { group in
            for socket in recipients {
                group.addTask {
                    do {
                        let arguments = try await socket.client.sendWithAck(
                            namespace: socket.namespace.name, timeout: timeout
                        ) { id in PacketEncoding.withAckID(packet, id) ?? [] }
                        return (socket.id, ByteBuffer(string: SocketValue.array(arguments).json))
                    } catch {
                        return (socket.id, nil)
                    }
                }
            }
            var answers: [SocketID: ByteBuffer] = [:]
            for await (id, answer) in group { answers[id] = answer }
            return answers
        }
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {
        for socket in self.sockets(sockets) { socket.disconnect(close: closeTransport) }
    }

    func details(of socket: SocketID) -> ByteBuffer? {
        guard let socket = sockets([socket]).first else { return nil }
        let details: SocketValue = ["handshake": socket.handshake.value, "data": socket.data]
        return ByteBuffer(string: details.json)
    }

    func receiveServerSideEmit(_ packet: ByteBuffer, from server: String) async -> ByteBuffer? {
        guard case .array(let items)? = try? SocketValue(json: String(buffer: packet)),
            case .string(let event)? = items.first, let handler = namespace?.serverSideHandler(event)
        else { return nil }
        let reply = await handler(Array(items.dropFirst()))
        return reply.map { ByteBuffer(string: $0.json) }
    }
}
