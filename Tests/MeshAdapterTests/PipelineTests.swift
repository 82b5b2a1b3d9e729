import Logging
@_spi(MeshInternals) import MeshCore
import NIOCore
import NIOEmbedded
import NIOTestUtils
import RealtimeAdapter
import Testing

@testable import MeshAdapter

/// The codec and the link's outbound queue on EmbeddedChannel.
@Suite struct PipelineTests {
    static let frames: [MeshMessage] = [
        .heartbeat(Heartbeat(receivedBelow: 1, nextToSend: 2)),
        .volatileBroadcast(BroadcastFrame(rooms: ["r"], except: [], packet: ByteBuffer(string: "payload"))),
        .leaving,
    ]

    @Test func theFrameDecoderSplitsAnyChunkingOfTheStream() throws {
        var stream = ByteBuffer()
        for frame in Self.frames { MeshWire.encode(frame, into: &stream) }
        // Feeds the stream whole, byte by byte and in random chunks, and compares the output.
        var expected: [ByteBuffer] = []
        for frame in Self.frames {
            var encoded = MeshWire.encode(frame)
            encoded.moveReaderIndex(forwardBy: 4)
            expected.append(encoded)
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(stream, expected)],
            decoderFactory: { MeshFrameDecoder(maximumFrameSize: 1 << 20, preambleRead: true) })
    }

    @Test func thePreambleComesFirstThenFrames() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(MeshFrameDecoder(maximumFrameSize: 1 << 20)))
        var bytes = ByteBuffer()
        HandshakeMessage.writePreamble(into: &bytes)
        MeshWire.encode(.leaving, into: &bytes)
        try channel.writeInbound(bytes)
        var preamble = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(preamble.readInteger(as: UInt32.self) == HandshakeMessage.magic)
        #expect(preamble.readInteger(as: UInt16.self) == HandshakeMessage.protocolVersion)
        var frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(try MeshWire.decode(frame: &frame) == .leaving)
    }

    @Test func aLengthOverTheMaximumClosesTheChannelBeforeTheBodyArrives() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(MeshFrameDecoder(maximumFrameSize: 1_024)))
        var bytes = ByteBuffer()
        HandshakeMessage.writePreamble(into: &bytes)
        bytes.writeInteger(UInt32(1_000_000))
        #expect(throws: MeshWireError.self) { try channel.writeInbound(bytes) }
    }

    func makeLink(queueBytes: Int) throws -> (EmbeddedChannel, LinkHandler) {
        let loop = EmbeddedEventLoop()
        let (_, work) = AsyncStream.makeStream(of: HostWork.self)
        let (_, events) = AsyncStream.makeStream(of: MeshEvent.self)
        var configuration = MeshConfiguration(nodeName: "x")
        configuration.limits.outboundQueueBytes = queueBytes
        configuration.limits.maximumFrameSize = max(MeshConfiguration.minimumFrameSize, queueBytes / 2)
        let node = try NodeCore(
            configuration: configuration, loop: loop, logger: Logger(label: "test"), hostWork: work, events: events)
        let link = LinkHandler(node: node, dialedAddress: nil)
        let channel = EmbeddedChannel(handler: link, loop: loop)
        return (channel, link)
    }

    @Test func frameWritesAreCoalescedIntoOneWritePerTick() throws {
        let (channel, link) = try makeLink(queueBytes: 1 << 20)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        _ = try channel.readOutbound(as: ByteBuffer.self)  // preamble and hello
        for _ in 0..<100 { #expect(link.enqueue(.leaving)) }
        (channel.eventLoop as! EmbeddedEventLoop).run()
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(written.readableBytes == 100 * MeshWire.headerSize)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "one write for the whole tick")
    }

    @Test func aSlowPeerFillsTheQueueThenVolatileIsDroppedThenTheLinkCloses() throws {
        let (channel, link) = try makeLink(queueBytes: 10_000)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.isWritable = false
        let packet = ByteBuffer(repeating: 0x41, count: 1_000)
        let volatile = MeshMessage.volatileBroadcast(BroadcastFrame(rooms: ["r"], except: [], packet: packet))
        var accepted = 0
        while link.enqueue(volatile) { accepted += 1 }
        #expect(accepted > 0 && accepted <= 6, "volatile stops at half the queue")
        #expect(channel.isActive, "dropping volatile frames keeps the link")
        let ordered = MeshMessage.ordered(
            OrderedFrame(
                sequence: 1, vector: [], payload: .broadcast(BroadcastFrame(rooms: ["r"], except: [], packet: packet))))
        var more = 0
        while link.enqueue(ordered) { more += 1 }
        #expect(more > 0)
        (channel.eventLoop as! EmbeddedEventLoop).run()
        #expect(!channel.isActive, "past the whole queue the link is closed, to resynchronise")
    }
}
