import CoreMetrics
import Logging
@_spi(MeshInternals) import MeshCore
import NIOCore

/// One connection to another node: runs the handshake, then decodes frames for the node and
/// writes the node's frames, coalesced into one write per input (the frames of a read, or of
/// an application's call or batch of calls; see `NodeCore.run`). Its decisions are
/// values of their own, tested alone: `MeshFrameDecoder` cuts frames, `LinkInbound` says what
/// each is (preamble, handshake, late refusal, mesh frame), `HandshakeStateMachine` runs the
/// handshake and `LinkBackPressure` decides what an over-full queue does.
///
/// Frames are cut from each read in place (`MeshFrameDecoder` does the cutting), not by a
/// `ByteToMessageHandler` in front: that saves a pipeline hop and a generic decoding loop per
/// frame, which on small broadcasts cost as much as handling the frame.
///
/// Lives on the node's event loop, like the node itself; not Sendable.
final class LinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let node: NodeCore
    /// Set for connections this node dialed.
    let dialedAddress: MeshAddress?
    var isInitiator: Bool { dialedAddress != nil }
    private(set) var peer: HandshakeMessage.Hello?
    /// The peer's id once the handshake is done: read on every frame, so kept apart from
    /// `peer` (copying that whole greeting per frame showed in profiles).
    private var establishedPeer: NodeID?
    private var handshake: HandshakeStateMachine
    private var context: ChannelHandlerContext?
    private var handshakeDeadline: Scheduled<Void>?

    private var framing: MeshFrameDecoder
    private let backPressure: LinkBackPressure
    /// Bytes of a frame not complete yet.
    private var unread: ByteBuffer?
    private var pending: ByteBuffer?
    /// The buffer last handed to the socket, taken again for the next tick's bytes: once the
    /// write completed (at once, unless the socket was full) nothing else holds it, and no tick
    /// allocates a buffer of its own. While a write still holds it, writing copies it instead.
    private var spare: ByteBuffer?
    /// Frames in `pending`, and frames and bytes of the read being handled, for the metrics.
    private var pendingFrames = 0
    private var readFrames = 0
    private var readBytes = 0
    private var flushScheduled = false
    private var inbound = LinkInbound()
    private var closing = false
    private(set) var logger: Logger

    init(node: NodeCore, dialedAddress: MeshAddress?) {
        self.node = node
        self.dialedAddress = dialedAddress
        self.handshake = HandshakeStateMachine(
            identity: node.handshakeIdentity, nonce: NodeCore.makeNonce(), isInitiator: dialedAddress != nil)
        self.logger = node.logger
        self.framing = MeshFrameDecoder(maximumFrameSize: node.configuration.limits.maximumFrameSize)
        self.backPressure = LinkBackPressure(limit: node.configuration.limits.outboundQueueBytes)
        if let dialedAddress { logger[metadataKey: "mesh.peer.address"] = "\(dialedAddress)" }
    }

    var peerID: NodeID? { handshake.isEstablished ? peer?.node : nil }

    /// Bytes encoded for this link and not yet written.
    var pendingBytes: Int { pending?.readableBytes ?? 0 }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard handshakeDeadline == nil else { return }
        if dialedAddress == nil, let remote = context.channel.remoteAddress {
            logger[metadataKey: "mesh.peer.address"] = "\(remote)"
        }
        var buffer = context.channel.allocator.buffer(capacity: 256)
        HandshakeMessage.writePreamble(into: &buffer)
        handshake.hello.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: TimeAmount(node.configuration.timeouts.handshake)) {
            let link = bound.value
            link.perform(link.handshake.timedOut())
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        closing = true
        node.linkClosed(self)
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !closing {
            logger.info(
                "Mesh link failed",
                metadata: ["mesh.error": "\(error)", "mesh.peer.id": "\(peer?.node.description ?? "-")"])
            node.metrics.linkErrors.increment()
        }
        close()
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        node.readStarted()
        defer {
            node.readEnded()
            countRead()
        }
        do {
            if var earlier = unread {
                // Only the bytes that complete the frame begun in an earlier read are copied
                // onto it; the frames after it are read where they lie.
                unread = nil
                while try !closing && readFrame(from: &earlier) == false {
                    let missing = framing.bytesMissing(in: earlier)
                    guard missing > 0, bytes.readableBytes >= missing else {
                        earlier.writeBuffer(&bytes)
                        unread = earlier
                        break
                    }
                    var part = bytes.readSlice(length: missing)!
                    earlier.writeBuffer(&part)
                }
                guard unread == nil else { return }
            }
            while try !closing && readFrame(from: &bytes) {}
        } catch {
            errorCaught(context: context, error: error)
            return
        }
        if bytes.readableBytes > 0, !closing {
            // The start of a frame the next read completes, copied into a buffer of its own with
            // room for the rest: keeping the read's buffer would pin all of it, and writing the
            // rest onto it would copy all of it.
            var partial = context.channel.allocator.buffer(
                capacity: bytes.readableBytes + min(framing.bytesMissing(in: bytes), 64 * 1024))
            partial.writeBuffer(&bytes)
            unread = partial
        }
    }

    /// Handles the next complete frame in `bytes`; false when there is none yet.
    private func readFrame(from bytes: inout ByteBuffer) throws -> Bool {
        guard let frame = try framing.decode(buffer: &bytes) else { return false }
        received(frame)
        return true
    }

    /// Adds this read's frames and bytes to the metrics: once per read, not once per frame.
    private func countRead() {
        guard readBytes > 0 else { return }
        node.metrics.bytesIn.increment(by: Int64(readBytes))
        node.bytesIn += readBytes
        if readFrames > 0 { node.metrics.framesIn.increment(by: Int64(readFrames)) }
        readBytes = 0
        readFrames = 0
    }

    private func received(_ frame: ByteBuffer) {
        switch inbound.classify(frame, established: establishedPeer != nil) {
        case .preamble(let magic, let version):
            perform(handshake.receivedPreamble(magic: magic, version: version))
        case .handshake(let message):
            readBytes += frame.readableBytes + 4
            perform(handshake.received(message))
        case .malformedHandshake(let error):
            readBytes += frame.readableBytes + 4
            perform(.refuse(error, tellPeer: true))
        case .lateRefusal(let message):
            // The handshake state machine takes a refusal in any state; the link closes.
            readBytes += frame.readableBytes + 4
            if let message { perform(handshake.received(message)) }
            close()
        case .mesh(let frame):
            readBytes += frame.readableBytes + 4
            guard let peer = establishedPeer else { return }
            do {
                try node.received(frame: frame, from: peer)
                readFrames += 1
            } catch {
                logger.info("Malformed frame from peer; closing the link", metadata: ["mesh.error": "\(error)"])
                node.metrics.malformedFrames.increment()
                close()
            }
        }
    }

    private func perform(_ action: HandshakeStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .send(let messages):
            var buffer = context.channel.allocator.buffer(capacity: 128)
            for message in messages { message.encode(into: &buffer) }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .established(let hello, let messages):
            if !messages.isEmpty { perform(.send(messages)) }
            handshakeDeadline?.cancel()
            peer = hello
            establishedPeer = hello.node
            logger[metadataKey: "mesh.peer.id"] = "\(hello.node)"
            node.linkEstablished(self, hello: hello)
        case .refuse(let error, let tellPeer):
            logger.info(
                "Mesh connection refused",
                metadata: ["mesh.refusal.code": "\(error.code)", "mesh.refusal.reason": "\(error.reason)"])
            node.metrics.refusals.increment()
            node.handshakeRefused(self, code: error.code)
            if tellPeer {
                var buffer = context.channel.allocator.buffer(capacity: 128)
                HandshakeMessage.refuse(reason: "\(error.code): \(error.reason)").encode(into: &buffer)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
                closing = true
            } else {
                close()
            }
        }
    }

    // MARK: Writing

    /// Appends `message` to the outgoing bytes not yet written. Returns false when it was dropped, as
    /// `LinkBackPressure` decides: a volatile broadcast over half the queue, or anything over
    /// the whole queue, which also closes the link (it resynchronises on reconnect).
    @discardableResult
    func enqueue(_ message: MeshMessage) -> Bool {
        let volatile = if case .volatileBroadcast = message { true } else { false }
        return enqueue(volatile: volatile) { buffer in
            MeshWire.encode(message, into: &buffer)
            return 1
        }
    }

    /// Appends the frames `write` puts on the outgoing bytes not yet written (it returns how many),
    /// under the same limits as a message.
    func enqueue(volatile: Bool = false, _ write: (inout ByteBuffer) -> Int) -> Bool {
        guard let context, !closing else { return false }
        // While the socket is not writable, bytes stay in `pending`: it is the bounded queue.
        let queued = pending?.readableBytes ?? 0
        switch backPressure.decide(queued: queued, volatile: volatile) {
        case .queue:
            break
        case .dropVolatile:
            node.metrics.volatileDropped.increment()
            return false
        case .closeLink:
            logger.info(
                "Mesh link over its outbound limit; closing it to resynchronise",
                metadata: ["mesh.queued.bytes": "\(queued)"])
            node.metrics.overflowCloses.increment()
            close()
            return false
        }
        if pending == nil {
            if var reused = spare.take() {
                reused.clear()
                pending = reused
            } else {
                pending = context.channel.allocator.buffer(capacity: 16 * 1024)
            }
        }
        pendingFrames += write(&pending!)
        if !flushScheduled {
            flushScheduled = true
            node.flushAtEndOfTick(self)
        }
        return true
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flushPending() }
        context.fireChannelWritabilityChanged()
    }

    /// Writes the bytes queued, unless the socket is full (then they wait, as the queue).
    func flushPending() {
        flushScheduled = false
        guard let context, context.channel.isWritable, let buffer = pending, buffer.readableBytes > 0 else { return }
        pending = nil
        node.metrics.framesOut.increment(by: Int64(pendingFrames))
        pendingFrames = 0
        node.metrics.bytesOut.increment(by: Int64(buffer.readableBytes))
        node.bytesOut += buffer.readableBytes
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        // A buffer a burst grew is let go.
        if buffer.capacity <= 1 << 20 { spare = buffer }
    }

    /// Flushes what is queued, then closes.
    func closeAfterFlush() -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        flushPending()
        closing = true
        let channel = context.channel
        return context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).flatMap {
            channel.close()
        }
    }

    func close() {
        guard let context else { return }
        closing = true
        context.close(promise: nil)
    }
}
