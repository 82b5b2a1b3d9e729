import NIOCore
import RealtimeAdapter

/// The mesh protocol of one node as a value: no sockets, no clocks, no randomness.
///
/// Every input is a mutating method that takes the current time where time matters and appends
/// the actions the shell must carry out to `actions`. Inputs: the application changed its
/// sockets' rooms or broadcast, a link came up or went down, a message arrived, a timer fired.
@_spi(MeshInternals) public struct MeshInstance: Sendable {
    package let id: NodeID
    package let settings: MeshSettings
    /// Where this node listens, gossiped so others can dial it.
    package var address: String?

    package internal(set) var directory: MeshDirectory
    var peers = PeerTable()
    var requests = RequestTable()
    var pendingJoins = PendingJoins()

    var nextNonce: UInt64 = 1
    var lastHeartbeat: MeshInstant = .zero
    var lastGossip: MeshInstant = .zero
    var gossipTurn = 0
    /// The time the shell was last asked to tick at, nil once that tick ran.
    var tickAsked: MeshInstant?
    var membersDirty = true
    /// Kept between broadcasts for their routes (empty in between).
    var routeBuffer: [NodeID] = []
    /// The nodes with members in the rooms routed to last, as the directory stood then.
    var routeMemo: RouteMemo?
    /// This node's sockets in the room delivered to last, as the directory stood then.
    var localMemo: LocalMemo?
    /// Broadcasts this node has made: the number of the last one, in its `BroadcastID`.
    var broadcastNumber: UInt64 = 0

    /// Counters the shell exports as metrics.
    package internal(set) var counters = MeshCounters()

    public init(id: NodeID, address: String? = nil, settings: MeshSettings = MeshSettings()) {
        self.id = id
        self.address = address
        self.settings = settings
        self.directory = MeshDirectory(
            selfID: id, logCapacity: settings.deltaLogCapacity, pendingLimit: settings.pendingDeltaLimit,
            namespaceCapacity: settings.maximumNamespaces)
    }

    // MARK: Queries

    /// The interned id of namespace `name`, interning it when new (nil when the node holds
    /// `MeshSettings.maximumNamespaces` already).
    package mutating func namespaceID(interning name: String) -> NamespaceID? {
        directory.namespaceID(interning: name)
    }

    /// Peers currently counted as part of the cluster (alive or suspected, not yet down).
    package var livePeers: [NodeID] { peers.ids { $0.status.isLive } }

    /// `serverCount`: this node plus its live peers.
    package var serverCount: Int { 1 + peers.ids { $0.status.isLive }.count }

    package func isLinked(_ peer: NodeID) -> Bool { peers.read(peer) { $0.linked } ?? false }

    package func status(of peer: NodeID) -> String {
        guard let status = peers[peer]?.status else { return "unknown" }
        switch status {
        case .joining: return "joining"
        case .alive: return "alive"
        case .suspect: return "suspect"
        case .down: return "down"
        case .left: return "left"
        }
    }

    /// Ordered frames to `peer` not yet acknowledged.
    public func unacknowledgedFrames(to peer: NodeID) -> Int { peers.read(peer) { $0.outbound.keptFrames } ?? 0 }

    // MARK: Links

    /// A link to `peer` finished its handshake.
    public mutating func linkUp(_ peer: NodeID, address: String? = nil, now: MeshInstant, actions: inout [MeshAction]) {
        guard peer != id else { return }
        let (admitted, superseded) = directory.admit(peer)
        for old in superseded { forget(old, reason: .restarted, actions: &actions) }
        if !admitted {
            if peers[peer]?.status == .down {
                directory.revive(peer)
            } else {
                actions.append(.closeLink(peer))
                return
            }
        }
        var state = peers[peer] ?? Peer(address: address, now: now)
        if let address { state.address = address }
        let wasLive = state.status.isLive
        state.linked = true
        state.lastHeard = now
        state.status = .alive
        state.probe = nil
        state.inbound.lastResume = now
        peers[peer] = state
        membersDirty = true
        if !wasLive { actions.append(.peerUp(peer)) }
        actions.append(.send(.resume(next: state.inbound.expected), to: peer))
        actions.append(.send(.digest(directory.vector, isReply: false), to: peer))
        actions.append(.send(.members(memberRecords()), to: peer))
        // Heartbeats, gossip and failure detection start for this peer.
        if let next = nextDeadline() { wake(at: next, now: now, actions: &actions) }
    }

    /// The link to `peer` closed. Its frames stay buffered for replay; liveness is decided by
    /// the failure detector, not by one broken link.
    package mutating func linkDown(_ peer: NodeID) {
        peers.update(peer) { state in
            state.linked = false
            state.outbound.markAllSent()
        }
    }

    // MARK: Messages

    public mutating func receive(
        _ message: MeshMessage, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        guard let status = peers.read(peer, { $0.status }), status != .down, status != .left else { return }
        peers.update(peer) { state in
            state.lastHeard = now
            if case .suspect = status {
                state.status = .alive
                state.probe = nil
            }
        }

        switch message {
        case .deltas(let origin, let deltas):
            receiveDeltas(deltas, of: origin, from: peer, now: now, actions: &actions)
        case .snapshot(let origin, let version, let part, let last, let entries):
            receiveSnapshot(
                origin, version: version, part: part, last: last, entries: entries, from: peer, now: now,
                actions: &actions)
        case .digest(let digest, let isReply):
            receiveDigest(digest, isReply: isReply, from: peer, actions: &actions)
        case .heartbeat(let heartbeat):
            receiveHeartbeat(heartbeat, from: peer, now: now, actions: &actions)
        case .members(let records):
            receiveMembers(records, now: now, actions: &actions)
        case .probe(let target, let nonce):
            actions.append(.send(.probeReply(target: target, nonce: nonce, alive: hears(target, now: now)), to: peer))
        case .probeReply(let target, let nonce, let alive):
            receiveProbeReply(target: target, nonce: nonce, alive: alive, from: peer, now: now, actions: &actions)
        case .leaving:
            forget(peer, reason: .left, actions: &actions)
        case .ordered(let frame):
            receiveOrdered(frame, from: peer, now: now, actions: &actions)
        case .resume(let next):
            replay(from: next, to: peer, actions: &actions)
        case .skip(let next):
            receiveSkip(next, from: peer, now: now, actions: &actions)
        case .volatileBroadcast(let frame):
            deliverReceived(frame, from: peer, volatile: true, actions: &actions)
        }
    }

    /// Announces a graceful shutdown to every linked peer.
    package mutating func announceLeaving(actions: inout [MeshAction]) {
        for (peer, state) in peers where state.linked {
            actions.append(.send(.leaving, to: peer))
        }
    }

    // MARK: Forgetting peers

    /// Drops `peer` for good: its sockets leave the directory, requests stop waiting for it.
    mutating func forget(_ peer: NodeID, reason: PeerDownReason, actions: inout [MeshAction]) {
        directory.drop(peer)
        pendingJoins.remove(node: peer)
        requests.depart(peer, actions: &actions)
        let wasKnown = peers[peer] != nil
        switch reason {
        case .left: peers[peer]?.status = .left
        case .unreachable: peers[peer]?.status = .down
        case .restarted: peers[peer] = nil
        }
        if var state = peers[peer] {
            // Frame numbers continue if the peer comes back with the same incarnation, so
            // that both sides agree what was lost; the frames themselves are let go.
            state.outbound.dropReplay()
            state.outbound.sentEpoch = nil
            state.outbound.sentVector = VersionVector()
            state.inbound.early.removeAll()
            state.inbound.gated.removeAll()
            state.probe = nil
            state.linked = false
            peers[peer] = state
        }
        membersDirty = true
        if wasKnown {
            actions.append(.peerDown(peer, reason: reason))
            actions.append(.closeLink(peer))
        }
    }
}

/// Monotonic counts of what the protocol did, read by the shell for metrics and by tests.
public struct MeshCounters: Sendable, Equatable {
    public var deltasApplied = 0
    public var snapshotsApplied = 0
    public var framesReplayed = 0
    public var framesLost: UInt64 = 0
    public var duplicateFrames = 0
    public var gateWaits = 0
    public var gateTimeouts = 0
    public var replayEvictions = 0
    public var broadcastsSent = 0
    public var broadcastsReceived = 0
    /// Broadcasts refused to the application: their frame would be larger than peers accept.
    public var broadcastsRefused = 0
    /// Answers to other nodes' requests cut to fit a frame (their last records left out).
    public var responsesCut = 0
}
