public import NIOCore

/// The binary frame format: `[length: UInt32][type: UInt8][version: UInt8][body]`, big-endian,
/// where `length` counts every byte after itself.
public enum MeshWire {
    /// The body version this node writes and reads.
    public static let version: UInt8 = 1
    /// Bytes before the body: length, type, version.
    public static let headerSize = 6

    enum MessageType: UInt8 {
        case deltas = 1, snapshot, digest, heartbeat, members, probe, probeReply, leaving
        case ordered, resume, skip, volatileBroadcast
    }

    /// Appends `message` as one complete frame.
    public static func encode(_ message: MeshMessage, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))  // patched below
        buffer.writeInteger(message.wireType.rawValue)
        buffer.writeInteger(version)
        message.writeBody(into: &buffer)
        let length = buffer.writerIndex - start - 4
        buffer.setInteger(UInt32(length), at: start)
    }

    public static func encode(_ message: MeshMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(message, into: &buffer)
        return buffer
    }

    /// Reads one frame from the front of `buffer`: nil when it is not complete yet. A length
    /// over `maximumFrameSize` throws before the body is waited for.
    public static func readFrame(
        from buffer: inout ByteBuffer,
        maximumFrameSize: Int
    ) throws(MeshWireError) -> MeshMessage? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maximumFrameSize else {
            throw MeshWireError(.frameTooLarge, "\(length) > \(maximumFrameSize)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        guard var frame = buffer.readSlice(length: Int(length)) else { return nil }
        return try decode(frame: &frame)
    }

    /// Decodes a frame without its length prefix: type, version and body, all of it.
    public static func decode(frame: inout ByteBuffer) throws(MeshWireError) -> MeshMessage {
        let rawType = try frame.readWire(UInt8.self)
        guard let type = MessageType(rawValue: rawType) else {
            throw MeshWireError(.unknownType, "message type \(rawType)")
        }
        let bodyVersion = try frame.readWire(UInt8.self)
        guard bodyVersion == version else {
            throw MeshWireError(.unsupportedVersion, "body version \(bodyVersion)")
        }
        let message = try MeshMessage.readBody(type, from: &frame)
        guard frame.readableBytes == 0 else {
            throw MeshWireError(.trailingBytes, "\(frame.readableBytes) bytes after \(type)")
        }
        return message
    }
}
