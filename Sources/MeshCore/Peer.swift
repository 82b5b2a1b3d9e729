import DequeModule
import NIOCore

/// Everything one node keeps about one other node.
struct Peer: Sendable {
    enum Status: Sendable, Equatable {
        /// Known through gossip, never linked yet.
        case joining
        case alive
        /// Silent for a while; other peers are being asked whether they hear it.
        case suspect(since: MeshInstant)
        case down
        case left

        var isLive: Bool {
            switch self {
            case .alive, .suspect: true
            case .joining, .down, .left: false
            }
        }
    }

    var address: String?
    var status: Status = .joining
    var linked = false
    var lastHeard: MeshInstant
    var outbound = OutboundChannel()
    var inbound = InboundChannel()
    var probe: ProbeRound?

    init(address: String?, now: MeshInstant) {
        self.address = address
        self.lastHeard = now
    }
}

/// This node's numbered frames to one peer, kept until acknowledged for replay.
///
/// The kept frames are always the ones numbered `firstKept ..< nextSequence`, so
/// acknowledging and evicting never read a frame (reading one out of a `Deque` copies it).
struct OutboundChannel: Sendable {
    var nextSequence: UInt64 = 1
    private(set) var replay: Deque<OrderedFrame> = []
    /// The packet bytes of each kept frame, in the same order.
    private var replaySizes: Deque<Int> = []
    private(set) var replayBytes = 0
    /// What the peer has been told of this node's version vector, and at which epoch.
    var sentVector = VersionVector()
    var sentEpoch: UInt64?

    /// The number of the oldest frame kept (`nextSequence` when none is).
    var firstKept: UInt64 { nextSequence - UInt64(replay.count) }

    /// Numbers `payload` with the next sequence and keeps it for replay.
    mutating func append(_ payload: OrderedPayload, vector: [VectorEntry]) -> OrderedFrame {
        let frame = OrderedFrame(sequence: nextSequence, vector: vector, payload: payload)
        nextSequence += 1
        let size = payload.packetBytes
        replay.append(frame)
        replaySizes.append(size)
        replayBytes += size
        return frame
    }

    /// Lets go of the oldest kept frame.
    mutating func evictOldest() {
        guard !replay.isEmpty else { return }
        replay.removeFirst()
        replayBytes -= replaySizes.removeFirst()
    }

    /// Forgets frames the peer has acknowledged.
    mutating func acknowledge(below sequence: UInt64) {
        guard sequence > firstKept else { return }
        let count = Int(min(UInt64(replay.count), sequence - firstKept))
        for _ in 0..<count { replayBytes -= replaySizes.removeFirst() }
        replay.removeFirst(count)
    }

    /// Lets go of every kept frame; numbering continues.
    mutating func dropReplay() {
        replay.removeAll()
        replaySizes.removeAll()
        replayBytes = 0
    }
}

/// One peer's numbered frames arriving here.
struct InboundChannel: Sendable {
    var expected: UInt64 = 1
    /// Frames that arrived ahead of a gap.
    var early: [UInt64: OrderedFrame] = [:]
    /// The sender's version vector as its frames have told it.
    var peerVector = VersionVector()
    /// Frames in order, waiting until this node's directory covers their vector.
    var gated: Deque<GatedFrame> = []
    /// True when this node's directory covered `peerVector` the last time it was checked, so
    /// a frame that changes no requirement needs no check. Reset whenever the vector grows.
    var requirementCovered = true
    var lastResume: MeshInstant?
    var lastPull: MeshInstant?
    var sinceAcknowledged = 0
}

struct GatedFrame: Sendable {
    var payload: OrderedPayload
    var requirement: VersionVector
    var since: MeshInstant
}

/// One round of asking other peers whether they hear a suspected peer.
struct ProbeRound: Sendable {
    var nonce: UInt64
    var asked: Set<NodeID>
    var answeredDead: Set<NodeID> = []
    var confirmedAlive = false
}

extension OrderedPayload {
    /// Packet bytes a frame holds on to, for the replay buffer's byte bound.
    var packetBytes: Int {
        switch self {
        case .broadcast(let frame): frame.packet.readableBytes
        case .emit(let packet): packet.readableBytes
        case .request(_, .broadcastWithAck(_, let packet, _)): packet.readableBytes
        case .request(_, .serverSideEmit(let packet)): packet.readableBytes
        case .request, .response: 64
        }
    }
}
