package import NIOCore

/// A decoded Socket.IO packet: its header and its data, with binary attachments in place.
package struct SocketIOMessage: Equatable, Sendable {
    package var kind: SocketIOPacket.Kind
    package var namespace: String
    package var id: UInt64?
    /// For events and acks, the arguments (an event's first is its name); for a connect, its
    /// auth object; for a connect error, its object or message.
    package var data: SocketValue?

    package init(kind: SocketIOPacket.Kind, namespace: String = "/", id: UInt64? = nil, data: SocketValue? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.id = id
        self.data = data
    }
}

/// Turns one client's Engine.IO messages into Socket.IO packets: a text message is a packet,
/// unless it announced attachments, which are then the next binary messages. Anything out of
/// that order, or of a shape its type does not allow, is refused as socket.io-parser refuses
/// it; the connection is then closed by the caller.
package struct SocketIODecoder: Sendable {
    package var limits: SocketIOPacket.Limits
    package var maximumDepth: Int
    private var pending: (packet: SocketIOPacket, data: SocketValue?, attachments: [ByteBuffer])?

    package init(limits: SocketIOPacket.Limits = .init(), maximumDepth: Int = SocketValue.defaultMaximumDepth) {
        self.limits = limits
        self.maximumDepth = maximumDepth
    }

    /// Whether a binary packet is still waiting for attachments.
    package var isAwaitingAttachments: Bool { pending != nil }

    /// The packet a text message completes; nil when it announced attachments still to come.
    package mutating func receive(text: String) throws(ProtocolError) -> SocketIOMessage? {
        guard pending == nil else {
            throw ProtocolError(.invalidAttachments, "a text packet while attachments were awaited")
        }
        let packet = try SocketIOPacket.decode(text, limits: limits)
        let data = try packet.data.map { text throws(ProtocolError) in
            try SocketValue.parse(json: text, maximumDepth: maximumDepth)
        }
        guard packet.kind.isBinary, packet.attachments > 0 else { return try Self.message(packet, data) }
        pending = (packet, data, [])
        return nil
    }

    /// The packet a binary message completes; nil while more attachments are due.
    package mutating func receive(binary: ByteBuffer) throws(ProtocolError) -> SocketIOMessage? {
        guard var waiting = pending else {
            throw ProtocolError(.invalidAttachments, "an attachment no packet announced")
        }
        waiting.attachments.append(binary)
        guard waiting.attachments.count == waiting.packet.attachments else {
            pending = waiting
            return nil
        }
        pending = nil
        return try Self.message(waiting.packet, waiting.data?.reconstruct(waiting.attachments))
    }

    private static func message(_ packet: SocketIOPacket, _ data: SocketValue?) throws(ProtocolError) -> SocketIOMessage
    {
        let valid: Bool
        switch packet.kind {
        case .connect:
            valid = if case .object? = data { true } else { data == nil }
        case .disconnect:
            valid = data == nil
        case .connectError:
            switch data {
            case .object?, .string?: valid = true
            default: valid = false
            }
        case .event, .binaryEvent:
            if case .array(let items)? = data, case .string? = items.first { valid = true } else { valid = false }
        case .ack, .binaryAck:
            if case .array? = data { valid = packet.id != nil } else { valid = false }
        }
        guard valid else { throw ProtocolError(.invalidPayload, "\(packet.kind) with data \(data?.json ?? "none")") }
        let kind: SocketIOPacket.Kind =
            switch packet.kind {
            case .binaryEvent: .event
            case .binaryAck: .ack
            default: packet.kind
            }
        return SocketIOMessage(kind: kind, namespace: packet.namespace, id: packet.id, data: data)
    }
}

/// The other way: a packet's text and its attachments, ready for Engine.IO. A value with
/// binary inside goes as a binary event or ack.
package enum SocketIOEncoder {
    package static func encode(_ message: SocketIOMessage) -> (text: String, attachments: [ByteBuffer]) {
        guard let data = message.data, data.containsBinary else {
            let packet = SocketIOPacket(
                kind: message.kind, namespace: message.namespace, id: message.id, data: message.data?.json)
            return (packet.encode(), [])
        }
        let (shape, attachments) = data.deconstruct()
        let kind: SocketIOPacket.Kind = message.kind == .ack ? .binaryAck : .binaryEvent
        let packet = SocketIOPacket(
            kind: kind, namespace: message.namespace, id: message.id, attachments: attachments.count, data: shape.json)
        return (packet.encode(), attachments)
    }
}
