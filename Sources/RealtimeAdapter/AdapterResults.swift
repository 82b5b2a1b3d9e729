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

/// The sockets `collectSockets` found, and the servers that did not answer in time.
public struct CollectedSockets: Sendable, Equatable {
    /// The sockets of this server and of every server that answered in time.
    public var sockets: [RemoteSocket]
    /// The servers that did not answer before the deadline, sorted.
    public var missingServers: [String]

    public init(sockets: [RemoteSocket], missingServers: [String] = []) {
        self.sockets = sockets
        self.missingServers = missingServers.sorted()
    }
}

/// The client acknowledgements collected by `broadcastWithAck`.
///
/// What arrived in time is kept even when a server stayed silent: `missingServers` names those
/// servers (their clients count in neither `expected` nor `responses`).
public struct AckResult: Sendable, Equatable {
    /// How many clients the packet was written to, on the servers that answered.
    public var expected: Int
    /// One entry per client that acknowledged in time.
    public var responses: [SocketID: ByteBuffer]
    /// The servers that did not answer before the deadline, sorted.
    public var missingServers: [String]

    public init(expected: Int, responses: [SocketID: ByteBuffer], missingServers: [String] = []) {
        self.expected = expected
        self.responses = responses
        self.missingServers = missingServers.sorted()
    }
}

/// What the other servers answered to `serverSideEmitWithAck`, and which stayed silent.
public struct ServerReplies: Sendable, Equatable {
    /// One entry per server that answered in time, sorted by server.
    public var replies: [ServerReply]
    /// The servers that did not answer before the deadline, sorted.
    public var missingServers: [String]

    public init(replies: [ServerReply] = [], missingServers: [String] = []) {
        self.replies = replies.sorted { $0.server < $1.server }
        self.missingServers = missingServers.sorted()
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
