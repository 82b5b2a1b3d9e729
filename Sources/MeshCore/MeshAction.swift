public import NIOCore
public import RealtimeAdapter

/// What the shell must do after an input. The core decides; the shell only carries out.
@_spi(MeshInternals) public enum MeshAction: Sendable {
    /// Write `message` on the link to `peer` (drop it if there is no link: ordered frames are
    /// replayed from the core's buffer once the link is back).
    case send(MeshMessage, to: NodeID)
    /// Ordered frames wait for the link to `peer`: copy them onto it with
    /// `MeshInstance.takeOrdered(for:into:)`, or, with no link, call
    /// `MeshInstance.dropOrderedWrite(for:)`. One such action covers every frame appended
    /// for the peer until it is carried out.
    case writeOrdered(to: NodeID)
    /// Write a broadcast to these local sockets of `namespace`.
    case deliver(Delivery, to: [SocketID], namespace: NamespaceID)
    /// Disconnect these local sockets of `namespace`.
    case disconnectLocal([SocketID], closeTransport: Bool, namespace: NamespaceID)
    /// A request only the host can answer (socket details, client acks, an emit reply): answer
    /// it with `MeshInstance.respond`.
    case serve(IncomingRequest)
    /// A serverSideEmit from `from` to `namespace` that wants no reply.
    case receiveEmit(ByteBuffer, from: NodeID, namespace: NamespaceID)
    /// A request this node started is finished.
    case complete(RequestID, RequestOutcome)
    /// Dial this node (learned through gossip).
    case connect(MemberRecord)
    /// Close the link to `peer` (it is down, left, or was superseded).
    case closeLink(NodeID)
    case peerUp(NodeID)
    case peerDown(NodeID, reason: PeerDownReason)
    /// Ordered frames from `peer` that could not be replayed: lost, and counted.
    case framesLost(from: NodeID, count: UInt64)
    /// Call `MeshInstance.tick(now:actions:)` at `instant`: the earliest time something
    /// falls due. It replaces any later time asked before; an earlier one still stands
    /// (that tick asks again).
    case scheduleTick(at: MeshInstant)
}

public enum PeerDownReason: Sendable, Equatable {
    /// Silent past the timeout, and no other peer heard it either.
    case unreachable
    /// It announced a graceful shutdown.
    case left
    /// A newer incarnation of it appeared.
    case restarted
}

/// A request from another node that the shell answers with `MeshInstance.respond`.
@_spi(MeshInternals) public struct IncomingRequest: Sendable, Equatable {
    public var from: NodeID
    public var id: RequestID
    /// The namespace the request is for; nil when this node has never seen it (so it has no
    /// host for it, and nothing to answer with but an empty response).
    public var namespace: NamespaceID?
    public var body: RequestBody
    /// The local sockets the request's options match, with their rooms.
    public var matches: [SocketID]

    public init(from: NodeID, id: RequestID, namespace: NamespaceID?, body: RequestBody, matches: [SocketID]) {
        self.from = from
        self.id = id
        self.namespace = namespace
        self.body = body
        self.matches = matches
    }
}

/// The answers a request collected.
@_spi(MeshInternals) public struct RequestOutcome: Sendable, Equatable {
    public var responses: [NodeID: ResponseBody]
    /// Peers that stayed silent until the deadline.
    public var missing: [NodeID]
    /// Peers that went down or left while the request waited for them.
    public var departed: [NodeID]

    public init(responses: [NodeID: ResponseBody] = [:], missing: [NodeID] = [], departed: [NodeID] = []) {
        self.responses = responses
        self.missing = missing
        self.departed = departed
    }
}
