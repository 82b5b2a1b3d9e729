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
