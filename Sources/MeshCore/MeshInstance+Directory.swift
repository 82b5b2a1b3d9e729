public import RealtimeAdapter

extension MeshInstance {
    // MARK: The application changes its own sockets

    /// Local socket `socket` of `namespace` joins `rooms` (and its own id's room, the first time).
    public mutating func join(
        _ socket: SocketID, rooms: Set<Room>, in namespace: NamespaceID = .main, now: MeshInstant,
        actions: inout [MeshAction]
    ) {
        publishLocal(.join(socket, Array(rooms)), in: namespace, now: now, actions: &actions)
    }

    /// Local socket `socket` of `namespace` leaves `rooms`.
    package mutating func leave(
        _ socket: SocketID, rooms: Set<Room>, in namespace: NamespaceID = .main, now: MeshInstant,
        actions: inout [MeshAction]
    ) {
        publishLocal(.leave(socket, Array(rooms)), in: namespace, now: now, actions: &actions)
    }

    /// Local socket `socket` of `namespace` disconnected: it leaves every room.
    package mutating func remove(
        _ socket: SocketID, in namespace: NamespaceID = .main, now: MeshInstant, actions: inout [MeshAction]
    ) {
        publishLocal(.remove(socket), in: namespace, now: now, actions: &actions)
    }

    /// Every local socket of `namespace` leaves every room: its adapter closed. Each node then
    /// holds nothing of this node's in the namespace.
    package mutating func removeNamespace(_ namespace: NamespaceID, now: MeshInstant, actions: inout [MeshAction]) {
        for socket in directory.local(namespace).roomsOf.keys.sorted() {
            publishLocal(.remove(socket), in: namespace, now: now, actions: &actions)
        }
    }

    /// Applies a change of this node's own sockets and pushes the numbered delta to every
    /// linked peer at once (eager push; anti-entropy repairs what a push misses).
    @discardableResult
    mutating func publishLocal(
        _ change: DirectoryChange, in namespace: NamespaceID, now: MeshInstant, actions: inout [MeshAction]
    ) -> Bool {
        guard let delta = directory.applyLocal(change, in: namespace) else { return false }
        for (peer, state) in peers where state.linked && state.status.isLive {
            actions.append(.send(.deltas(origin: id, [delta]), to: peer))
        }
        return true
    }

    // MARK: Replicas

    mutating func receiveDeltas(
        _ deltas: [DirectoryDelta], of origin: NodeID, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        guard isAcceptable(origin) else { return }
        let (_, superseded) = directory.admit(origin)
        for old in superseded { forget(old, reason: .restarted, actions: &actions) }
        switch directory.apply(deltas, from: origin) {
        case .applied:
            counters.deltasApplied += deltas.count
            directoryAdvanced(now: now, actions: &actions)
        case .gap:
            // Ask the sender for what lies between: it is at least as far along as it sent.
            counters.deltasApplied += deltas.count
            actions.append(.send(.digest(directory.vector, isReply: true), to: peer))
            directoryAdvanced(now: now, actions: &actions)
        case .duplicate, .refused:
            break
        }
    }

    mutating func receiveSnapshot(
        _ origin: NodeID, version: UInt64, part: UInt32, last: Bool, entries: [SnapshotEntry],
        from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        guard isAcceptable(origin) else { return }
        let (_, superseded) = directory.admit(origin)
        for old in superseded { forget(old, reason: .restarted, actions: &actions) }
        if directory.applySnapshot(
            of: origin, version: version, part: part, last: last, entries: entries, source: peer)
        {
            counters.snapshotsApplied += 1
            directoryAdvanced(now: now, actions: &actions)
        }
    }

    mutating func receiveDigest(_ digest: VersionVector, isReply: Bool, from peer: NodeID, actions: inout [MeshAction])
    {
        // Cut well below the frame limit: a message's framing and names add to its entries.
        let budget = max(1, settings.maximumFrameSize / 2)
        for item in directory.catchUp(for: digest, chunk: settings.snapshotChunk, maximumBytes: budget) {
            switch item {
            case .deltas(let origin, let deltas):
                actions.append(.send(.deltas(origin: origin, deltas), to: peer))
            case .snapshot(let origin, let version, let part, let last, let entries):
                actions.append(
                    .send(.snapshot(origin: origin, version: version, part: part, last: last, entries), to: peer))
            }
        }
        if !isReply && directory.isBehind(digest) {
            actions.append(.send(.digest(directory.vector, isReply: true), to: peer))
        }
    }

    /// Whether data about `origin` may be taken from a third party: not this node, not one it
    /// declared down or saw leave (only the origin itself, by linking again, revives it).
    func isAcceptable(_ origin: NodeID) -> Bool {
        guard origin != id else { return false }
        if let status = peers[origin]?.status, status == .down || status == .left { return false }
        return directory.isAdmissible(origin)
    }

    /// The directory moved on: frames waiting at the causal gate may pass, and room operations
    /// now reflected stop counting as pending.
    mutating func directoryAdvanced(now: MeshInstant, actions: inout [MeshAction]) {
        pendingJoins.settle(against: directory)
        for peer in peers.ids(where: { !$0.inbound.gated.isEmpty }) {
            drainGate(of: peer, now: now, actions: &actions)
        }
    }
}
