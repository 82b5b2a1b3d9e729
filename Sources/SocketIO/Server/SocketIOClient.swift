import Logging
import NIOCore
import RealtimeAdapter
import SocketIOProtocol

/// The Socket.IO side of one Engine.IO connection: its namespaces' sockets, the connect
/// handshake, and the acknowledgements the server awaits. A shell around the pure
/// `SocketIOConnection`; everything here runs on the connection's event loop, and the
/// methods other threads call hop there.
final class SocketIOClient: EngineConnectionDelegate, @unchecked Sendable {
    let server: SocketIOServer
    let connection: EngineConnection
    /// Runs the handlers of the client's sockets on the client's loop.
    let executor: LoopTaskExecutor
    private var state: SocketIOConnection
    private var decoder: SocketIODecoder
    private var sockets = NamespaceMap<Socket>()
    private var acks: [UInt64: CheckedContinuation<[SocketValue], any Error>] = [:]
    private var timer: Scheduled<Void>?
    private var timerDeadline: Duration?
    private var closed = false
    /// Why the server is closing the connection, when it is the one closing it.
    private var closing: DisconnectReason?

    init(server: SocketIOServer, connection: EngineConnection) {
        self.server = server
        self.connection = connection
        self.executor = LoopTaskExecutor.of(connection.loop)
        self.state = SocketIOConnection(
            connectTimeout: server.configuration.connectTimeout, now: EngineConnection.now,
            version: connection.version)
        self.decoder = SocketIODecoder()
        scheduleTimer()
    }

    var loop: any EventLoop { connection.loop }

    /// On the loop, once the client is the connection's delegate: a v2 client joins "/" now.
    func start() { run(state.start()) }

    /// Runs `body` on the client's loop: at once when already there.
    func onLoop(_ body: @escaping @Sendable (SocketIOClient) -> Void) {
        if loop.inEventLoop { return body(self) }
        loop.execute { body(self) }
    }

    // MARK: From the engine

    func engineReceived(_ packet: EngineIOPacket) {
        guard !closed else { return }
        let message: SocketIOMessage?
        do throws(ProtocolError) {
            switch packet {
            case .message(let text): message = try decoder.receive(text: text)
            case .binaryMessage(let bytes): message = try decoder.receive(binary: bytes)
            default: return
            }
        } catch {
            server.logger.debug(
                "socket.io packet refused, closing",
                metadata: ["engine.sid": "\(connection.id)", "socketio.error": "\(error)"])
            return close(.parseError)
        }
        if let message { run(state.received(message)) }
    }

    func engineClosed(_ reason: EngineIOSession.CloseReason) {
        guard !closed else { return }
        closed = true
        timer?.cancel()
        timer = nil
        let why = closing ?? DisconnectReason(reason)
        let all = sockets.values
        sockets.removeAll()
        for socket in all { socket.didDisconnect(why) }
        let waiting = acks.values
        acks.removeAll()
        for ack in waiting { ack.resume(throwing: SocketIOError(.disconnected, "the client disconnected")) }
    }

    // MARK: Writing

    func send(_ messages: [OutboundMessage], volatile: Bool = false) {
        guard !closed else { return }
        for message in messages where !connection.send(message, volatile: volatile) {
            // A volatile packet that did not fit is dropped whole, attachments too.
            return
        }
    }

    /// A broadcast's messages, their websocket frames already encoded.
    func sendPrepared(_ messages: [OutboundMessage], frames: [ByteBuffer], volatile: Bool) {
        guard !closed else { return }
        for index in messages.indices
        where !connection.send(messages[index], frame: frames[index], volatile: volatile) {
            return
        }
    }

    func send(_ message: SocketIOMessage) {
        send(PacketEncoding.messages(message))
    }

    /// Sends the messages `build` makes with a fresh ack id, and waits for the answer.
    func sendWithAck(
        namespace: String, timeout: Duration, _ build: @escaping @Sendable (UInt64) -> [OutboundMessage]
    ) async throws -> [SocketValue] {
        try await withCheckedThrowingContinuation { continuation in
            onLoop { client in
                guard !client.closed, client.state.isJoined(namespace) else {
                    return continuation.resume(throwing: SocketIOError(.disconnected, "the socket is disconnected"))
                }
                let id = client.state.awaitAck(namespace: namespace, deadline: EngineConnection.now + timeout)
                client.acks[id] = continuation
                client.send(build(id))
                client.scheduleTimer()
            }
        }
    }

    // MARK: Namespaces

    /// The application let `socket` join its namespace: the client is told. False when the
    /// client went away meanwhile.
    func accept(_ socket: Socket) -> Bool {
        loop.assertInEventLoop()
        let namespace = socket.namespace.name
        let actions = state.accepted(namespace: namespace, socketID: socket.id.rawValue)
        guard !closed, !actions.isEmpty else { return false }
        sockets[namespace] = socket
        run(actions)
        return true
    }

    func refuse(namespace: String, _ refusal: SocketIOConnection.Refusal) {
        loop.assertInEventLoop()
        run(state.refused(namespace: namespace, refusal))
    }

    /// The server disconnects `socket`; with `close`, the whole connection.
    func disconnect(_ socket: Socket, close: Bool) {
        loop.assertInEventLoop()
        if close { return self.close(.forcedServerClose) }
        let namespace = socket.namespace.name
        guard sockets[namespace] === socket else { return }
        sockets[namespace] = nil
        run(state.disconnect(namespace: namespace))
        socket.didDisconnect(.serverNamespaceDisconnect)
    }

    func close(_ reason: DisconnectReason) {
        loop.assertInEventLoop()
        guard !closed else { return }
        closing = reason
        connection.close()
    }

    // MARK: Actions

    private func run(_ actions: [SocketIOConnection.Action]) {
        for action in actions {
            switch action {
            case .authorize(let namespace, let auth):
                server.authorize(self, namespace: namespace, auth: auth)
            case .send(let message):
                send(message)
            case .event(let namespace, let arguments, let ackID):
                sockets[namespace]?.received(arguments, ackID: ackID)
            case .acknowledged(_, let id, let arguments):
                acks.removeValue(forKey: id)?.resume(returning: arguments)
            case .ackTimedOut(let namespace, let id):
                let error =
                    state.isJoined(namespace)
                    ? SocketIOError(.timeout, "no acknowledgement in time")
                    : SocketIOError(.disconnected, "the socket disconnected")
                acks.removeValue(forKey: id)?.resume(throwing: error)
            case .left(let namespace):
                sockets.removeValue(forKey: namespace)?.didDisconnect(.clientNamespaceDisconnect)
            case .close(let reason):
                server.logger.debug(
                    "socket.io connection closed", metadata: ["engine.sid": "\(connection.id)", "reason": "\(reason)"])
                close(reason == .protocolViolation ? .parseError : .transportClose)
                return
            }
        }
        scheduleTimer()
    }

    private func scheduleTimer() {
        let deadline = state.nextDeadline
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timerDeadline = deadline
        guard let deadline, !closed else { return timer = nil }
        timer = loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, deadline.nanoseconds)))) { [self] in
            timerDeadline = nil
            run(state.tick(now: EngineConnection.now))
        }
    }
}

extension DisconnectReason {
    init(_ reason: EngineIOSession.CloseReason) {
        switch reason {
        case .transportClose: self = .transportClose
        case .transportError: self = .transportError
        case .pingTimeout: self = .pingTimeout
        case .parseError: self = .parseError
        case .forcedClose: self = .forcedServerClose
        case .tooSlow: self = .tooSlow
        }
    }
}
