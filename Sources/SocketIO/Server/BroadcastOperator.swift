import NIOCore
public import RealtimeAdapter
public import SocketIOProtocol

/// Which sockets an operation reaches and how (socket.io's `BroadcastOperator`): built by
/// `to`, `in`, `except`, `local`, `volatile`, `compress` and `timeout`, then used to emit,
/// fetch, join, leave or disconnect, through the namespace's adapter, on every server.
public struct BroadcastOperator: Sendable {
    public let namespace: Namespace
    public private(set) var options: BroadcastOptions

    init(namespace: Namespace, rooms: Set<Room> = [], except: Set<Room> = []) {
        self.namespace = namespace
        self.options = BroadcastOptions(rooms: rooms, except: except)
    }

    public func to(_ rooms: Room...) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.formUnion(rooms)
        return copy
    }

    public func `in`(_ rooms: Room...) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.formUnion(rooms)
        return copy
    }

    public func except(_ rooms: Room...) -> BroadcastOperator {
        var copy = self
        copy.options.except.formUnion(rooms)
        return copy
    }

    /// Only this server's sockets.
    public var local: BroadcastOperator {
        var copy = self
        copy.options.flags.local = true
        return copy
    }

    /// The packet may be dropped for a client that cannot take it now.
    public var volatile: BroadcastOperator {
        var copy = self
        copy.options.flags.volatile = true
        return copy
    }

    public func compress(_ compress: Bool) -> BroadcastOperator {
        var copy = self
        copy.options.flags.compress = compress
        return copy
    }

    /// How long `emitWithAck` waits for the clients.
    public func timeout(_ timeout: Duration) -> BroadcastOperator {
        var copy = self
        copy.options.flags.timeout = timeout
        return copy
    }

    // MARK: Operations

    /// Sends the event to every matching socket; the packet is encoded once for all of them.
    public func emit(_ event: String, _ arguments: SocketValue...) async throws { try await emit(event, arguments) }

    public func emit(_ event: String, _ arguments: [SocketValue]) async throws {
        let packet = PacketEncoding.broadcast(namespace: namespace.name, event, arguments)
        try await namespace.adapter().broadcast(packet, options: options)
    }

    /// Sends the event and collects every matching client's acknowledgement until the
    /// operator's `timeout` (5 s when none was set).
    public func emitWithAck(_ event: String, _ arguments: [SocketValue]) async throws -> BroadcastAcks {
        var options = self.options
        if options.flags.timeout == nil { options.flags.timeout = .seconds(5) }
        let packet = PacketEncoding.broadcast(namespace: namespace.name, event, arguments)
        let result = try await namespace.adapter().broadcastWithAck(packet, options: options)
        var responses: [SocketID: [SocketValue]] = [:]
        for (socket, bytes) in result.responses {
            if case .array(let values)? = try? SocketValue(json: String(buffer: bytes)) { responses[socket] = values }
        }
        return BroadcastAcks(expected: result.expected, responses: responses, missingServers: result.missingServers)
    }

    /// The matching sockets, wherever they are connected.
    public func fetchSockets() async throws -> [RemoteSocketHandle] {
        try await namespace.adapter().fetchSockets(options).map { RemoteSocketHandle($0, namespace: namespace) }
    }

    /// Makes the matching sockets join `rooms`; returns once their servers applied it.
    public func socketsJoin(_ rooms: Room...) async throws { try await socketsJoin(Set(rooms)) }

    public func socketsJoin(_ rooms: Set<Room>) async throws {
        try await namespace.adapter().addSockets(options, rooms: rooms)
    }

    public func socketsLeave(_ rooms: Room...) async throws { try await socketsLeave(Set(rooms)) }

    public func socketsLeave(_ rooms: Set<Room>) async throws {
        try await namespace.adapter().delSockets(options, rooms: rooms)
    }

    /// Disconnects the matching sockets; with `close`, their whole connections.
    public func disconnectSockets(close: Bool = false) async throws {
        try await namespace.adapter().disconnectSockets(options, closeTransport: close)
    }
}

/// The acknowledgements `emitWithAck` collected from a broadcast.
public struct BroadcastAcks: Sendable {
    /// How many clients the packet reached on the servers that answered.
    public var expected: Int
    /// Each answering client's acknowledgement arguments.
    public var responses: [SocketID: [SocketValue]]
    /// Servers that did not answer in time (their clients count in neither figure).
    public var missingServers: [String]
}

/// A socket found by `fetchSockets`, on this server or another: what it is, and the
/// operations that reach it wherever it is connected.
public struct RemoteSocketHandle: Sendable {
    public let id: SocketID
    public let rooms: Set<Room>
    /// The name of the server it is connected to.
    public let server: String
    public let handshake: Handshake
    public let data: SocketValue
    let namespace: Namespace

    init(_ socket: RemoteSocket, namespace: Namespace) {
        self.id = socket.id
        self.rooms = socket.rooms
        self.server = socket.server
        let details = socket.details.flatMap { try? SocketValue(json: String(buffer: $0)) } ?? .null
        self.handshake = Handshake(value: details["handshake"] ?? [:])
        self.data = details["data"] ?? .null
        self.namespace = namespace
    }

    private var only: BroadcastOperator { BroadcastOperator(namespace: namespace, rooms: [id.room]) }

    public func emit(_ event: String, _ arguments: SocketValue...) async throws {
        try await only.emit(event, arguments)
    }
    public func join(_ rooms: Room...) async throws { try await only.socketsJoin(Set(rooms)) }
    public func leave(_ rooms: Room...) async throws { try await only.socketsLeave(Set(rooms)) }
    public func disconnect(close: Bool = false) async throws { try await only.disconnectSockets(close: close) }
}
