public import NIOCore

/// A socket found by `fetchSockets`, wherever it is connected.
public struct RemoteSocket: Hashable, Sendable {
    public var id: SocketID
    public var rooms: Set<Room>
    /// The name of the server that owns the socket.
    public var server: String
    /// What the owning host returned from `SocketHost.details(of:)`.
    public var details: ByteBuffer?

    public init(id: SocketID, rooms: Set<Room>, server: String, details: ByteBuffer? = nil) {
        self.id = id
        self.rooms = rooms
        self.server = server
        self.details = details
    }
}

/// The client acknowledgements collected by `broadcastWithAck`.
public struct AckResult: Sendable, Equatable {
    /// How many clients the packet was written to, across the cluster.
    public var expected: Int
    /// One entry per client that acknowledged in time.
    public var responses: [SocketID: ByteBuffer]

    public init(expected: Int, responses: [SocketID: ByteBuffer]) {
        self.expected = expected
        self.responses = responses
    }
}

/// What one server answered to `serverSideEmitWithAck`.
public struct ServerReply: Sendable, Equatable {
    public var server: String
    public var reply: ByteBuffer?

    public init(server: String, reply: ByteBuffer?) {
        self.server = server
        self.reply = reply
    }
}
