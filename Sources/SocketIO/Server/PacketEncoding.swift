import NIOCore
import RealtimeAdapter
import SocketIOProtocol

/// Socket.IO packets as Engine.IO messages: the text packet behind the message type "4",
/// then its binary attachments.
enum PacketEncoding {
    static func messages(_ message: SocketIOMessage) -> [OutboundMessage] {
        let (text, attachments) = SocketIOEncoder.encode(message)
        return [.text(engineText(text))] + attachments.map { .binary($0) }
    }

    static func event(namespace: String, _ event: String, _ arguments: [SocketValue], ackID: UInt64? = nil)
        -> SocketIOMessage
    {
        SocketIOMessage(kind: .event, namespace: namespace, id: ackID, data: .array([.string(event)] + arguments))
    }

    /// A broadcast's packet: encoded once, for every recipient on every server.
    static func broadcast(namespace: String, _ event: String, _ arguments: [SocketValue]) -> BroadcastPacket {
        let (text, attachments) = SocketIOEncoder.encode(Self.event(namespace: namespace, event, arguments))
        return BroadcastPacket(engineText(text), attachments: attachments)
    }

    /// The messages of a broadcast's packet.
    static func messages(_ packet: BroadcastPacket) -> [OutboundMessage] {
        [.text(packet.header)] + packet.attachments.map { .binary($0) }
    }

    /// A broadcast's packet with the ack id `id` put in its header (`broadcastWithAck`).
    static func withAckID(_ packet: BroadcastPacket, _ id: UInt64) -> [OutboundMessage]? {
        var header = packet.header
        guard header.readInteger(as: UInt8.self) == UInt8(ascii: "4"),
            let text = header.readString(length: header.readableBytes),
            var decoded = try? SocketIOPacket.decode(text)
        else { return nil }
        decoded.id = id
        return [.text(engineText(decoded.encode()))] + packet.attachments.map { .binary($0) }
    }

    private static func engineText(_ text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(text.utf8.count + 1)
        buffer.writeInteger(UInt8(ascii: "4"))
        buffer.writeString(text)
        return buffer
    }
}
