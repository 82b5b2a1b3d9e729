import Foundation
package import NIOCore

/// The body of an Engine.IO v4 long-polling request or response: packets in their text form
/// separated by the record separator (0x1E), a binary message as "b" and its base64.
package enum EngineIOPayload {
    package static let separator = UInt8(0x1E)

    /// The packets of one body; at most `maximumBytes` are read (the server's
    /// `maxHttpBufferSize`), and a body over it is refused whole.
    package static func decode(_ body: ByteBuffer, maximumBytes: Int) throws(ProtocolError) -> [EngineIOPacket] {
        guard body.readableBytes <= maximumBytes else {
            throw ProtocolError(.tooLarge, "payload of \(body.readableBytes) bytes > \(maximumBytes)")
        }
        guard body.readableBytes > 0 else { throw ProtocolError(.empty, "empty payload") }
        var packets: [EngineIOPacket] = []
        var rest = body
        while true {
            let end = rest.readableBytesView.firstIndex(of: separator).map { $0 - rest.readerIndex }
            let part = rest.readSlice(length: end ?? rest.readableBytes)!
            packets.append(try decodePart(part))
            guard end != nil else { return packets }
            rest.moveReaderIndex(forwardBy: 1)
        }
    }

    private static func decodePart(_ part: ByteBuffer) throws(ProtocolError) -> EngineIOPacket {
        guard part.readableBytesView.first == UInt8(ascii: "b") else { return try EngineIOPacket.decode(text: part) }
        let encoded = part.readableBytesView.dropFirst()
        guard let data = Data(base64Encoded: Data(encoded)) else {
            throw ProtocolError(.invalidBase64, "binary packet of \(encoded.count) bytes")
        }
        return .binaryMessage(ByteBuffer(bytes: data))
    }

    /// One body holding `packets`, in order.
    package static func encode(_ packets: [EngineIOPacket], into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(OutboundMessage.payload(packets.map(OutboundMessage.init)))
    }
}
