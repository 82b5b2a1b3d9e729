import Logging
import NIOCore
import NIOWebSocket
import SocketIOProtocol

/// The channel handler of one Engine.IO websocket: bytes in, read into frames
/// (`WebSocketFrameReader`), Engine.IO packets up to the session; encoded frames out,
/// within the client's outbound bound, coalesced into one write and one flush per
/// event-loop tick (`TickFrames`): the tick's first small frame is kept as it came (a
/// broadcast's shared buffer: nothing copied, nothing allocated), the next ones are copied
/// with it into one buffer (a copy of a few hundred bytes instead of a pending write per
/// frame), large ones are written as they are, in order.
final class WebSocketTransport: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maximumMessage: Int
    private var outbox: ClientOutbox
    private var context: ChannelHandlerContext?
    var link: WebSocketLink?
    /// The start of a frame that has not fully arrived.
    private var partialFrame: ByteBuffer?
    /// A text or binary message arriving in several frames.
    private var fragments: (opcode: WebSocketOpcode, bytes: ByteBuffer)?
    /// The small frames written during this tick, written to the channel when it flushes.
    private var tickFrames = TickFrames.none
    private var flushScheduled = false
    private var closing = false

    private let counters: EngineCounters
    private let logger: Logger

    init(
        maximumMessage: Int, outbound: SocketIOConfiguration.OutboundLimits, counters: EngineCounters, logger: Logger
    ) {
        self.maximumMessage = maximumMessage
        self.counters = counters
        self.logger = logger
        self.outbox = ClientOutbox(limit: outbound.limit, hardLimit: outbound.hardLimit, grace: outbound.grace)
    }

    private var flusher: LoopFlusher?

    /// Frames up to this size are copied into the tick's buffer; larger ones keep their own write.
    static let largestCoalescedFrame = 1024

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.flusher = LoopFlusher.of(context.eventLoop)
    }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var partial = partialFrame {
            partialFrame = nil
            partial.writeBuffer(&bytes)
            bytes = partial
        }
        do throws(WebSocketFrameReader.Failure) {
            while !closing, let frame = try WebSocketFrameReader.read(from: &bytes, maximumPayload: maximumMessage) {
                received(frame)
            }
        } catch {
            return fail(code: error.closeCode)
        }
        if !closing, bytes.readableBytes > 0 { partialFrame = bytes }
    }

    private func received(_ frame: WebSocketFrameReader.Frame) {
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return fail(code: 1002) }
            if frame.fin {
                message(frame.opcode, frame.payload)
            } else {
                fragments = (frame.opcode, frame.payload)
            }
        case .continuation:
            guard var pending = fragments else { return fail(code: 1002) }
            var data = frame.payload
            guard pending.bytes.readableBytes + data.readableBytes <= maximumMessage else { return fail(code: 1009) }
            pending.bytes.writeBuffer(&data)
            fragments = frame.fin ? nil : pending
            if frame.fin { message(pending.opcode, pending.bytes) }
        case .ping:
            guard frame.fin else { return fail(code: 1002) }
            _ = write(WebSocketFrames.frame(.pong, payload: frame.payload), volatile: false)
        case .pong:
            break
        case .connectionClose:
            var data = frame.payload
            let code = data.readInteger(as: UInt16.self) ?? 1000
            closeHandshake(code: code)
        default:
            fail(code: 1002)
        }
    }

    private func message(_ opcode: WebSocketOpcode, _ bytes: ByteBuffer) {
        guard let link, let connection = link.connection else { return }
        let packet: Result<EngineIOPacket, ProtocolError>
        if opcode == .binary {
            packet = .success(.binaryMessage(bytes))
        } else {
            do throws(ProtocolError) {
                packet = .success(try EngineIOPacket.decode(text: bytes))
            } catch {
                packet = .failure(error)
            }
        }
        if connection.loop.inEventLoop {
            Self.deliver(packet, to: connection, from: link)
        } else {
            connection.loop.execute { Self.deliver(packet, to: connection, from: link) }
        }
    }

    static func deliver(
        _ packet: Result<EngineIOPacket, ProtocolError>, to connection: EngineConnection, from link: any EngineWebSocket
    ) {
        switch packet {
        case .success(let packet): connection.received(packet, from: link)
        case .failure(let error): connection.receivedGarbage(from: link, error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        notifyClosed(error: false)
        context.fireChannelInactive()
    }

    /// The socket failed (a reset, a write error): close it, a transport error for the session.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeHandshake(code: 1011, error: true)
    }

    private func notifyClosed(error: Bool) {
        guard let link, let connection = link.connection else { return }
        link.connection = nil
        connection.loop.execute { connection.closed(link, error: error) }
    }

    // MARK: Writing

    func write(_ frame: ByteBuffer, volatile: Bool) -> Bool {
        guard let context, !closing else { return false }
        let bytes = frame.readableBytes
        if outbox.queuedBytes + bytes > outbox.limit {
            // Over the limit by our count, which only grows between checks: ask the channel
            // what is really still waiting (rarely: once per `limit` bytes written).
            let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            let waiting = buffered + tickFrames.byteCount
            outbox.wrote(bytes: outbox.queuedBytes - waiting)
        }
        if !outbox.admitWithinLimit(bytes: bytes) {
            let now = EngineConnection.now
            switch outbox.admit(bytes: bytes, volatile: volatile, now: now) {
            case .droppedVolatile:
                counters.count(\.droppedVolatile)
                return false
            case .overHardLimit:
                tooSlow()
                return false
            case .queued:
                break
            }
            if outbox.isTooSlow(now: now) {
                tooSlow()
                return false
            }
        }
        if bytes <= Self.largestCoalescedFrame {
            tickFrames.append(frame, allocator: context.channel.allocator)
        } else {
            writeCoalesced(context)
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        if !flushScheduled {
            flushScheduled = true
            flusher?.flushLater(self)
        }
        return true
    }

    func flush() {
        flushScheduled = false
        guard let context else { return }
        writeCoalesced(context)
        context.flush()
    }

    private func writeCoalesced(_ context: ChannelHandlerContext) {
        guard let frames = tickFrames.take() else { return }
        context.write(wrapOutboundOut(frames), promise: nil)
    }

    private func tooSlow() {
        guard let link, let connection = link.connection else { return close() }
        connection.loop.execute { connection.tooSlow(link) }
        fail(code: 1008)
    }

    // MARK: Closing

    /// Closes the websocket with a normal close frame.
    func close() { closeHandshake(code: 1000) }

    private func fail(code: UInt16) {
        logger.debug(
            "engine.io websocket closed for a protocol error",
            metadata: ["engine.sid": "\(link?.connection?.id ?? "-")", "websocket.close.code": "\(code)"])
        closeHandshake(code: code, error: true)
    }

    private func closeHandshake(code: UInt16, error: Bool = false) {
        guard let context, !closing else { return }
        closing = true
        notifyClosed(error: error)
        let channel = context.channel
        writeCoalesced(context)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrames.close(code: code))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// A websocket's small frames of one event-loop tick: none, one as it came (shared with the
/// other recipients of its broadcast), or several copied into one buffer of their own.
enum TickFrames {
    case none
    case one(ByteBuffer)
    case many(ByteBuffer)

    var byteCount: Int {
        switch self {
        case .none: 0
        case .one(let frame), .many(let frame): frame.readableBytes
        }
    }

    mutating func append(_ frame: ByteBuffer, allocator: ByteBufferAllocator) {
        switch self {
        case .none:
            self = .one(frame)
        case .one(let first):
            var frames = allocator.buffer(capacity: max(256, 2 * (first.readableBytes + frame.readableBytes)))
            frames.writeImmutableBuffer(first)
            frames.writeImmutableBuffer(frame)
            self = .many(frames)
        case .many(var frames):
            // Drop this reference first, so the buffer is unique and grows in place.
            self = .none
            frames.writeImmutableBuffer(frame)
            self = .many(frames)
        }
    }

    /// The bytes to write, leaving none.
    mutating func take() -> ByteBuffer? {
        defer { self = .none }
        switch self {
        case .none: return nil
        case .one(let frame), .many(let frame): return frame
        }
    }
}
