import NIOCore

/// What each frame read from a link is, as far as the link has got: first the preamble, then
/// handshake messages until the handshake is done, then mesh frames for the node, among which
/// a refusal may still come (the peer gave up just as this side finished). The link's decode
/// choice, apart from the channel so that it can be tested alone; `LinkHandler` only switches
/// over what it returns.
struct LinkInbound: Sendable {
    enum Frame: Equatable, Sendable {
        /// The stream's first six bytes.
        case preamble(magic: UInt32, version: UInt16)
        /// A handshake message, before the handshake is done.
        case handshake(HandshakeMessage)
        /// A handshake frame that does not decode: the connection is refused with `error`.
        case malformedHandshake(HandshakeError)
        /// The peer's refusal after this side finished the handshake (nil when it does not
        /// decode either): the link closes.
        case lateRefusal(HandshakeMessage?)
        /// A frame for the node, as read (without its length).
        case mesh(ByteBuffer)
    }

    private var preambleSeen = false

    /// Classifies the next frame `MeshFrameDecoder` cut from the stream.
    mutating func classify(_ frame: ByteBuffer, established: Bool) -> Frame {
        var frame = frame
        if !preambleSeen {
            preambleSeen = true
            let magic = frame.readInteger(as: UInt32.self) ?? 0
            let version = frame.readInteger(as: UInt16.self) ?? 0
            return .preamble(magic: magic, version: version)
        }
        if established {
            guard frame.getInteger(at: frame.readerIndex, as: UInt8.self) == HandshakeMessage.refuseType else {
                return .mesh(frame)
            }
            return .lateRefusal(try? HandshakeMessage.decode(&frame))
        }
        do {
            return .handshake(try HandshakeMessage.decode(&frame))
        } catch {
            return .malformedHandshake(error)
        }
    }
}
