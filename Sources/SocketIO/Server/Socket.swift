import Logging
import NIOConcurrencyHelpers
import NIOCore
public import RealtimeAdapter
public import SocketIOProtocol
import Synchronization

/// One client's connection to one namespace (socket.io's `Socket`).
///
/// Its connection handler and then its events run one at a time, in the order the client
/// sent them; a handler that awaits holds the next event back. They run on the client's
/// event loop (a task whose executor preference is that loop), so what they emit is written
/// without a thread hop: a handler must never block its thread (await instead, and give long
/// computations a `Task` of their own), or every client of that loop waits. Emitting never
/// waits: the packet is written on the client's own event loop.
public final class Socket: Sendable {
    public typealias EventHandler = @Sendable (_ arguments: [SocketValue], _ ack: Acknowledgement?) async -> Void
    /// Runs before an event's handlers; throwing drops the event (see `use(_:)`).
    public typealias PacketMiddleware = @Sendable (_ event: String, _ arguments: [SocketValue]) async throws -> Void

    private struct State {
        /// Few per socket: a list searched in order costs less memory than a dictionary.
        var handlers: [(event: String, handler: EventHandler)] = []
        var jobs = SerialJobs()
        var anyHandlers: [@Sendable (String, [SocketValue]) async -> Void] = []
        var middlewares: [PacketMiddleware] = []
        var errorHandlers: [@Sendable (any Error) async -> Void] = []
        var disconnectHandlers: [@Sendable (DisconnectReason) async -> Void] = []
        var data: SocketValue = .null
        var connected = true
    }

    public let id: SocketID
    public let namespace: Namespace
    public let handshake: Handshake
    let client: SocketIOClient
    private let state = Mutex(State())

    init(id: SocketID, namespace: Namespace, client: SocketIOClient, handshake: Handshake) {
        self.id = id
        self.namespace = namespace
        self.client = client
        self.handshake = handshake
    }

    /// Anything the application keeps with the socket; `fetchSockets` returns it from any
    /// server.
    public var data: SocketValue {
        get { state.withLock { $0.data } }
        set { state.withLock { $0.data = newValue } }
    }

    public var connected: Bool { state.withLock { $0.connected } }

    // MARK: Events from the client

    /// Handles the client's event `event`; `ack` is there when the client waits for an answer.
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        state.withLock { $0.handlers.append((event, handler)) }
    }

    /// Handles `event` whose first argument decodes as `T`; an argument that does not is
    /// answered, when the client asked for an ack, with `{"error": message}`.
    public func on<T: Decodable & Sendable>(
        _ event: String, as type: T.Type, _ handler: @escaping @Sendable (T, Acknowledgement?) async -> Void
    ) {
        on(event) { arguments, ack in
            let value: T
            do throws(SocketIOError) {
                value = try (arguments.first ?? .null).decode(as: T.self)
            } catch {
                return ack?(["error": .string(error.message)]) ?? ()
            }
            await handler(value, ack)
        }
    }

    /// Sees every event before its own handlers (socket.io's `onAny`).
    public func onAny(_ handler: @escaping @Sendable (_ event: String, _ arguments: [SocketValue]) async -> Void) {
        state.withLock { $0.anyHandlers.append(handler) }
    }

    /// Runs `middleware` before the handlers of every event from the client, after any
    /// earlier one (socket.io's `socket.use`). One that throws drops the event: its handlers
    /// do not run, no ack is sent, and the error goes to the `onError` handlers. `onAny`
    /// handlers see every event, refused or not, as in socket.io.
    public func use(_ middleware: @escaping PacketMiddleware) {
        state.withLock { $0.middlewares.append(middleware) }
    }

    /// Handles the errors of the socket's middlewares (socket.io's `socket.on("error")`).
    public func onError(_ handler: @escaping @Sendable (any Error) async -> Void) {
        state.withLock { $0.errorHandlers.append(handler) }
    }

    public func onDisconnect(_ handler: @escaping @Sendable (DisconnectReason) async -> Void) {
        state.withLock { $0.disconnectHandlers.append(handler) }
    }

    /// On the client's loop: an event arrived.
    func received(_ arguments: [SocketValue], ackID: UInt64?) {
        guard case .string(let event)? = arguments.first else { return }
        let rest = Array(arguments.dropFirst())
        let ack = ackID.map { Acknowledgement(socket: self, id: $0) }
        enqueue { [self] in
            let (handlers, anyHandlers, middlewares) = state.withLock { state in
                (state.handlers.filter { $0.event == event }.map(\.handler), state.anyHandlers, state.middlewares)
            }
            for handler in anyHandlers { await handler(event, rest) }
            do {
                for middleware in middlewares { try await middleware(event, rest) }
            } catch {
                for handler in state.withLock({ $0.errorHandlers }) { await handler(error) }
                return
            }
            for handler in handlers { await handler(rest, ack) }
        }
    }

    /// Runs `job` after every job queued before it (the socket's handlers run one at a time).
    func enqueue(_ job: @escaping SerialJobs.Job) {
        guard state.withLock({ $0.jobs.enqueue(job) }) else { return }
        Task(executorPreference: client.executor) { await self.drainJobs() }
    }

    private func drainJobs() async {
        while let job = state.withLock({ $0.jobs.next() }) { await job() }
    }

    // MARK: Emitting to the client

    /// Sends the event to this client.
    public func emit(_ event: String, _ arguments: SocketValue...) { emit(event, arguments) }

    public func emit(_ event: String, _ arguments: [SocketValue]) {
        let messages = PacketEncoding.messages(PacketEncoding.event(namespace: namespace.name, event, arguments))
        client.onLoop { $0.send(messages) }
    }

    /// Sends an `Encodable` value as the event's one argument.
    public func emit(_ event: String, encoding value: some Encodable) throws(SocketIOError) {
        emit(event, [try SocketValue(encoding: value)])
    }

    /// Sends the event and waits for the client's acknowledgement.
    /// - Throws: `SocketIOError` `.timeout`, or `.disconnected` when the socket leaves first.
    public func emitWithAck(_ event: String, _ arguments: [SocketValue], timeout: Duration) async throws
        -> [SocketValue]
    {
        let namespace = self.namespace.name
        return try await client.sendWithAck(namespace: namespace, timeout: timeout) { id in
            PacketEncoding.messages(PacketEncoding.event(namespace: namespace, event, arguments, ackID: id))
        }
    }

    // MARK: Rooms

    /// Joins `rooms`, on every server at once (the adapter publishes it before returning).
    public func join(_ rooms: Room...) async throws { try await join(Set(rooms)) }

    public func join(_ rooms: Set<Room>) async throws {
        try await namespace.adapter().addAll(id, rooms: rooms)
    }

    public func leave(_ room: Room) async throws {
        try await namespace.adapter().del(id, room: room)
    }

    /// The rooms the socket is in, its own id's room among them.
    public func rooms() async throws -> Set<Room> {
        try await namespace.adapter().socketRooms(id) ?? []
    }

    // MARK: Broadcasting from this socket

    /// To the sockets in `rooms`, this one excepted.
    public func to(_ rooms: Room...) -> BroadcastOperator {
        BroadcastOperator(namespace: namespace, rooms: Set(rooms), except: [id.room])
    }

    /// To every socket of the namespace but this one.
    public var broadcast: BroadcastOperator { BroadcastOperator(namespace: namespace, except: [id.room]) }

    // MARK: Leaving

    /// Disconnects the socket from its namespace; with `close`, closes the whole connection.
    public func disconnect(close: Bool = false) {
        client.onLoop { [self] client in client.disconnect(self, close: close) }
    }

    /// Called once, whatever ended the socket: it leaves its rooms, then its handlers run.
    func didDisconnect(_ reason: DisconnectReason) {
        let first = state.withLock { state in
            defer { state.connected = false }
            return state.connected
        }
        guard first else { return }
        namespace.unregister(self)
        enqueue { [self] in
            do {
                try await namespace.adapter().delAll(id)
            } catch {
                namespace.server.logger.debug(
                    "socket.io could not leave its rooms", metadata: ["socketio.error": "\(error)"])
            }
            let handlers = state.withLock { $0.disconnectHandlers }
            for handler in handlers { await handler(reason) }
        }
    }
}

/// The answer to one client event that asked for an acknowledgement; only the first call
/// is sent.
public struct Acknowledgement: Sendable {
    let socket: Socket
    let id: UInt64
    private let sent = NIOLockedValueBox(false)

    init(socket: Socket, id: UInt64) {
        self.socket = socket
        self.id = id
    }

    public func callAsFunction(_ arguments: SocketValue...) { send(arguments) }

    public func send(_ arguments: [SocketValue]) {
        guard
            !sent.withLockedValue({ sent in
                defer { sent = true }; return sent
            })
        else { return }
        let message = SocketIOMessage(kind: .ack, namespace: socket.namespace.name, id: id, data: .array(arguments))
        let messages = PacketEncoding.messages(message)
        socket.client.onLoop { $0.send(messages) }
    }

    /// Answers with an `Encodable` value as the one argument.
    public func send(encoding value: some Encodable) throws(SocketIOError) {
        send([try SocketValue(encoding: value)])
    }
}
