import MeshCore
import NIOCore

/// What arrives on a connection: first the preamble, then length-prefixed frames.
enum MeshInbound: Equatable {
    case preamble(magic: UInt32, version: UInt16)
    /// One frame without its length prefix: type, version and body.
    case frame(ByteBuffer)
}

/// Splits the byte stream into the preamble and frames. A length prefix over the maximum is
/// refused as soon as it is read, before anything is buffered for it.
struct MeshFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = MeshInbound

    let maximumFrameSize: Int
    private var preambleRead = false

    /// `preambleRead` starts past the preamble (for tests of the framing alone).
    init(maximumFrameSize: Int, preambleRead: Bool = false) {
        self.maximumFrameSize = maximumFrameSize
        self.preambleRead = preambleRead
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> MeshInbound? {
        if !preambleRead {
            guard let magic = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
                let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt16.self)
            else { return nil }
            buffer.moveReaderIndex(forwardBy: HandshakeMessage.preambleSize)
            preambleRead = true
            return .preamble(magic: magic, version: version)
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maximumFrameSize else {
            throw MeshWireError(.frameTooLarge, "\(length) > \(maximumFrameSize)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length)).map(MeshInbound.frame)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MeshInbound? {
        try decode(buffer: &buffer)
    }
}
