@_spi(MeshInternals) import MeshCore
import NIOCore
import Testing

@testable import MeshAdapter

/// The link's decode choice alone: what each frame is, for every stage of a link.
@Suite struct LinkInboundTests {
    /// `message` as `MeshFrameDecoder` hands it over: without its length.
    func frame(_ message: HandshakeMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        message.encode(into: &buffer)
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer
    }

    func preamble(version: UInt16 = HandshakeMessage.protocolVersion) -> ByteBuffer {
        var buffer = ByteBuffer()
        HandshakeMessage.writePreamble(into: &buffer, version: version)
        return buffer
    }

    let hello = HandshakeMessage.hello(
        .init(
            cluster: "c", node: NodeID(name: "b", incarnation: 7), address: "127.0.0.1:1", nonce: [1, 2, 3],
            usesSecret: false))

    @Test func theFirstFrameIsThePreambleWhateverItHolds() {
        var inbound = LinkInbound()
        #expect(inbound.classify(preamble(version: 9), established: false) == .preamble(magic: 0x4D45_5348, version: 9))
        var garbage = LinkInbound()
        #expect(
            garbage.classify(ByteBuffer(bytes: [1, 2, 3, 4, 5, 6]), established: false)
                == .preamble(magic: 0x0102_0304, version: 0x0506))
    }

    @Test func beforeTheHandshakeIsDoneFramesAreHandshakeMessagesOrARefusal() {
        var inbound = LinkInbound()
        _ = inbound.classify(preamble(), established: false)
        #expect(inbound.classify(frame(hello), established: false) == .handshake(hello))
        #expect(inbound.classify(frame(.auth(mac: [9, 9])), established: false) == .handshake(.auth(mac: [9, 9])))
        let refusal = HandshakeMessage.refuse(reason: "no")
        #expect(inbound.classify(frame(refusal), established: false) == .handshake(refusal))
        // A mesh frame before the handshake finished: refused, typed.
        var heartbeat = ByteBuffer()
        MeshWire.encode(.heartbeat(Heartbeat(receivedBelow: 1, nextToSend: 1)), into: &heartbeat)
        heartbeat.moveReaderIndex(forwardBy: 4)
        guard case .malformedHandshake(let error) = inbound.classify(heartbeat, established: false) else {
            Issue.record("a mesh frame before the handshake must be refused")
            return
        }
        #expect(error.code == .protocolViolation)
        guard case .malformedHandshake(let empty) = inbound.classify(ByteBuffer(), established: false) else {
            Issue.record("an empty frame must be refused")
            return
        }
        #expect(empty.code == .protocolViolation)
    }

    @Test func afterTheHandshakeFramesGoToTheNodeUntouchedExceptALateRefusal() {
        var inbound = LinkInbound()
        _ = inbound.classify(preamble(), established: false)
        var heartbeat = ByteBuffer()
        MeshWire.encode(.heartbeat(Heartbeat(receivedBelow: 3, nextToSend: 4)), into: &heartbeat)
        heartbeat.moveReaderIndex(forwardBy: 4)
        #expect(inbound.classify(heartbeat, established: true) == .mesh(heartbeat))
        // Even bytes that decode as nothing go to the node, which refuses them with its own error.
        #expect(
            inbound.classify(ByteBuffer(bytes: [0xEE, 1]), established: true) == .mesh(ByteBuffer(bytes: [0xEE, 1])))
        let refusal = HandshakeMessage.refuse(reason: "gave up")
        #expect(inbound.classify(frame(refusal), established: true) == .lateRefusal(refusal))
        // A refusal's type byte and nothing that decodes after it: still the end of the link.
        #expect(
            inbound.classify(ByteBuffer(bytes: [HandshakeMessage.refuseType]), established: true) == .lateRefusal(nil))
    }
}
