import NIOCore
import NIOPosix
import RealtimeAdapter

/// The floor under every system in the latency run: the sender writes each packet straight
/// to the two other processes over loopback TCP, length-prefixed, with no protocol, rooms or
/// batching. What this path shows at the tail, the machine does (its scheduler, its virtual
/// CPUs), not the mesh or Redis; it is run in the same alternating rounds as they are.
struct RawSystem: BenchSystem {
    let loop: any EventLoop
    let peers: [any Channel]

    /// Listens for the sender (returning the port) and connects to `peers`' ports.
    static func start(peers ports: [Int], stats: ReceiveStats) async throws -> (RawSystem, port: Int) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let server = try await ServerBootstrap(group: loop)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixed()))
                    try channel.pipeline.syncOperations.addHandler(RawReceiver(stats: stats))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        var peers: [any Channel] = []
        for port in ports {
            peers.append(
                try await ClientBootstrap(group: loop).channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: "127.0.0.1", port: port).get())
        }
        return (RawSystem(loop: loop, peers: peers), server.localAddress?.port ?? 0)
    }

    func join(_ socket: SocketID, rooms: Set<Room>) async throws {}

    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws {
        try await loop.submit { self.broadcastNow(packet, rooms: rooms) }.get()
    }

    func broadcastNow(_ packet: ByteBuffer, rooms: Set<Room>) {
        for peer in peers {
            var frame = peer.allocator.buffer(capacity: 4 + packet.readableBytes)
            frame.writeInteger(UInt32(packet.readableBytes))
            frame.writeImmutableBuffer(packet)
            peer.writeAndFlush(frame, promise: nil)
        }
    }

    func pace() async throws {}
    func trafficBytes() async -> Int { 0 }
    func watch(_ room: Room) async throws {}
    func serverCount() async -> Int { 3 }
}

private struct LengthPrefixed: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= 4 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}

private final class RawReceiver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let stats: ReceiveStats
    init(stats: ReceiveStats) { self.stats = stats }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        stats.record(sentAt: BenchPacket.sentAt(unwrapInboundIn(data)), recipients: 1)
    }
}
