extension MeshInstance {
    /// The timer input: heartbeats, anti-entropy, failure detection, deadlines and retries.
    /// It does only what is due, then asks (`.scheduleTick`) for the next time something falls
    /// due; calling it earlier than asked is harmless.
    package mutating func tick(now: MeshInstant, actions: inout [MeshAction]) {
        if now.since(lastHeartbeat) >= settings.heartbeatInterval {
            lastHeartbeat = now
            for (peer, state) in peers where state.linked && state.status.isLive {
                actions.append(.send(.heartbeat(heartbeat(for: peer)), to: peer))
            }
        }
        if now.since(lastGossip) >= settings.gossipInterval {
            lastGossip = now
            gossip(actions: &actions)
        }
        detectFailures(now: now, actions: &actions)
        for (id, silent) in requests.expire(now: now, actions: &actions) {
            pendingJoins.expire(id, silent: silent)
        }
        for peer in peers.keys.sorted() {
            guard let state = peers[peer] else { continue }
            if !state.inbound.gated.isEmpty { drainGate(of: peer, now: now, actions: &actions) }
            if !state.inbound.early.isEmpty { requestResume(from: peer, now: now, actions: &actions) }
        }
        scheduleNextTick(now: now, actions: &actions)
    }

    /// One anti-entropy round: a digest to the next linked peer in turn, and the member list
    /// to everyone when it changed (and every tenth round regardless).
    private mutating func gossip(actions: inout [MeshAction]) {
        let linked = peers.filter { $0.value.linked && $0.value.status.isLive }.map(\.key).sorted()
        guard !linked.isEmpty else { return }
        gossipTurn &+= 1
        let peer = linked[gossipTurn % linked.count]
        actions.append(.send(.digest(directory.vector, isReply: false), to: peer))
        if membersDirty || gossipTurn % 10 == 0 {
            membersDirty = false
            let records = memberRecords()
            for peer in linked { actions.append(.send(.members(records), to: peer)) }
        }
    }

    func memberRecords() -> [MemberRecord] {
        var records: [MemberRecord] = []
        if let address { records.append(MemberRecord(node: id, address: address)) }
        for (peer, state) in peers.sorted(by: { $0.key < $1.key }) where state.status.isLive {
            if let address = state.address { records.append(MemberRecord(node: peer, address: address)) }
        }
        return records
    }

    mutating func receiveMembers(_ records: [MemberRecord], now: MeshInstant, actions: inout [MeshAction]) {
        for record in records where record.node.name != id.name {
            if peers[record.node] != nil {
                if peers[record.node]?.address == nil { peers[record.node]?.address = record.address }
                continue
            }
            guard directory.isAdmissible(record.node) else { continue }
            let (_, superseded) = directory.admit(record.node)
            for old in superseded { forget(old, reason: .restarted, actions: &actions) }
            for old in peers.keys where old.name == record.node.name && old.incarnation < record.node.incarnation {
                forget(old, reason: .restarted, actions: &actions)
            }
            peers[record.node] = Peer(address: record.address, now: now)
            actions.append(.connect(record))
        }
    }

    // MARK: Failure detection

    /// Whether this node currently hears `target` directly.
    func hears(_ target: NodeID, now: MeshInstant) -> Bool {
        guard let state = peers[target], state.status == .alive, state.linked else { return false }
        return now.since(state.lastHeard) < settings.suspectAfter
    }

    private mutating func detectFailures(now: MeshInstant, actions: inout [MeshAction]) {
        for peer in peers.keys.sorted() {
            guard let state = peers[peer] else { continue }
            switch state.status {
            case .alive where now.since(state.lastHeard) >= settings.suspectAfter:
                peers[peer]?.status = .suspect(since: now)
                startProbe(of: peer, now: now, actions: &actions)
            case .suspect(let since) where now.since(since) >= settings.suspicionTimeout:
                if state.probe?.confirmedAlive == true {
                    // Another peer hears it: only our link is broken. Keep it, ask again later.
                    peers[peer]?.status = .suspect(since: now)
                    startProbe(of: peer, now: now, actions: &actions)
                } else {
                    forget(peer, reason: .unreachable, actions: &actions)
                }
            default:
                break
            }
        }
    }

    private mutating func startProbe(of target: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        let nonce = nextNonce
        nextNonce += 1
        let asked = peers.filter { $0.key != target && $0.value.linked && $0.value.status == .alive }.map(\.key)
        peers[target]?.probe = ProbeRound(nonce: nonce, asked: Set(asked))
        for peer in asked.sorted() { actions.append(.send(.probe(target: target, nonce: nonce), to: peer)) }
    }

    mutating func receiveProbeReply(
        target: NodeID, nonce: UInt64, alive: Bool, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        guard var probe = peers[target]?.probe, probe.nonce == nonce, probe.asked.contains(peer) else { return }
        if alive {
            probe.confirmedAlive = true
        } else {
            probe.answeredDead.insert(peer)
        }
        peers[target]?.probe = probe
        // Everyone asked agrees it is gone: no need to wait out the suspicion.
        if !probe.confirmedAlive && probe.answeredDead == probe.asked {
            forget(target, reason: .unreachable, actions: &actions)
        }
    }
}
