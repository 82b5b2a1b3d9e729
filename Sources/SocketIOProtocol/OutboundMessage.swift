import Foundation
package import NIOCore

/// One Engine.IO message on its way to a client, in the form every transport writes: the
/// packet's text (type digit first), or binary bytes. A broadcast is turned into these once,
/// for all its recipients.
package enum OutboundMessage: Sendable {
    case text(ByteBuffer)
    case binary(ByteBuffer)

    package init(_ packet: EngineIOPacket) {
        if case .binaryMessage(let bytes) = packet {
            self = .binary(bytes)
        } else {
            var buffer = ByteBuffer()
            packet.encodeText(into: &buffer)
            self = .text(buffer)
        }
    }

    package var byteCount: Int {
        switch self {
        case .text(let bytes), .binary(let bytes): bytes.readableBytes
        }
    }

    /// A v3 client's form of the message on a websocket: a binary message starts with its
    /// type byte.
    package var v3WebSocketForm: OutboundMessage {
        guard case .binary(let bytes) = self else { return self }
        var typed = ByteBuffer()
        typed.reserveCapacity(bytes.readableBytes + 1)
        typed.writeInteger(EngineIOPacket.Kind.message.rawValue)
        typed.writeImmutableBuffer(bytes)
        return .binary(typed)
    }

    /// A long-polling response body: text, or for a v3 client binary (`application/octet-stream`).
    package struct PollingBody: Sendable {
        package var bytes: ByteBuffer
        package var isBinary: Bool
    }

    /// The body of a poll that answers with `messages`, in the client's version of the protocol.
    /// `base64`: a v3 client that asked for base64 (`b64` in its query) instead of binary bodies.
    package static func pollingBody(
        _ messages: some Collection<OutboundMessage>, version: EngineIOVersion, base64: Bool
    ) -> PollingBody {
        switch version {
        case .v4: PollingBody(bytes: payload(messages), isBinary: false)
        case .v3: payloadV3(messages, base64: base64)
        }
    }

    /// Engine.IO v4: messages separated by the record separator, binary as "b" and base64.
    package static func payload(_ messages: some Sequence<OutboundMessage>) -> ByteBuffer {
        var body = ByteBuffer()
        for (index, message) in messages.enumerated() {
            if index > 0 { body.writeInteger(EngineIOPayload.separator) }
            switch message {
            case .text(let bytes): body.writeImmutableBuffer(bytes)
            case .binary(let bytes):
                body.writeInteger(UInt8(ascii: "b"))
                body.writeString(Data(bytes.readableBytesView).base64EncodedString())
            }
        }
        return body
    }

    /// Engine.IO v3, as engine.io's v3 parser writes it: text (`<length>:<packet>` each, the
    /// length in UTF-16 code units, binary as "b4" and base64) unless the client takes binary
    /// and a binary message is among them; then binary (each packet: 0 for text or 1 for
    /// binary, its length in bytes as one byte per decimal digit, 0xFF, the packet, a binary
    /// one starting with its type byte).
    package static func payloadV3(_ messages: some Collection<OutboundMessage>, base64: Bool) -> PollingBody {
        var body = ByteBuffer()
        let binary = !base64 && messages.contains { if case .binary = $0 { true } else { false } }
        if binary {
            for message in messages {
                switch message {
                case .text(let bytes):
                    writeBinaryHeader(marker: 0, length: bytes.readableBytes, into: &body)
                    body.writeImmutableBuffer(bytes)
                case .binary(let bytes):
                    writeBinaryHeader(marker: 1, length: bytes.readableBytes + 1, into: &body)
                    body.writeInteger(EngineIOPacket.Kind.message.rawValue)
                    body.writeImmutableBuffer(bytes)
                }
            }
        } else {
            if messages.isEmpty { body.writeString("0:") }
            for message in messages {
                switch message {
                case .text(let bytes):
                    body.writeString("\(utf16Count(bytes)):")
                    body.writeImmutableBuffer(bytes)
                case .binary(let bytes):
                    let encoded = "b4" + Data(bytes.readableBytesView).base64EncodedString()
                    body.writeString("\(encoded.utf8.count):")
                    body.writeString(encoded)
                }
            }
        }
        return PollingBody(bytes: body, isBinary: binary)
    }

    private static func writeBinaryHeader(marker: UInt8, length: Int, into body: inout ByteBuffer) {
        body.writeInteger(marker)
        for digit in String(length).utf8 { body.writeInteger(digit - UInt8(ascii: "0")) }
        body.writeInteger(UInt8(0xFF))
    }

    /// The UTF-16 length of valid UTF-8 text: one unit per scalar, two for those past U+FFFF.
    static func utf16Count(_ bytes: ByteBuffer) -> Int {
        bytes.readableBytesView.reduce(0) { count, byte in
            count + (byte & 0xC0 == 0x80 ? 0 : 1) + (byte >= 0xF0 ? 1 : 0)
        }
    }
}
