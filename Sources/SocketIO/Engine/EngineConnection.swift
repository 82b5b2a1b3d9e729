import DequeModule
package import Foundation
import Logging
package import NIOCore
import NIOHTTP1
package import SocketIOProtocol

/// What an Engine.IO connection hands to the layer above, on the connection's event loop.
package protocol EngineConnectionDelegate: AnyObject {
    /// A message from the client (`.message` or `.binaryMessage`).
    func engineReceived(_ packet: EngineIOPacket)
    /// The session ended; nothing more is delivered or sent.
    func engineClosed(_ reason: EngineIOSession.CloseReason)
}

/// The shell of one Engine.IO session: it feeds `EngineIOSession` what the transports bring
/// and carries out its actions (writes, timers, the upgrade, the close).
///
/// Everything here runs on `loop`, the event loop of the channel that opened the session;
/// requests that arrive on other channels hop to it. The methods marked "any thread" hop
/// themselves.
package final class EngineConnection: @unchecked Sendable {
    package let id: String
    package let loop: any EventLoop
    package let request: HandshakeRequest
    package let openedAt: Date
    /// The client's Engine.IO version, and for v3 whether it asked for base64 polling bodies.
    package let version: EngineIOVersion
    private let base64: Bool
    private let server: EngineServer
    private var session: EngineIOSession
    package var delegate: (any EngineConnectionDelegate)?

    /// Messages for the next poll, while the session is on polling, within the client's bound.
    private var queue = Deque<OutboundMessage>()
    private var pollingOutbox: ClientOutbox
    private var pendingPoll: (id: UInt64, promise: EventLoopPromise<EngineHTTPResponse>)?
    private var pollCount: UInt64 = 0
    /// The probe's noop, owed to the next poll (it lets the client pause polling).
    private var noopOwed = false
    private var websocket: (any EngineWebSocket)?
    private var probe: (any EngineWebSocket)?
    private var timer: Scheduled<Void>?
    private var timerDeadline: Duration?

    init(
        id: String, transport: EngineIOSession.Transport, request: HandshakeRequest, loop: any EventLoop,
        server: EngineServer
    ) {
        self.id = id
        self.loop = loop
        self.request = request
        self.openedAt = Date()
        self.server = server
        let query = request.query
        self.version = EngineIOVersion(query: query["EIO"]) ?? .v4
        self.base64 = query["b64"] != nil
        self.session = EngineIOSession(
            id: id, transport: transport, settings: server.settings, now: EngineConnection.now, version: version)
        let limits = server.configuration.outbound
        self.pollingOutbox = ClientOutbox(limit: limits.limit, hardLimit: limits.hardLimit, grace: limits.grace)
    }

    package static var now: Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds)) }

    package var transport: EngineIOSession.Transport { session.transport }
    package var isClosed: Bool { session.isClosed }

    /// The open packet, for the transport that starts the session to write first.
    var openMessage: OutboundMessage { OutboundMessage(session.openPacket) }

    // MARK: Sending (on loop)

    /// Starts the heartbeat; called once the open packet is on its way.
    func start() {
        loop.assertInEventLoop()
        scheduleTimer()
    }

    /// Writes `message` on the session's transport; false when it was dropped (a volatile
    /// message for a client over its limit, or a closed session). `frame`, when given, is its
    /// websocket frame, already encoded (a broadcast's).
    @discardableResult
    package func send(_ message: OutboundMessage, frame: ByteBuffer? = nil, volatile: Bool = false) -> Bool {
        loop.assertInEventLoop()
        // A websocket is attached only while the session is open on it (`finish` detaches it).
        if let websocket { return write(message, frame: frame, on: websocket, volatile: volatile) }
        guard !session.isClosed else { return false }
        return enqueue(message, volatile: volatile)
    }

    /// Writes `message` on a websocket in the client's version: a v3 client's binary message
    /// starts with its type byte, so the broadcast's shared frame does not fit it.
    @discardableResult
    private func write(
        _ message: OutboundMessage, frame: ByteBuffer?, on websocket: any EngineWebSocket, volatile: Bool
    ) -> Bool {
        if version == .v3, case .binary = message {
            return websocket.write(message.v3WebSocketForm, frame: nil, volatile: volatile)
        }
        return websocket.write(message, frame: frame, volatile: volatile)
    }

    /// The answer to a poll: `messages` in the client's version of the protocol.
    func pollingResponse(_ messages: some Collection<OutboundMessage>) -> EngineHTTPResponse {
        server.pollingResponse(OutboundMessage.pollingBody(messages, version: version, base64: base64))
    }

    /// Queues a message for the next poll, within the client's outbound bound.
    private func enqueue(_ message: OutboundMessage, volatile: Bool) -> Bool {
        let now = Self.now
        switch pollingOutbox.admit(bytes: message.byteCount, volatile: volatile, now: now) {
        case .droppedVolatile:
            server.counters.count(\.droppedVolatile)
            return false
        case .overHardLimit:
            closeTooSlow()
            return false
        case .queued:
            if pollingOutbox.isTooSlow(now: now) {
                closeTooSlow()
                return false
            }
        }
        queue.append(message)
        answerPoll()
        return true
    }

    private func closeTooSlow() {
        server.logger.info("engine.io polling client too slow, closing", metadata: ["engine.sid": "\(id)"])
        server.counters.count(\.slowClientsDisconnected)
        run(session.tooSlow())
    }

    /// Closes the session from the server side (the client reads a close packet).
    package func close() {
        loop.assertInEventLoop()
        run(session.closeByServer())
    }

    // MARK: Polling (on loop)

    /// What is waiting for the next poll, taken (the handshake's response carries it).
    func takeQueued() -> [OutboundMessage] {
        defer {
            pollingOutbox.wrote(bytes: queue.reduce(0) { $0 + $1.byteCount })
            queue.removeAll()
        }
        return Array(queue)
    }

    func poll(_ promise: EventLoopPromise<EngineHTTPResponse>, closed: EventLoopFuture<Void>) {
        loop.assertInEventLoop()
        guard !session.isClosed, session.transport == .polling else {
            return promise.succeed(.error(.badRequest))
        }
        if pendingPoll != nil {
            // Two polls at once: engine.io closes the session; the first poll reads the close.
            promise.succeed(.error(.badRequest))
            return run(session.transportClosed(error: true))
        }
        pollCount += 1
        let id = pollCount
        pendingPoll = (id, promise)
        closed.whenComplete { [self] _ in
            loop.execute { self.pollChannelClosed(id) }
        }
        if !queue.isEmpty || noopOwed { answerPoll() }
    }

    func post(_ body: ByteBuffer) -> EngineHTTPResponse {
        loop.assertInEventLoop()
        guard !session.isClosed, session.transport == .polling else { return .error(.badRequest) }
        let packets: [EngineIOPacket]
        do {
            packets =
                switch version {
                case .v4: try EngineIOPayload.decode(body, maximumBytes: server.settings.maxPayload)
                case .v3: try EngineIOPayload.decodeV3(body, maximumBytes: server.settings.maxPayload)
                }
        } catch {
            server.logger.debug(
                "engine.io polling payload refused",
                metadata: ["engine.sid": "\(id)", "engine.error": "\(error)"])
            if error.code == .tooLarge {
                run(session.transportClosed(error: true))
                return EngineHTTPResponse(status: .payloadTooLarge)
            }
            run(session.parseError())
            return .error(.badRequest)
        }
        for packet in packets {
            run(session.received(packet, on: .polling, now: Self.now))
        }
        return .text("ok")
    }

    /// A POST whose body was over `maxHttpBufferSize`: engine.io ends the session.
    func refuseTooLarge() -> EngineHTTPResponse {
        loop.assertInEventLoop()
        server.logger.debug("engine.io polling payload over the limit", metadata: ["engine.sid": "\(id)"])
        run(session.transportClosed(error: true))
        return EngineHTTPResponse(status: .payloadTooLarge)
    }

    private func answerPoll() {
        guard let poll = pendingPoll, !queue.isEmpty || noopOwed else { return }
        pendingPoll = nil
        if noopOwed {
            noopOwed = false
            queue.append(OutboundMessage(.noop))
        }
        let response = pollingResponse(queue)
        pollingOutbox.wrote(bytes: queue.reduce(0) { $0 + $1.byteCount })
        queue.removeAll()
        poll.promise.succeed(response)
    }

    private func pollChannelClosed(_ id: UInt64) {
        guard let poll = pendingPoll, poll.id == id else { return }
        // The client went away in the middle of a poll.
        pendingPoll = nil
        poll.promise.fail(ChannelError.ioOnClosedChannel)
        run(session.transportClosed(error: true))
    }

    // MARK: Websocket (on loop)

    func attach(websocket link: any EngineWebSocket) {
        loop.assertInEventLoop()
        websocket = link
    }

    func attach(probe link: any EngineWebSocket) {
        loop.assertInEventLoop()
        guard !session.isClosed, session.transport == .polling, probe == nil else { return link.close() }
        probe = link
    }

    func received(_ packet: EngineIOPacket, from link: any EngineWebSocket) {
        loop.assertInEventLoop()
        guard link === websocket || link === probe else { return }
        var packet = packet
        if version == .v3, case .binaryMessage(let bytes) = packet {
            // A v3 client's binary frame starts with the packet's type byte.
            do throws(ProtocolError) {
                packet = try EngineIOPacket.decodeV3(binary: bytes)
            } catch {
                return receivedGarbage(from: link, error)
            }
        }
        run(session.received(packet, on: .websocket, now: Self.now))
    }

    /// A frame that is not Engine.IO arrived on `link`.
    func receivedGarbage(from link: any EngineWebSocket, _ error: ProtocolError) {
        loop.assertInEventLoop()
        server.logger.debug(
            "engine.io websocket packet refused", metadata: ["engine.sid": "\(id)", "engine.error": "\(error)"])
        if link === websocket {
            run(session.parseError())
        } else if link === probe {
            probe = nil
            session.probeFailed()
            link.close()
        }
    }

    func closed(_ link: any EngineWebSocket, error: Bool) {
        loop.assertInEventLoop()
        if link === websocket {
            websocket = nil
            run(session.transportClosed(error: error))
        } else if link === probe {
            probe = nil
            session.probeFailed()
        }
    }

    /// The websocket asks for the connection to be closed as too slow a reader.
    func tooSlow(_ link: any EngineWebSocket) {
        loop.assertInEventLoop()
        guard link === websocket else { return }
        server.logger.info("engine.io client too slow, closing", metadata: ["engine.sid": "\(id)"])
        server.counters.count(\.slowClientsDisconnected)
        run(session.tooSlow())
    }

    // MARK: Actions

    private func run(_ actions: [EngineIOSession.Action]) {
        for action in actions {
            switch action {
            case .send(let packet, on: .websocket):
                if let link = probe ?? websocket {
                    write(OutboundMessage(packet), frame: nil, on: link, volatile: false)
                }
            case .send(.noop, on: .polling):
                noopOwed = true
                answerPoll()
            case .send(let packet, on: .polling):
                queue.append(OutboundMessage(packet))
                answerPoll()
            case .deliver(let packet):
                delegate?.engineReceived(packet)
            case .upgraded:
                websocket = probe
                probe = nil
                noopOwed = false
                // What was queued for polling goes on the websocket, in order.
                while let message = queue.popFirst() {
                    pollingOutbox.wrote(bytes: message.byteCount)
                    if let websocket { write(message, frame: nil, on: websocket, volatile: false) }
                }
            case .abandonProbe:
                probe?.close()
                probe = nil
            case .close(let reason):
                finish(reason)
                return
            }
        }
        scheduleTimer()
    }

    private func finish(_ reason: EngineIOSession.CloseReason) {
        timer?.cancel()
        timer = nil
        server.remove(
            self, closedByClient: reason == .transportClose && pendingPoll == nil && session.transport == .polling)
        if let poll = pendingPoll {
            pendingPoll = nil
            // A client that closed reads a noop; any other end is told with a close packet.
            let last: EngineIOPacket = reason == .transportClose ? .noop : .close
            queue.append(OutboundMessage(last))
            poll.promise.succeed(pollingResponse(queue))
        }
        queue.removeAll()
        websocket?.close()
        websocket = nil
        probe?.close()
        probe = nil
        let delegate = self.delegate
        self.delegate = nil
        delegate?.engineClosed(reason)
    }

    private func scheduleTimer() {
        let deadline = session.nextDeadline
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timerDeadline = deadline
        guard let deadline else { return timer = nil }
        timer = loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, deadline.nanoseconds)))) { [self] in
            timerDeadline = nil
            run(session.tick(now: Self.now))
        }
    }
}

extension Duration {
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
