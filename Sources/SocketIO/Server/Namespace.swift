import Logging
import NIOConcurrencyHelpers
import NIOCore
public import RealtimeAdapter
public import SocketIOProtocol

/// One Socket.IO namespace of a server (`/`, `/chat`): its middleware, its connection
/// handler, its local sockets, and its adapter, created on first use, through which every
/// room operation and broadcast goes.
public final class Namespace: Sendable {
    public typealias Middleware = @Sendable (Socket) async throws -> Void

    private struct State {
        var middlewares: [Middleware] = []
        var connectionHandlers: [@Sendable (Socket) async -> Void] = []
        var serverSideHandlers: [String: @Sendable ([SocketValue]) async -> SocketValue?] = [:]
        var adapter: Task<any Adapter, any Error>?
    }

    public let name: String
    /// The server the namespace belongs to. Held strongly: a namespace kept by the application
    /// keeps its server (which lives for the process anyway).
    public let server: SocketIOServer
    private let state = NIOLockedValueBox(State())
    /// The local sockets, read on the broadcast path.
    let localSockets = NIOLockedValueBox<[SocketID: Socket]>([:])
    private let host: NamespaceHost

    init(name: String, server: SocketIOServer) {
        self.name = name
        self.server = server
        self.host = NamespaceHost()
        host.namespace = self
    }

    // MARK: Set-up

    /// Runs before a client joins, in the order added; one that throws `ConnectionRefused`
    /// refuses it (any other error refuses it with the error's description).
    public func use(_ middleware: @escaping Middleware) {
        state.withLockedValue { $0.middlewares.append(middleware) }
    }

    /// Runs for each socket that joined, before its first event.
    public func onConnection(_ handler: @escaping @Sendable (Socket) async -> Void) {
        state.withLockedValue { $0.connectionHandlers.append(handler) }
    }

    /// Answers `serverSideEmit(event, ...)` from the other servers; the handler's value, if
    /// any, is the reply `serverSideEmitWithAck` collects.
    public func onServerSideEmit(
        _ event: String, _ handler: @escaping @Sendable ([SocketValue]) async -> SocketValue?
    ) {
        state.withLockedValue { $0.serverSideHandlers[event] = handler }
    }

    // MARK: The adapter

    /// The namespace's adapter, created by the server's `AdapterFactory` on first use.
    public func adapter() async throws -> any Adapter {
        let task = state.withLockedValue { state in
            if let task = state.adapter { return task }
            let factory = server.adapterFactory
            let (name, host) = (self.name, self.host)
            let task = Task { try await factory.make(name, host) }
            state.adapter = task
            return task
        }
        return try await task.value
    }

    // MARK: Connections

    func connect(_ socket: Socket) async throws {
        let adapter = try await adapter()
        let middlewares = state.withLockedValue { $0.middlewares }
        for middleware in middlewares { try await middleware(socket) }
        localSockets.withLockedValue { $0[socket.id] = socket }
        do {
            try await adapter.addAll(socket.id, rooms: [socket.id.room])
        } catch {
            unregister(socket)
            throw error
        }
    }

    func connected(_ socket: Socket) async {
        let handlers = state.withLockedValue { $0.connectionHandlers }
        for handler in handlers { await handler(socket) }
    }

    func unregister(_ socket: Socket) {
        localSockets.withLockedValue { local in
            if local[socket.id] === socket { local[socket.id] = nil }
        }
    }

    func serverSideHandler(_ event: String) -> (@Sendable ([SocketValue]) async -> SocketValue?)? {
        state.withLockedValue { $0.serverSideHandlers[event] }
    }

    /// This server's sockets in the namespace.
    public var sockets: [SocketID: Socket] { localSockets.withLockedValue { $0 } }

    // MARK: Broadcasting (socket.io's namespace operators)

    public func to(_ rooms: Room...) -> BroadcastOperator { BroadcastOperator(namespace: self, rooms: Set(rooms)) }
    public func `in`(_ rooms: Room...) -> BroadcastOperator { BroadcastOperator(namespace: self, rooms: Set(rooms)) }
    public func except(_ rooms: Room...) -> BroadcastOperator { BroadcastOperator(namespace: self, except: Set(rooms)) }
    public var local: BroadcastOperator { BroadcastOperator(namespace: self).local }
    public var volatile: BroadcastOperator { BroadcastOperator(namespace: self).volatile }
    public func compress(_ compress: Bool) -> BroadcastOperator {
        BroadcastOperator(namespace: self).compress(compress)
    }
    public func timeout(_ timeout: Duration) -> BroadcastOperator {
        BroadcastOperator(namespace: self).timeout(timeout)
    }

    /// To every socket of the namespace, on every server.
    public func emit(_ event: String, _ arguments: SocketValue...) async throws {
        try await BroadcastOperator(namespace: self).emit(event, arguments)
    }

    public func fetchSockets() async throws -> [RemoteSocketHandle] {
        try await BroadcastOperator(namespace: self).fetchSockets()
    }

    public func socketsJoin(_ rooms: Room...) async throws {
        try await BroadcastOperator(namespace: self).socketsJoin(Set(rooms))
    }

    public func socketsLeave(_ rooms: Room...) async throws {
        try await BroadcastOperator(namespace: self).socketsLeave(Set(rooms))
    }

    public func disconnectSockets(close: Bool = false) async throws {
        try await BroadcastOperator(namespace: self).disconnectSockets(close: close)
    }

    /// Sends an event to the other servers' `onServerSideEmit` handlers.
    public func serverSideEmit(_ event: String, _ arguments: SocketValue...) async throws {
        try await adapter().serverSideEmit(ByteBuffer(string: SocketValue.array([.string(event)] + arguments).json))
    }

    /// Like `serverSideEmit`, then collects the other servers' replies until `timeout`.
    public func serverSideEmitWithAck(_ event: String, _ arguments: [SocketValue], timeout: Duration) async throws
        -> ServerSideReplies
    {
        let packet = ByteBuffer(string: SocketValue.array([.string(event)] + arguments).json)
        let replies = try await adapter().serverSideEmitWithAck(packet, timeout: timeout)
        return ServerSideReplies(
            replies: replies.replies.map { reply in
                (reply.server, reply.reply.flatMap { try? SocketValue(json: String(buffer: $0)) } ?? .null)
            },
            missingServers: replies.missingServers)
    }
}

/// What the other servers answered to `serverSideEmitWithAck`.
public struct ServerSideReplies: Sendable {
    /// Each answering server's name and reply, sorted by server.
    public var replies: [(server: String, reply: SocketValue)]
    /// The servers that did not answer in time.
    public var missingServers: [String]
}
