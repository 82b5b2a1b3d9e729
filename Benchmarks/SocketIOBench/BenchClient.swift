import NIOCore
import NIOPosix

/// One Socket.IO client for the load: a websocket written by hand on a NIO channel, so a
/// receiver costs next to nothing and the server is what is measured. It joins the main
/// namespace, can send events, and counts the `message` events it receives (with their
/// latency, when the text is a send time).
final class BenchClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case upgrading, opening, connecting, ready }

    private var phase = Phase.upgrading
    private var buffer = ByteBuffer()
    private var context: ChannelHandlerContext?
    let ready: EventLoopPromise<Void>
    /// Received `message` events, and the latencies of those whose text was a send time.
    private(set) var received = 0
    var recordLatency: ((UInt64) -> Void)?
    /// Called for each ack the client gets (the sender's window).
    var onAck: (() -> Void)?

    /// Whether to join the main namespace; without, the client is ready at the Engine.IO open.
    private let joinNamespace: Bool

    init(ready: EventLoopPromise<Void>, joinNamespace: Bool) {
        self.ready = ready
        self.joinNamespace = joinNamespace
    }

    static func connect(
        host: String, port: Int, group: any EventLoopGroup, path: String = "/socket.io/", joinNamespace: Bool = true
    ) async throws -> (BenchClient, any Channel) {
        let loop = group.next()
        let client = BenchClient(ready: loop.makePromise(), joinNamespace: joinNamespace)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
            }
            .connect(host: host, port: port).get()
        var request = ByteBuffer()
        request.writeString(
            "GET \(path)?EIO=4&transport=websocket HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        try await channel.writeAndFlush(request)
        try await client.ready.futureResult.get()
        return (client, channel)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        if phase == .upgrading {
            guard let end = buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            buffer.moveReaderIndex(to: end.upperBound)
            phase = .opening
        }
        while let (opcode, payload) = nextFrame() { handle(opcode, payload) }
        buffer.discardReadBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready.fail(ChannelError.eof)
    }

    private func handle(_ opcode: UInt8, _ payload: ByteBuffer) {
        guard opcode == 0x1 else { return }
        let view = payload.readableBytesView
        guard let first = view.first else { return }
        switch (phase, first) {
        case (_, UInt8(ascii: "2")):
            send(text: "3")  // Engine.IO ping
        case (.opening, UInt8(ascii: "0")) where !joinNamespace:
            phase = .ready
            ready.succeed()
        case (.opening, UInt8(ascii: "0")):
            phase = .connecting
            send(text: "40")
        case (.connecting, UInt8(ascii: "4")) where view.starts(with: Array("40".utf8)):
            phase = .ready
            ready.succeed()
        case (.ready, UInt8(ascii: "4")):
            if view.starts(with: Array("42[\"message\"".utf8)) {
                received += 1
                if let recordLatency, let sent = Self.sendTime(in: payload) {
                    recordLatency(BenchClock.now &- sent)
                }
            } else if view.starts(with: Array("43".utf8)) {
                onAck?()
            }
        default:
            break
        }
    }

    /// The digits after `"text":"` in a `message` event: its send time.
    private static func sendTime(in payload: ByteBuffer) -> UInt64? {
        let view = payload.readableBytesView
        guard let start = view.firstRange(of: Array(#""text":""#.utf8))?.upperBound else { return nil }
        var value: UInt64 = 0
        var index = start
        while index < view.endIndex, view[index] >= 48, view[index] <= 57 {
            value = value * 10 + UInt64(view[index] - 48)
            index += 1
        }
        return index > start ? value : nil
    }

    private func nextFrame() -> (UInt8, ByteBuffer)? {
        let view = buffer.readableBytesView
        guard view.count >= 2 else { return nil }
        let opcode = view[view.startIndex] & 0x0F
        var length = Int(view[view.startIndex + 1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard view.count >= 4 else { return nil }
            length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self)!)
            offset = 4
        } else if length == 127 {
            guard view.count >= 10 else { return nil }
            length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self)!)
            offset = 10
        }
        guard view.count >= offset + length else { return nil }
        buffer.moveReaderIndex(forwardBy: offset)
        return (opcode, buffer.readSlice(length: length)!)
    }

    /// Writes one text frame (masked with a zero key, which leaves the bytes as they are);
    /// `flush` false leaves it for the next flush.
    func send(text: String, flush: Bool = true) {
        guard let context else { return }
        var frame = context.channel.allocator.buffer(capacity: text.utf8.count + 14)
        frame.writeInteger(UInt8(0x81))
        let count = text.utf8.count
        if count <= 125 {
            frame.writeInteger(UInt8(0x80 | count))
        } else if count <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(count))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(count))
        }
        frame.writeInteger(UInt32(0))
        frame.writeString(text)
        context.write(wrapOutboundOut(frame), promise: nil)
        if flush { context.flush() }
    }

    func flush() { context?.flush() }
}

enum BenchClock {
    static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }
}
