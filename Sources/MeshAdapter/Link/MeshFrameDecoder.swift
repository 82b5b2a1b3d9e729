import MeshCore
import NIOCore

/// Splits the byte stream into the preamble (its first 6 bytes) and then frames, each without
/// its length prefix. Both come out as `ByteBuffer`s, which cross the pipeline without the
/// dynamic cast another type would cost per frame; the link knows the first is the preamble.
/// A length prefix over the maximum is refused as soon as it is read, before anything is
/// buffered for it.
struct MeshFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maximumFrameSize: Int
    private var preambleRead = false

    /// `preambleRead` starts past the preamble (for tests of the framing alone).
    init(maximumFrameSize: Int, preambleRead: Bool = false) {
        self.maximumFrameSize = maximumFrameSize
        self.preambleRead = preambleRead
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        if !preambleRead {
            guard let preamble = buffer.readSlice(length: HandshakeMessage.preambleSize) else { return nil }
            preambleRead = true
            return preamble
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maximumFrameSize else {
            throw MeshWireError(.frameTooLarge, "\(length) > \(maximumFrameSize)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
