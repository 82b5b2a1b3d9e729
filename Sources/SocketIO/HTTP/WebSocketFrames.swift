package import NIOCore
package import NIOWebSocket
package import SocketIOProtocol

/// Server-to-client websocket frames (unmasked), written as plain bytes. The engine writes a
/// broadcast's frame once and hands the same buffer to every websocket client, which NIO's
/// `WebSocketFrameEncoder` cannot do without a header allocation per write.
package enum WebSocketFrames {
    package static func frame(_ opcode: WebSocketOpcode, payload: ByteBuffer) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.readableBytes + 10)
        write(opcode, length: payload.readableBytes, into: &frame)
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }

    package static func frame(_ message: OutboundMessage) -> ByteBuffer {
        switch message {
        case .text(let bytes): frame(.text, payload: bytes)
        case .binary(let bytes): frame(.binary, payload: bytes)
        }
    }

    /// A close frame with a status code.
    package static func close(code: UInt16) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(code)
        return frame(.connectionClose, payload: payload)
    }

    private static func write(_ opcode: WebSocketOpcode, length: Int, into buffer: inout ByteBuffer) {
        // FIN, no extensions, the opcode.
        buffer.writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
        switch length {
        case 0...125: buffer.writeInteger(UInt8(length))
        case 126...0xFFFF:
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }
}
