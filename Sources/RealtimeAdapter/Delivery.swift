public import NIOCore

/// A packet as the server layer encoded it, once for all its recipients: one frame, or a
/// header frame and its binary attachments (a Socket.IO binary event), written in order.
///
/// The adapter never looks inside. The same buffers are handed out for every recipient, on
/// every node, so nothing may mutate them.
public struct BroadcastPacket: Hashable, Sendable {
    /// The first frame (the whole packet when it has no attachments).
    public var header: ByteBuffer
    /// Nil for a packet of one frame (nearly every packet): copying such a packet, as the
    /// broadcast path does for every recipient's node, then costs one reference count.
    private var moreFrames: [ByteBuffer]?

    /// The frames that follow the header, in order.
    public var attachments: [ByteBuffer] {
        get { moreFrames ?? [] }
        set { moreFrames = newValue.isEmpty ? nil : newValue }
    }

    /// Whether the packet is more than its header.
    public var hasAttachments: Bool { moreFrames != nil }

    public init(_ header: ByteBuffer) {
        self.header = header
        self.moreFrames = nil
    }

    public init(_ header: ByteBuffer, attachments: [ByteBuffer]) {
        self.header = header
        self.moreFrames = attachments.isEmpty ? nil : attachments
    }

    /// Every frame, header first.
    public var frames: [ByteBuffer] { [header] + attachments }

    /// The bytes of every frame together.
    public var byteCount: Int {
        moreFrames?.reduce(header.readableBytes) { $0 + $1.readableBytes } ?? header.readableBytes
    }
}

/// The identity of one broadcast, the same on every node that delivers it: the node it came
/// from and that node's count of broadcasts so far. Connection state recovery uses it as the
/// offset a client presents when it comes back.
public struct BroadcastID: Hashable, Sendable, CustomStringConvertible {
    /// The name of the node that sent the broadcast.
    public var origin: String
    /// That node's incarnation (a node that restarts starts a new count).
    public var incarnation: UInt64
    /// The broadcast's number among the origin's broadcasts, from 1.
    public var sequence: UInt64

    public init(origin: String, incarnation: UInt64, sequence: UInt64) {
        self.origin = origin
        self.incarnation = incarnation
        self.sequence = sequence
    }

    public var description: String { "\(origin)#\(incarnation):\(sequence)" }
}

/// What a host is handed to write one broadcast to its local recipients.
public struct Delivery: Hashable, Sendable {
    public var packet: BroadcastPacket
    /// `volatile` (the host may drop it for a client whose buffer is full) and `compress`.
    public var volatile: Bool
    public var compress: Bool
    public var id: BroadcastID

    public init(packet: BroadcastPacket, volatile: Bool = false, compress: Bool = false, id: BroadcastID) {
        self.packet = packet
        self.volatile = volatile
        self.compress = compress
        self.id = id
    }
}
