import Foundation
package import NIOCore
package import SocketIOProtocol

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

    /// Polling's body: messages separated by the record separator, binary as "b" and base64.
    package static func payload(_ messages: some Sequence<OutboundMessage>) -> ByteBuffer {
        var body = ByteBuffer()
        for (index, message) in messages.enumerated() {
            if index > 0 { body.writeInteger(EngineIOPayload.separator) }
            switch message {
            case .text(var bytes): body.writeBuffer(&bytes)
            case .binary(let bytes):
                body.writeInteger(UInt8(ascii: "b"))
                body.writeString(Data(bytes.readableBytesView).base64EncodedString())
            }
        }
        return body
    }
}
