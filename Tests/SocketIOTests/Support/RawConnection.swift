import NIOCore
import NIOPosix

/// A bare TCP connection on loopback for tests: bytes out exactly as written, bytes in as
/// they come, so tests can send what no well-behaved client would.
final class RawConnection: @unchecked Sendable {
    private let channel: any Channel
    private var inbound: AsyncStream<ByteBuffer>.AsyncIterator
    /// Bytes read and not yet consumed.
    var buffer = ByteBuffer()
    private(set) var closed = false

    private init(channel: any Channel, inbound: AsyncStream<ByteBuffer>) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
    }

    static func connect(port: Int) async throws -> RawConnection {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, inbound: stream)
    }

    func write(_ bytes: ByteBuffer) async throws { try await channel.writeAndFlush(bytes) }
    func write(_ text: String) async throws { try await write(ByteBuffer(string: text)) }

    /// Reads more bytes into `buffer`; false at end of stream.
    @discardableResult
    func readMore() async -> Bool {
        guard !closed else { return false }
        guard let more = await inbound.next() else {
            closed = true
            return false
        }
        buffer.writeImmutableBuffer(more)
        return true
    }

    /// Reads until `done` finds what it needs in `buffer`, or the stream ends (nil).
    func read<T>(_ done: (inout ByteBuffer) throws -> T?) async rethrows -> T? {
        while true {
            if let value = try done(&buffer) { return value }
            guard await readMore() else { return nil }
        }
    }

    /// Reads until the peer closes; what came is in `buffer`.
    func readToEnd() async {
        while await readMore() {}
    }

    /// Stops reading from the socket: the peer's writes pile up (a reader too slow for what
    /// it is sent).
    func stopReading() async throws {
        try await channel.setOption(.autoRead, value: false)
    }

    func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation
        init(_ continuation: AsyncStream<ByteBuffer>.Continuation) { self.continuation = continuation }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
