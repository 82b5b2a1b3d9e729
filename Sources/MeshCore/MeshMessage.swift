public import NIOCore
public import RealtimeAdapter

/// Everything one node sends another once a link is established.
///
/// Directory messages (`deltas`, `snapshot`, `digest`) are idempotent and may arrive in any
/// order, any number of times. Frames on the ordered channel (`ordered`) are numbered per link,
/// delivered once and in order, and wait at the receiver until its directory covers the
/// sender's version vector (the causal gate).
@_spi(MeshInternals) public enum MeshMessage: Hashable, Sendable {
    case deltas(origin: NodeID, [DirectoryDelta])
    case snapshot(origin: NodeID, version: UInt64, part: UInt32, last: Bool, [SnapshotEntry])
    /// A version vector; the receiver answers with what the sender lacks. `isReply` stops a
    /// digest sent in answer from being answered with another digest.
    case digest(VersionVector, isReply: Bool)

    case heartbeat(Heartbeat)
    case members([MemberRecord])
    /// "Do you hear `target`?", asked before declaring it down.
    case probe(target: NodeID, nonce: UInt64)
    case probeReply(target: NodeID, nonce: UInt64, alive: Bool)
    /// The sender is shutting down gracefully.
    case leaving

    case ordered(OrderedFrame)
    /// "Send me your ordered frames from number `next` on."
    case resume(next: UInt64)
    /// "Ordered frames before `next` are gone: skip to it."
    case skip(next: UInt64)
    /// A broadcast that may be dropped under congestion: not numbered, not replayed.
    case volatileBroadcast(BroadcastFrame)
}

@_spi(MeshInternals) public struct Heartbeat: Hashable, Sendable {
    /// The sender has received every ordered frame numbered below this from the receiver.
    public var receivedBelow: UInt64
    /// The sender's next ordered frame to the receiver will have this number.
    public var nextToSend: UInt64

    public init(receivedBelow: UInt64, nextToSend: UInt64) {
        self.receivedBelow = receivedBelow
        self.nextToSend = nextToSend
    }
}

/// A node as gossiped for discovery.
@_spi(MeshInternals) public struct MemberRecord: Hashable, Sendable {
    public var node: NodeID
    /// Where it listens, as "host:port".
    public var address: String

    public init(node: NodeID, address: String) {
        self.node = node
        self.address = address
    }
}

/// One entry of a version vector carried on the ordered channel.
@_spi(MeshInternals) public struct VectorEntry: Hashable, Sendable {
    public var origin: NodeID
    public var version: UInt64

    public init(origin: NodeID, version: UInt64) {
        self.origin = origin
        self.version = version
    }
}

@_spi(MeshInternals) public struct OrderedFrame: Hashable, Sendable {
    public var sequence: UInt64
    /// The entries of the sender's version vector that changed since its previous frame on
    /// this link (all of them after a reset).
    public var vector: [VectorEntry]
    public var payload: OrderedPayload

    public init(sequence: UInt64, vector: [VectorEntry], payload: OrderedPayload) {
        self.sequence = sequence
        self.vector = vector
        self.payload = payload
    }
}

@_spi(MeshInternals) public typealias RequestID = UInt64

@_spi(MeshInternals) public enum OrderedPayload: Hashable, Sendable {
    case broadcast(BroadcastFrame)
    /// A request to the sender's peer's sockets or host of one namespace.
    case request(RequestID, namespace: String, RequestBody)
    case response(RequestID, ResponseBody)
    /// serverSideEmit without a reply, to the host of one namespace.
    case emit(namespace: String, ByteBuffer)
    /// Nothing but the frame's vector changes: sent just ahead of a frame they would not fit
    /// beside within the frame limit, so that no frame a peer must take is one it refuses.
    case vectorOnly
}

/// A broadcast as it crosses the mesh: the receiver applies `rooms` and `except` to its own
/// sockets. The packet bytes are the server layer's, carried untouched.
///
/// Plain fields: the broadcast path neither keeps nor copies these (a broadcast is encoded from
/// the application's options, kept for replay as bytes, and read back into `OrderedBroadcast`);
/// they are made for volatile broadcasts, frames carrying vector changes and the general decoder.
@_spi(MeshInternals) public struct BroadcastFrame: Hashable, Sendable {
    public var namespace: String
    public var rooms: [Room]
    public var except: [Room]
    /// The sender's count of its broadcasts at this one: with the sender, its `BroadcastID`.
    public var number: UInt64
    public var compress: Bool
    public var packet: BroadcastPacket

    public init(
        namespace: String = "/", rooms: [Room], except: [Room], number: UInt64 = 0, compress: Bool = false,
        packet: BroadcastPacket
    ) {
        self.namespace = namespace
        self.rooms = rooms
        self.except = except
        self.number = number
        self.compress = compress
        self.packet = packet
    }

    /// A frame of a packet of one frame.
    public init(namespace: String = "/", rooms: [Room], except: [Room], number: UInt64 = 0, packet: ByteBuffer) {
        self.init(namespace: namespace, rooms: rooms, except: except, number: number, packet: BroadcastPacket(packet))
    }

    public init(namespace: String = "/", options: BroadcastOptions, number: UInt64 = 0, packet: BroadcastPacket) {
        self.init(
            namespace: namespace, rooms: Array(options.rooms), except: Array(options.except), number: number,
            compress: options.flags.compress, packet: packet)
    }

    public var options: BroadcastOptions {
        BroadcastOptions(rooms: Set(rooms), except: Set(except), flags: BroadcastFlags(compress: compress))
    }
}

@_spi(MeshInternals) public enum RequestBody: Hashable, Sendable {
    case fetchSockets(BroadcastOptions)
    case addSockets(BroadcastOptions, rooms: [Room])
    case delSockets(BroadcastOptions, rooms: [Room])
    case disconnectSockets(BroadcastOptions, closeTransport: Bool)
    case serverSideEmit(ByteBuffer)
    case broadcastWithAck(BroadcastOptions, packet: BroadcastPacket, timeoutMilliseconds: UInt32)
}

@_spi(MeshInternals) public enum ResponseBody: Hashable, Sendable {
    case sockets([SocketRecord])
    /// A room operation took effect on `affected` sockets; the responder's own origin is then
    /// at `version`.
    case applied(affected: UInt32, version: UInt64)
    case emitReply(ByteBuffer?)
    case acks(expected: UInt32, [AckRecord])
}

@_spi(MeshInternals) public struct SocketRecord: Hashable, Sendable {
    public var socket: SocketID
    public var rooms: [Room]
    public var details: ByteBuffer?

    public init(socket: SocketID, rooms: [Room], details: ByteBuffer?) {
        self.socket = socket
        self.rooms = rooms
        self.details = details
    }
}

@_spi(MeshInternals) public struct AckRecord: Hashable, Sendable {
    public var socket: SocketID
    public var response: ByteBuffer

    public init(socket: SocketID, response: ByteBuffer) {
        self.socket = socket
        self.response = response
    }
}
