@_spi(MeshInternals) import MeshCore
import NIOCore

/// Splits the byte stream into the preamble (its first 6 bytes) and then frames, each without
/// its length prefix, as slices of the bytes read. `LinkHandler` drives it on each read; it is
/// also a `ByteToMessageDecoder`, which is how its tests feed it every chunking of a stream.
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

    /// How many more bytes `buffer` needs before the preamble or the next frame's length, or
    /// once the length is there its whole frame, is complete (0 when it is).
    func bytesMissing(in buffer: ByteBuffer) -> Int {
        guard preambleRead else { return max(0, HandshakeMessage.preambleSize - buffer.readableBytes) }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return 4 - buffer.readableBytes
        }
        return max(0, 4 + Int(length) - buffer.readableBytes)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
