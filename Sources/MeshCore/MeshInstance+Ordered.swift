import DequeModule
public import NIOCore
import RealtimeAdapter

// The ordered channel: per link, numbered frames delivered once and in order, replayed after a
// reconnect, and held at the causal gate until this node's directory covers the sender's vector.

extension MeshInstance {
    /// Numbers `payload` for `peer`, keeps it for replay, and sends it if the link is up.
    mutating func sendOrdered(_ payload: OrderedPayload, to peer: NodeID, actions: inout [MeshAction]) {
        sendOrdered(to: peer, actions: &actions) { sequence, vector, buffer in
            MeshWire.encode(.ordered(OrderedFrame(sequence: sequence, vector: vector, payload: payload)), into: &buffer)
        }
    }

    /// Numbers the frame `encode` writes (given its number and the vector changes it must
    /// carry) for `peer`, keeps it for replay, and has it sent if the link is up: the first
    /// frame waiting for a link adds one `writeOrdered` action, which sends every frame
    /// appended before the shell carries it out.
    ///
    /// Peers are changed in place, never copied out and written back: a copy would make the
    /// next append copy the whole replay log.
    mutating func sendOrdered(
        to peer: NodeID, actions: inout [MeshAction],
        encode: (_ sequence: UInt64, _ vector: [VectorEntry], _ into: inout ByteBuffer) -> Void
    ) {
        guard let linked = peers.read(peer, { $0.status.isLive ? $0.linked : nil }) ?? nil else { return }
        let (epoch, vector) = (directory.epoch, directory.vector)
        let limits = (frames: settings.replayFrames, bytes: settings.replayBytes)
        let frameLimit = settings.maximumFrameSize
        guard
            let (announce, evicted) = peers.update(
                peer,
                { state -> (Bool, Int) in
                    let waiting = state.outbound.hasUnsent
                    let changes = Self.vectorChanges(&state.outbound, epoch: epoch, vector: vector)
                    let start = state.outbound.log.writerIndex
                    var appended = 1
                    state.outbound.append(send: linked) { sequence, buffer in encode(sequence, changes, &buffer) }
                    if !changes.isEmpty, state.outbound.log.writerIndex - start - 4 > frameLimit {
                        // The payload fits the limit (callers check that) but not with the vector
                        // changes beside it: they go just ahead, in a frame of their own.
                        state.outbound.retractLast(from: start)
                        state.outbound.append(send: linked) { sequence, buffer in
                            MeshWire.encode(
                                .ordered(OrderedFrame(sequence: sequence, vector: changes, payload: .vectorOnly)),
                                into: &buffer)
                        }
                        state.outbound.append(send: linked) { sequence, buffer in encode(sequence, [], &buffer) }
                        appended = 2
                    }
                    var evicted = 0
                    // The frames just appended stay, even when together they exceed the window:
                    // evicted before they are sent, they would be lost, not replayed.
                    while state.outbound.keptFrames > appended,
                        state.outbound.keptFrames > limits.frames || state.outbound.keptBytes > limits.bytes
                    {
                        state.outbound.evictOldest()
                        evicted += 1
                    }
                    return (linked && !waiting, evicted)
                })
        else { return }
        counters.replayEvictions += evicted
        if announce { actions.append(.writeOrdered(to: peer)) }
    }

    /// Copies the ordered frames waiting for `peer`'s link onto `buffer` (the shell does this
    /// when it carries out `writeOrdered`); returns how many frames it copied.
    @discardableResult
    public mutating func takeOrdered(for peer: NodeID, into buffer: inout ByteBuffer) -> Int {
        peers.update(peer) { $0.outbound.takeUnsent(into: &buffer) } ?? 0
    }

    /// Forgets that ordered frames wait for `peer`'s link, when there is no link to write them
    /// on after all; they stay kept, and the peer gets them by replay.
    package mutating func dropOrderedWrite(for peer: NodeID) {
        peers.update(peer) { $0.outbound.markAllSent() }
    }

    /// The entries of this node's vector the peer has not been told yet: none while the
    /// directory is quiet, which is what keeps the causal gate almost free.
    private static func vectorChanges(_ outbound: inout OutboundChannel, epoch: UInt64, vector: VersionVector)
        -> [VectorEntry]
    {
        guard outbound.sentEpoch != epoch else { return [] }
        var changes: [VectorEntry] = []
        for (origin, version) in vector.entries where outbound.sentVector[origin] != version {
            changes.append(VectorEntry(origin: origin, version: version))
        }
        outbound.sentVector = vector
        outbound.sentEpoch = epoch
        return changes
    }

    /// A broadcast from `peer` that is the next frame expected, from a live peer, with nothing
    /// waiting at the gate (nearly every one): counted as received, and the namespace and local
    /// sockets it targets returned for the caller to deliver to (no sockets when this node has
    /// never seen the namespace). Nil, with nothing changed, for any other frame: it must go
    /// through `receive` as an `.ordered` message.
    ///
    /// The same outcome as `receive`, without a message or a delivery action. Reached through
    /// `receive(_:from:now:actions:)` with an `IncomingFrame`, which makes the choice for every caller.
    mutating func receiveBroadcastInOrder(
        _ broadcast: OrderedBroadcast, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) -> (namespace: NamespaceID, sockets: [SocketID])? {
        let every = settings.acknowledgeEvery
        let taken = peers.update(peer) { state -> Bool? in
            guard state.status == .alive, broadcast.sequence == state.inbound.expected,
                Self.takeInOrder(&state.inbound)
            else { return nil }
            state.lastHeard = now
            return Self.acknowledgementDue(&state.inbound, accepted: 1, every: every)
        }
        guard let acknowledge = taken ?? nil else { return nil }
        if acknowledge { actions.append(.send(.heartbeat(heartbeat(for: peer)), to: peer)) }
        counters.broadcastsReceived += 1
        guard let namespace = directory.namespaceID(of: broadcast.namespace) else { return (.main, []) }
        switch broadcast.target {
        case .room(let room): return (namespace, localSockets(inOnly: room, of: namespace))
        case .rooms(let rooms, let except):
            return (namespace, directory.localMatching(rooms: rooms, except: except, of: namespace))
        }
    }

    mutating func receiveOrdered(
        _ frame: OrderedFrame, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        guard let expected = peers.read(peer, { $0.inbound.expected }) else { return }
        if frame.sequence < expected {
            counters.duplicateFrames += 1
            return
        }
        if frame.sequence > expected {
            if peers[peer]!.inbound.early.count < settings.reorderFrames {
                peers[peer]!.inbound.early[frame.sequence] = frame
            }
            requestResume(from: peer, now: now, actions: &actions)
            wakeForRetries(of: peer, now: now, actions: &actions)
            return
        }
        // The common case: in order, nothing waiting at the gate, nothing new to require.
        if frame.vector.isEmpty, peers.update(peer, { Self.takeInOrder(&$0.inbound) }) == true {
            acknowledgeIfDue(peer, accepted: 1, actions: &actions)
            handle(frame.payload, from: peer, now: now, actions: &actions)
            return
        }
        var accepted = 1
        Self.accept(frame, into: &peers[peer]!.inbound, now: now)
        while let next = peers[peer]!.inbound.early.removeValue(forKey: peers[peer]!.inbound.expected) {
            Self.accept(next, into: &peers[peer]!.inbound, now: now)
            accepted += 1
        }
        acknowledgeIfDue(peer, accepted: accepted, actions: &actions)
        drainGate(of: peer, now: now, actions: &actions)
    }

    /// Counts the expected frame as received when nothing is waiting ahead of it and the
    /// sender's vector is already covered; false when it must go through the gate.
    private static func takeInOrder(_ inbound: inout InboundChannel) -> Bool {
        guard inbound.gated.isEmpty, inbound.early.isEmpty, inbound.requirementCovered else { return false }
        inbound.expected += 1
        return true
    }

    private mutating func acknowledgeIfDue(_ peer: NodeID, accepted: Int, actions: inout [MeshAction]) {
        let every = settings.acknowledgeEvery
        let due = peers.update(peer) { Self.acknowledgementDue(&$0.inbound, accepted: accepted, every: every) }
        if due == true { actions.append(.send(.heartbeat(heartbeat(for: peer)), to: peer)) }
    }

    /// Counts `accepted` frames towards the next acknowledgement; true when one is due now.
    private static func acknowledgementDue(_ inbound: inout InboundChannel, accepted: Int, every: Int) -> Bool {
        inbound.sinceAcknowledged += accepted
        guard inbound.sinceAcknowledged >= every else { return false }
        inbound.sinceAcknowledged = 0
        return true
    }

    private static func accept(_ frame: OrderedFrame, into inbound: inout InboundChannel, now: MeshInstant) {
        inbound.expected += 1
        for entry in frame.vector where entry.version > inbound.peerVector[entry.origin] {
            inbound.peerVector[entry.origin] = entry.version
            inbound.requirementCovered = false
        }
        inbound.gated.append(GatedFrame(payload: frame.payload, requirement: inbound.peerVector, since: now))
    }

    /// Handles `peer`'s frames in order while this node's directory covers what they require;
    /// pulls the missing directory state from `peer`, which has it, when one must wait.
    mutating func drainGate(of peer: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        while let head = peers[peer]?.inbound.gated.first {
            if !covers(head.requirement) {
                guard now.since(head.since) >= settings.causalGateTimeout else {
                    pullDirectory(from: peer, now: now, actions: &actions)
                    wakeForRetries(of: peer, now: now, actions: &actions)
                    return
                }
                counters.gateTimeouts += 1
            }
            peers[peer]?.inbound.gated.removeFirst()
            if peers[peer]?.inbound.gated.isEmpty == true,
                head.requirement == peers[peer]?.inbound.peerVector
            {
                // Everything this peer has told so far is covered: later frames that add no
                // requirement can skip the gate.
                peers[peer]?.inbound.requirementCovered = true
            }
            handle(head.payload, from: peer, now: now, actions: &actions)
        }
    }

    /// True when this node has applied every change `requirement` names, ignoring origins it
    /// has dropped (their entries are gone everywhere by the same rule).
    func covers(_ requirement: VersionVector) -> Bool {
        directory.vector.covers(requirement, ignoring: { !isAcceptable($0) })
    }

    private mutating func pullDirectory(from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        if let last = peers[peer]?.inbound.lastPull, now.since(last) < settings.resendInterval { return }
        peers[peer]?.inbound.lastPull = now
        counters.gateWaits += 1
        actions.append(.send(.digest(directory.vector, isReply: true), to: peer))
    }

    mutating func handle(_ payload: OrderedPayload, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        switch payload {
        case .broadcast(let frame):
            counters.broadcastsReceived += 1
            deliverReceived(frame, from: peer, actions: &actions)
        case .emit(let namespace, let packet):
            if let namespace = directory.namespaceID(of: namespace) {
                actions.append(.receiveEmit(packet, from: peer, namespace: namespace))
            }
        case .request(let requestID, let namespace, let body):
            receiveRequest(body, id: requestID, namespace: namespace, from: peer, now: now, actions: &actions)
        case .response(let requestID, let body):
            receiveResponse(body, id: requestID, from: peer, actions: &actions)
        case .vectorOnly:
            break
        }
    }

    /// Delivers this node's own broadcast number `number` to its local sockets (the
    /// `Delivery` is made only when there are some).
    mutating func deliverOwn(
        _ options: BroadcastOptions, _ packet: BroadcastPacket, number: UInt64, in namespace: NamespaceID,
        actions: inout [MeshAction]
    ) {
        let targets =
            if options.rooms.count == 1, options.except.isEmpty, let room = options.rooms.first {
                localSockets(inOnly: room, of: namespace)
            } else {
                directory.localMatching(options, of: namespace)
            }
        guard !targets.isEmpty else { return }
        let delivery = Delivery(
            packet: packet, volatile: options.flags.volatile, compress: options.flags.compress,
            id: BroadcastID(origin: id.name, incarnation: id.incarnation, sequence: number))
        actions.append(.deliver(delivery, to: targets, namespace: namespace))
    }

    /// This node's sockets in `room` of `namespace`. The room delivered to last is remembered
    /// until the directory changes: a run of broadcasts to one room then compares a name
    /// instead of hashing it for a lookup.
    mutating func localSockets(inOnly room: Room, of namespace: NamespaceID) -> [SocketID] {
        if let memo = localMemo, memo.epoch == directory.epoch, memo.namespace == namespace, memo.room == room {
            return memo.sockets
        }
        let sockets = directory.localSockets(inOnly: room, of: namespace)
        localMemo = LocalMemo(namespace: namespace, room: room, epoch: directory.epoch, sockets: sockets)
        return sockets
    }

    /// Delivers a broadcast `peer` sent to the local sockets it targets. A volatile broadcast
    /// travels as a volatile message (never on the ordered channel), which is how it is known.
    func deliverReceived(
        _ frame: BroadcastFrame, from peer: NodeID, volatile: Bool = false, actions: inout [MeshAction]
    ) {
        guard let namespace = directory.namespaceID(of: frame.namespace) else { return }
        let targets = directory.localMatching(rooms: frame.rooms, except: frame.except, of: namespace)
        guard !targets.isEmpty else { return }
        let delivery = Delivery(
            packet: frame.packet, volatile: volatile, compress: frame.compress,
            id: BroadcastID(origin: peer.name, incarnation: peer.incarnation, sequence: frame.number))
        actions.append(.deliver(delivery, to: targets, namespace: namespace))
    }

    // MARK: Replay

    mutating func requestResume(from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        guard peers[peer]?.linked == true else { return }
        if let last = peers[peer]!.inbound.lastResume, now.since(last) < settings.resendInterval { return }
        peers[peer]!.inbound.lastResume = now
        actions.append(.send(.resume(next: peers[peer]!.inbound.expected), to: peer))
    }

    /// The peer has every frame before `next`: send it the rest again, or tell it which are gone.
    mutating func replay(from next: UInt64, to peer: NodeID, actions: inout [MeshAction]) {
        guard peers.read(peer, { $0.linked && next <= $0.outbound.nextSequence }) == true else { return }
        let (firstKept, count, waiting) = peers.update(peer) { state in
            state.outbound.acknowledge(below: next)
            if state.outbound.firstKept > next {
                // The frames lost carried vector changes: tell the peer the whole vector again.
                state.outbound.sentEpoch = nil
                state.outbound.sentVector = VersionVector()
            }
            let waiting = state.outbound.hasUnsent
            state.outbound.resendAll()
            return (state.outbound.firstKept, state.outbound.keptFrames, waiting)
        }!
        if firstKept > next { actions.append(.send(.skip(next: firstKept), to: peer)) }
        counters.framesReplayed += count
        if count > 0, !waiting { actions.append(.writeOrdered(to: peer)) }
    }

    mutating func receiveSkip(_ next: UInt64, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        guard let expected = peers[peer]?.inbound.expected, next > expected else { return }
        let lost = next - expected
        counters.framesLost += lost
        actions.append(.framesLost(from: peer, count: lost))
        peers[peer]!.inbound.expected = next
        peers[peer]!.inbound.early = peers[peer]!.inbound.early.filter { $0.key >= next }
        if let frame = peers[peer]!.inbound.early.removeValue(forKey: next) {
            receiveOrdered(frame, from: peer, now: now, actions: &actions)
        }
    }

    func heartbeat(for peer: NodeID) -> Heartbeat {
        peers.read(peer) { Heartbeat(receivedBelow: $0.inbound.expected, nextToSend: $0.outbound.nextSequence) }
            ?? Heartbeat(receivedBelow: 1, nextToSend: 1)
    }

    mutating func receiveHeartbeat(
        _ heartbeat: Heartbeat, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        guard let expected = peers.read(peer, { $0.inbound.expected }) else { return }
        peers.update(peer) { $0.outbound.acknowledge(below: heartbeat.receivedBelow) }
        if heartbeat.nextToSend > expected {
            requestResume(from: peer, now: now, actions: &actions)
        }
    }
}
