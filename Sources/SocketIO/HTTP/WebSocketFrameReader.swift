package import NIOCore
package import NIOWebSocket

/// Client-to-server websocket frames (RFC 6455 §5.2), read from the bytes as they arrive.
///
/// Ours rather than NIO's `WebSocketFrameDecoder` behind a `ByteToMessageHandler`: that pair
/// keeps half a kilobyte of buffers per connection whether or not a byte arrives, and a server
/// holds tens of thousands of idle websockets. Here nothing is kept between reads unless a
/// frame arrived in part.
package enum WebSocketFrameReader {
    package struct Frame: Equatable, Sendable {
        package var fin: Bool
        package var opcode: WebSocketOpcode
        /// Unmasked.
        package var payload: ByteBuffer
    }

    /// Why the connection must close, with the close code RFC 6455 gives it.
    package enum Failure: Error, Equatable {
        /// Reserved bits or opcodes, an unmasked frame, a fragmented or long control frame: 1002.
        case protocolError
        /// A frame longer than the limit: 1009.
        case tooLarge

        package var closeCode: UInt16 {
            switch self {
            case .protocolError: 1002
            case .tooLarge: 1009
            }
        }
    }

    /// Reads the next whole frame from `buffer`, or returns `nil` and leaves `buffer` as it
    /// was when the frame has not fully arrived. A frame declaring more than `maximumPayload`
    /// bytes fails as soon as its header is in, before its payload is buffered.
    package static func read(
        from buffer: inout ByteBuffer, maximumPayload: Int
    ) throws(Failure) -> Frame? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
            let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        guard first & 0x70 == 0, let opcode = WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F),
            isKnown(opcode)
        else { throw .protocolError }
        let fin = first & 0x80 != 0
        // Every frame from a client is masked (§5.1).
        guard second & 0x80 != 0 else { throw .protocolError }

        var offset = start + 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: offset, as: UInt16.self) else { return nil }
            length = Int(extended)
            offset += 2
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: offset, as: UInt64.self) else { return nil }
            guard extended <= UInt64(Int.max) else { throw .tooLarge }
            length = Int(extended)
            offset += 8
        }
        if opcode.isControlOpcode {
            guard fin, length <= 125 else { throw .protocolError }
        }
        guard length <= maximumPayload else { throw .tooLarge }
        guard let key = buffer.getBytes(at: offset, length: 4), buffer.writerIndex - offset - 4 >= length else {
            return nil
        }
        buffer.moveReaderIndex(to: offset + 4)
        var payload = buffer.readSlice(length: length)!
        payload.webSocketUnmask(WebSocketMaskingKey(key)!)
        return Frame(fin: fin, opcode: opcode, payload: payload)
    }

    private static func isKnown(_ opcode: WebSocketOpcode) -> Bool {
        switch opcode {
        case .continuation, .text, .binary, .connectionClose, .ping, .pong: true
        default: false
        }
    }
}
