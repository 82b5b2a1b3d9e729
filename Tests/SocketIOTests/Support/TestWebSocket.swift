import NIOCore

/// A websocket client written for tests: it frames (and masks) by hand, so a test can send
/// any frame, and reads frames as they come.
final class TestWebSocket: @unchecked Sendable {
    enum Message: Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case close(UInt16?)
    }

    struct Refused: Error { var status: Int }

    let connection: RawConnection

    private init(connection: RawConnection) { self.connection = connection }

    static func connect(port: Int, uri: String) async throws -> TestWebSocket {
        let connection = try await RawConnection.connect(port: port)
        try await connection.write(
            "GET \(uri) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let head = await connection.read { buffer -> String? in
            guard let end = buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
            let length = end.upperBound - buffer.readerIndex
            return buffer.readString(length: length)
        }
        guard let head, let status = Int(head.split(separator: " ").dropFirst().first ?? "") else {
            throw Refused(status: 0)
        }
        guard status == 101 else {
            await connection.close()
            throw Refused(status: status)
        }
        return TestWebSocket(connection: connection)
    }

    /// Connects to an Engine.IO path and reads the open packet.
    static func engine(port: Int, path: String = "/socket.io/") async throws -> (TestWebSocket, sid: String) {
        let socket = try await connect(port: port, uri: "\(path)?EIO=4&transport=websocket")
        guard case .text(let open)? = await socket.next(), open.hasPrefix("0"),
            let sid = open.split(separator: "\"").dropFirst(3).first
        else { throw Refused(status: 0) }
        return (socket, String(sid))
    }

    func send(text: String) async throws { try await sendFrame(opcode: 0x1, Array(text.utf8)) }
    func send(binary: [UInt8]) async throws { try await sendFrame(opcode: 0x2, binary) }

    func sendFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) async throws {
        try await connection.write(Self.maskedFrame(opcode: opcode, payload, fin: fin))
    }

    /// A frame as a client sends it (masked), with any opcode and FIN bit.
    static func maskedFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeInteger((fin ? 0x80 : 0) | opcode)
        switch payload.count {
        case 0...125: frame.writeInteger(UInt8(0x80) | UInt8(payload.count))
        case 126...0xFFFF:
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(payload.count))
        default:
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(payload.count))
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame.writeBytes(mask)
        frame.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        return frame
    }

    /// The next frame, or nil when the connection ends.
    func next() async -> Message? {
        await connection.read { buffer -> Message? in Self.frame(&buffer) }
    }

    /// The next Engine.IO message that is not a ping (pings are answered), or nil at the end.
    func nextMessage() async throws -> Message? {
        while let message = await next() {
            if message == .text("2") {
                try await send(text: "3")
                continue
            }
            return message
        }
        return nil
    }

    /// Messages until the connection closes (the close frame included).
    func drain() async -> [Message] {
        var all: [Message] = []
        while let message = await next() { all.append(message) }
        return all
    }

    func close() async { await connection.close() }

    private static func frame(_ buffer: inout ByteBuffer) -> Message? {
        let view = buffer.readableBytesView
        guard view.count >= 2 else { return nil }
        let first = view[view.startIndex]
        var length = Int(view[view.startIndex + 1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard view.count >= 4 else { return nil }
            length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self)!)
            offset = 4
        } else if length == 127 {
            guard view.count >= 10 else { return nil }
            length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self)!)
            offset = 10
        }
        guard view.count >= offset + length else { return nil }
        buffer.moveReaderIndex(forwardBy: offset)
        let payload = buffer.readBytes(length: length)!
        switch first & 0x0F {
        case 0x1: return .text(String(decoding: payload, as: UTF8.self))
        case 0x2: return .binary(payload)
        case 0x9: return .ping(payload)
        case 0x8: return .close(payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil)
        default: return .binary(payload)
        }
    }
}
