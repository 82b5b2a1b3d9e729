import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RealtimeAdapter

/// The Redis adapter's path: every server publishes each broadcast to one channel, every
/// server subscribes to it and delivers to its own sockets in the packet's rooms. A minimal
/// RESP client over SwiftNIO, for this benchmark only.
struct RedisSystem: BenchSystem {
    static let channel = RedisMessage.channel(client: "swift")
    let index: UInt8
    let rooms: NIOLockedValueBox<RoomTable>
    let stats: ReceiveStats
    let publisher: NIOLoopBoundBox<Publisher>
    let loop: any EventLoop
    let queue = PublishQueue()

    static func connect(port: Int, index: UInt8, stats: ReceiveStats) async throws -> RedisSystem {
        let rooms = NIOLockedValueBox(RoomTable())
        let group = MultiThreadedEventLoopGroup.singleton
        // Subscriber: decodes "message" pushes and delivers to local sockets.
        let subscriber = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        Subscriber(index: index, rooms: rooms, stats: stats))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var subscribe = ByteBuffer()
        RESP.writeCommand(["SUBSCRIBE", RedisSystem.channel], into: &subscribe)
        try await subscriber.writeAndFlush(subscribe)
        let loop = group.next()
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ReplyCounter())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let publisher = try await loop.submit { NIOLoopBoundBox(Publisher(channel: channel), eventLoop: loop) }.get()
        return RedisSystem(index: index, rooms: rooms, stats: stats, publisher: publisher, loop: loop)
    }

    func join(_ socket: SocketID, rooms: Set<Room>) async throws {
        _ = self.rooms.withLockedValue { $0.add(socket, to: rooms) }
    }

    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws {
        let message = deliverLocally(packet, rooms: rooms)
        // Batched onto the publisher's loop as the mesh batches its submissions: one hop for
        // as many messages as arrive while the loop is busy.
        if queue.append(message) {
            let publisher = self.publisher
            let queue = self.queue
            loop.execute { for message in queue.take() { publisher.value.publish(message) } }
        }
    }

    func broadcastNow(_ packet: ByteBuffer, rooms: Set<Room>) {
        publisher.value.publish(deliverLocally(packet, rooms: rooms))
    }

    /// Delivers to this server's sockets directly, as the Redis adapter does, and returns the
    /// message to publish for the others.
    private func deliverLocally(_ packet: ByteBuffer, rooms: Set<Room>) -> ByteBuffer {
        let local = self.rooms.withLockedValue { $0.matching(BroadcastOptions(rooms: rooms)).count }
        if local > 0 { stats.record(sentAt: BenchPacket.sentAt(packet), recipients: local) }
        return RedisMessage.encode(sender: index, rooms: rooms, packet: packet)
    }

    func pace() async throws {
        let publisher = self.publisher
        while try await loop.submit({ publisher.value.outstanding }).get() > 2_000 {
            try await Task.sleep(for: .microseconds(200))
        }
    }

    func trafficBytes() async -> Int { 0 }
    func watch(_ room: Room) async throws {}
    func serverCount() async -> Int { 3 }
}

/// Messages waiting for the publisher's loop, taken in batches.
final class PublishQueue: Sendable {
    private let state = NIOLockedValueBox<(items: [ByteBuffer], scheduled: Bool)>(([], false))

    /// Queues `message`; true when the caller must schedule a drain.
    func append(_ message: ByteBuffer) -> Bool {
        state.withLockedValue { state in
            state.items.append(message)
            defer { state.scheduled = true }
            return !state.scheduled
        }
    }

    func take() -> [ByteBuffer] {
        state.withLockedValue { state in
            state.scheduled = false
            defer { state.items = [] }
            return state.items
        }
    }
}

/// Writes PUBLISH commands coalesced into one write per event-loop tick, like a mesh link.
final class Publisher {
    let channel: any Channel
    private var pending = ByteBuffer()
    private var flushScheduled = false
    var outstanding: Int { published - ReplyCounter.replies.withLockedValue { $0 } }
    private var published = 0

    init(channel: any Channel) { self.channel = channel }

    func publish(_ payload: ByteBuffer) {
        RESP.writeCommand(["PUBLISH", RedisSystem.channel], payload: payload, into: &pending)
        published += 1
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        channel.eventLoop.execute {
            let publisher = bound.value
            publisher.flushScheduled = false
            publisher.channel.writeAndFlush(publisher.pending, promise: nil)
            publisher.pending = ByteBuffer()
        }
    }
}

/// Counts PUBLISH replies, to bound how many are outstanding.
final class ReplyCounter: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    static let replies = NIOLockedValueBox(0)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        Self.replies.withLockedValue { $0 += 1 }
    }
}

final class Subscriber: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    let index: UInt8
    let rooms: NIOLockedValueBox<RoomTable>
    let stats: ReceiveStats

    init(index: UInt8, rooms: NIOLockedValueBox<RoomTable>, stats: ReceiveStats) {
        self.index = index
        self.rooms = rooms
        self.stats = stats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .array(let items) = unwrapInboundIn(data), items.count == 3,
            case .bulk(let kind?) = items[0], kind.readableBytesView.elementsEqual("message".utf8),
            case .bulk(var payload?) = items[2],
            let targets = RedisMessage.decode(&payload, receiver: index)
        else { return }
        let recipients = rooms.withLockedValue { $0.matching(BroadcastOptions(rooms: targets)).count }
        if recipients > 0 { stats.record(sentAt: BenchPacket.sentAt(payload), recipients: recipients) }
    }
}
