public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
public import RealtimeAdapter
public import SocketIOProtocol

/// A Socket.IO v5 server (Engine.IO v4 underneath): its namespaces, their adapters, and the
/// clients connected to this process.
///
/// ```swift
/// let io = SocketIOServer()
/// io.sockets.onConnection { socket in
///     socket.on("chat") { arguments, ack in
///         try? await socket.broadcast.emit("chat", arguments)
///         ack?(true)
///     }
/// }
/// let listener = try await io.listen(port: 3000)
/// ```
public final class SocketIOServer: Sendable {
    public let configuration: SocketIOConfiguration
    public let logger: Logger
    let adapterFactory: AdapterFactory
    package let engine: EngineServer
    private let namespaces = NIOLockedValueBox<[String: Namespace]>([:])
    private let dynamic = NIOLockedValueBox<[DynamicNamespaces]>([])

    private struct DynamicNamespaces {
        var matches: @Sendable (String) -> Bool
        var configure: @Sendable (Namespace) -> Void
    }

    public init(
        configuration: SocketIOConfiguration = SocketIOConfiguration(), adapter: AdapterFactory = .local(),
        logger: Logger = Logger(label: "socket.io")
    ) {
        self.configuration = configuration
        self.logger = logger
        self.adapterFactory = adapter
        let opener = Opener()
        self.engine = EngineServer(configuration: configuration, logger: logger) { connection in
            opener.open(connection)
        }
        opener.server = self
        _ = of("/")
    }

    /// Hands each new Engine.IO connection to the server (set once, before any connection).
    private final class Opener: @unchecked Sendable {
        weak var server: SocketIOServer?
        func open(_ connection: EngineConnection) {
            guard let server else { return connection.close() }
            let client = SocketIOClient(server: server, connection: connection)
            connection.delegate = client
            client.start()
        }
    }

    /// The main namespace, "/".
    public var sockets: Namespace { of("/") }

    /// The namespace `name`, created on first use (a name without a leading "/" gets one).
    public func of(_ name: String) -> Namespace {
        let name = name.hasPrefix("/") ? name : "/" + name
        return namespaces.withLockedValue { namespaces in
            if let namespace = namespaces[name] { return namespace }
            let namespace = Namespace(name: name, server: self)
            namespaces[name] = namespace
            return namespace
        }
    }

    /// Namespaces created when a client first connects to a name `matches` accepts
    /// (socket.io's dynamic namespaces); `configure` sets each one up before its first socket.
    public func dynamicNamespaces(
        matching matches: @escaping @Sendable (String) -> Bool, configure: @escaping @Sendable (Namespace) -> Void
    ) {
        dynamic.withLockedValue { $0.append(DynamicNamespaces(matches: matches, configure: configure)) }
    }

    private func namespace(for name: String) -> Namespace? {
        if let namespace = namespaces.withLockedValue({ $0[name] }) { return namespace }
        guard let parent = dynamic.withLockedValue({ $0.first { $0.matches(name) } }) else { return nil }
        var created = false
        let namespace = namespaces.withLockedValue { namespaces in
            if let namespace = namespaces[name] { return namespace }
            created = true
            let namespace = Namespace(name: name, server: self)
            namespaces[name] = namespace
            return namespace
        }
        if created { parent.configure(namespace) }
        return namespace
    }

    /// On the client's loop: the client asks to join `name`.
    func authorize(_ client: SocketIOClient, namespace name: String, auth: SocketValue?) {
        guard let namespace = namespace(for: name) else {
            logger.debug("socket.io namespace refused", metadata: ["socketio.namespace": "\(name)"])
            return client.refuse(namespace: name, .unknownNamespace)
        }
        let handshake = Handshake(request: client.connection.request, auth: auth, time: client.connection.openedAt)
        let connection = client.connection
        // A v2 client (Engine.IO v3) names its sockets itself: the engine's id, prefixed
        // outside "/" by the namespace (socket.io does the same).
        let id =
            connection.version == .v3
            ? (name == "/" ? connection.id : "\(name)#\(connection.id)") : SessionID.make()
        let socket = Socket(id: SocketID(id), namespace: namespace, client: client, handshake: handshake)
        socket.enqueue { [logger] in
            do {
                try await namespace.connect(socket)
            } catch {
                let refused = error as? ConnectionRefused ?? ConnectionRefused("\(error)")
                let refusal = SocketIOConnection.Refusal.byMiddleware(message: refused.message, data: refused.data)
                logger.debug("socket.io connection refused", metadata: ["socketio.namespace": "\(name)"])
                return client.onLoop { $0.refuse(namespace: name, refusal) }
            }
            let accepted = await withCheckedContinuation { continuation in
                client.onLoop { continuation.resume(returning: $0.accept(socket)) }
            }
            guard accepted else { return socket.didDisconnect(.transportClose) }
            await namespace.connected(socket)
        }
    }

    /// Clients connected to this process.
    public var connectionCount: Int { engine.sessionCount }

    /// What the server counted since it started.
    public var statistics: Statistics {
        let counters = engine.counters.current
        return Statistics(
            connections: engine.sessionCount, droppedVolatilePackets: counters.droppedVolatile,
            slowClientsDisconnected: counters.slowClientsDisconnected)
    }

    public struct Statistics: Sendable, Equatable {
        /// Engine.IO connections open now.
        public var connections: Int
        /// Volatile packets not written because their client's outbound buffer was full.
        public var droppedVolatilePackets: Int
        /// Clients disconnected for staying over their outbound limit ("too slow").
        public var slowClientsDisconnected: Int
    }

    // MARK: Serving

    /// Serves Socket.IO at `configuration.path` on a plain SwiftNIO HTTP server; other paths
    /// answer 404.
    public func listen(
        host: String = "127.0.0.1", port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Listener {
        Listener(
            http: try await EngineHTTPServer.start(engines: [engine], host: host, port: port, group: group),
            server: self)
    }

    /// A running HTTP server.
    public struct Listener: Sendable {
        let http: EngineHTTPServer
        /// The server it serves, kept alive while it listens.
        let server: SocketIOServer
        public var localAddress: SocketAddress? { http.localAddress }
        /// Stops accepting connections (the clients' connections stay until `close`).
        public func shutdown() async throws { try await http.shutdown() }
    }

    /// Closes every client connection.
    public func close() {
        engine.closeAll()
    }
}
