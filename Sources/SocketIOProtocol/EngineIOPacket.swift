package import NIOCore

/// One Engine.IO v4 packet: a type and, for most types, a text payload; a message can also be
/// binary. On a websocket each packet is one frame (a binary frame is a binary message, with
/// no type byte); on long-polling, packets are joined into an `EngineIOPayload`.
package enum EngineIOPacket: Equatable, Sendable {
    /// The handshake, a JSON object (`sid`, `upgrades`, `pingInterval`, `pingTimeout`,
    /// `maxPayload`).
    case open(String)
    case close
    /// The server's heartbeat; with "probe", the client's upgrade probe.
    case ping(String)
    case pong(String)
    case message(String)
    case binaryMessage(ByteBuffer)
    case upgrade
    case noop

    /// The protocol's digit for each type.
    package enum Kind: UInt8, Sendable {
        case open = 0, close, ping, pong, message, upgrade, noop
    }

    package var kind: Kind {
        switch self {
        case .open: .open
        case .close: .close
        case .ping: .ping
        case .pong: .pong
        case .message, .binaryMessage: .message
        case .upgrade: .upgrade
        case .noop: .noop
        }
    }

    /// The packet of one websocket text frame.
    package static func decode(text bytes: ByteBuffer) throws(ProtocolError) -> EngineIOPacket {
        var bytes = bytes
        guard let digit = bytes.readInteger(as: UInt8.self) else { throw ProtocolError(.empty, "no packet type") }
        guard digit >= UInt8(ascii: "0"), let kind = Kind(rawValue: digit &- UInt8(ascii: "0")) else {
            throw ProtocolError(.unknownType, "packet type \(digit)")
        }
        guard let payload = bytes.readValidatedString(length: bytes.readableBytes) else {
            throw ProtocolError(.invalidText, "packet payload is not UTF-8")
        }
        switch kind {
        case .open: return .open(payload)
        case .close: return .close
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        case .message: return .message(payload)
        case .upgrade: return .upgrade
        case .noop: return .noop
        }
    }

    /// The text form: the type digit, then the payload. A binary message has none (it goes in
    /// a binary frame as it is, or in base64 in a polling payload).
    package func encodeText(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "0") + kind.rawValue)
        switch self {
        case .open(let text), .ping(let text), .pong(let text), .message(let text): buffer.writeString(text)
        case .close, .upgrade, .noop, .binaryMessage: break
        }
    }

    /// The packet of a v3 client's binary websocket frame or binary payload part: its type
    /// byte (a message's, 4), then the message's bytes.
    package static func decodeV3(binary bytes: ByteBuffer) throws(ProtocolError) -> EngineIOPacket {
        var bytes = bytes
        guard let type = bytes.readInteger(as: UInt8.self) else { throw ProtocolError(.empty, "no packet type") }
        guard type == Kind.message.rawValue else { throw ProtocolError(.unknownType, "binary packet of type \(type)") }
        return .binaryMessage(bytes)
    }
}

extension ByteBuffer {
    /// `readString(length:)` that refuses what is not UTF-8 instead of repairing it.
    mutating func readValidatedString(length: Int) -> String? {
        guard let view = readSlice(length: length) else { return nil }
        return view.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) }
    }
}
