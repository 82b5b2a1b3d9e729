public import RealtimeAdapter

/// Which socket is in which room, cluster-wide, as one node knows it.
///
/// The node's own sockets are authoritative here (`local`); every other origin is a replica
/// that changes only through that origin's numbered deltas or snapshots. Only the origin writes
/// its entries; a down or superseded origin is dropped by a rule every node applies itself.
public struct Directory: Sendable {
    public let selfID: NodeID
    /// This node's own sockets and their rooms.
    public private(set) var local = RoomTable()
    public private(set) var localVersion: UInt64 = 0
    var localLog: DeltaLog

    var remotes: [NodeID: RemoteOrigin] = [:]
    var index = RoomIndex()
    private var slotOf: [NodeID: UInt16] = [:]
    private var freeSlots: [UInt16] = []
    private var nextSlot: UInt16 = 0
    private(set) var nodeInSlot: [NodeID?] = []

    /// Per node name, the highest incarnation seen: lower ones are never admitted again.
    private(set) var highestIncarnation: [String: UInt64] = [:]
    /// Origins declared down: their data is refused until they are revived.
    private(set) var dropped: Set<NodeID> = []

    /// The applied version of every origin, this node's included.
    public private(set) var vector = VersionVector()
    /// Bumped on every change of `vector`, so links can tell cheaply whether it moved. Every
    /// change of which nodes have members in which rooms changes the vector, so routes can be
    /// kept against it too.
    public private(set) var epoch: UInt64 = 0

    let logCapacity: Int
    let pendingLimit: Int

    public init(selfID: NodeID, logCapacity: Int = 1024, pendingLimit: Int = 1024) {
        self.selfID = selfID
        self.logCapacity = logCapacity
        self.pendingLimit = pendingLimit
        self.localLog = DeltaLog(capacity: logCapacity)
        highestIncarnation[selfID.name] = selfID.incarnation
    }

    public var origins: [NodeID] { [selfID] + remotes.keys.sorted() }

    public func version(of origin: NodeID) -> UInt64 { vector[origin] }

    public func knows(_ origin: NodeID) -> Bool { origin == selfID || remotes[origin] != nil }

    /// The memberships this node holds for `origin`.
    public func memberships(of origin: NodeID) -> [SocketID: Set<Room>] {
        if origin == selfID { return local.roomsOf }
        return remotes[origin]?.memberships(index: index) ?? [:]
    }

    public var replicatedMembershipCount: Int {
        remotes.values.reduce(0) { $0 + $1.membershipCount }
    }

    public var internedRoomCount: Int { index.roomCount }

    // MARK: Local changes

    /// Records a change of this node's own sockets; returns the numbered delta to publish,
    /// or nil when nothing changed.
    public mutating func applyLocal(_ change: DirectoryChange) -> Delta? {
        let effective: DirectoryChange
        switch change {
        case .join(let socket, let rooms):
            let added = local.add(socket, to: rooms)
            guard !added.isEmpty else { return nil }
            effective = .join(socket, added)
        case .leave(let socket, let rooms):
            let removed = local.remove(socket, from: rooms)
            guard !removed.isEmpty else { return nil }
            effective = .leave(socket, removed)
        case .remove(let socket):
            guard !local.removeAll(socket).isEmpty else { return nil }
            effective = .remove(socket)
        }
        localVersion += 1
        let delta = Delta(version: localVersion, change: effective)
        localLog.append(delta)
        setVersion(localVersion, of: selfID)
        return delta
    }

    // MARK: Admission of origins

    /// Whether data of `origin` may be applied; admitting a higher incarnation of a known name
    /// drops the older one first. Returns the origins it superseded.
    public mutating func admit(_ origin: NodeID) -> (admitted: Bool, superseded: [NodeID]) {
        guard origin.name != selfID.name else { return (false, []) }
        let highest = highestIncarnation[origin.name] ?? 0
        if origin.incarnation < highest || dropped.contains(origin) { return (false, []) }
        var superseded: [NodeID] = []
        if origin.incarnation > highest {
            highestIncarnation[origin.name] = origin.incarnation
            superseded = remotes.keys.filter { $0.name == origin.name && $0 != origin }
            for old in superseded { drop(old) }
            dropped = dropped.filter { $0.name != origin.name }
        }
        return (true, superseded)
    }

    public func isAdmissible(_ origin: NodeID) -> Bool {
        origin.name != selfID.name && !dropped.contains(origin)
            && origin.incarnation >= (highestIncarnation[origin.name] ?? 0)
    }

    /// Forgets everything `origin` owned and refuses its data until `revive`.
    public mutating func drop(_ origin: NodeID) {
        dropped.insert(origin)
        guard var state = remotes.removeValue(forKey: origin) else { return }
        state.clear(index: &index)
        if let slot = slotOf.removeValue(forKey: origin) {
            nodeInSlot[Int(slot)] = nil
            freeSlots.append(slot)
        }
        setVersion(0, of: origin)
    }

    /// Accepts data of a dropped origin again (it came back with the same incarnation).
    public mutating func revive(_ origin: NodeID) {
        dropped.remove(origin)
    }

    // MARK: Remote changes

    public enum ApplyOutcome: Equatable, Sendable {
        /// The deltas applied; the origin is now at `version`.
        case applied(version: UInt64)
        /// Nothing new: every delta was already applied.
        case duplicate
        /// A gap: the deltas after it wait until the missing ones arrive.
        case gap(have: UInt64)
        /// The origin is not admitted (down, superseded, or this node itself).
        case refused
    }

    /// Applies deltas of `origin` in any order; ones ahead of a gap wait in a bounded buffer.
    public mutating func apply(_ deltas: [Delta], from origin: NodeID) -> ApplyOutcome {
        guard admit(origin).admitted else { return .refused }
        var state = remotes[origin] ?? RemoteOrigin(slot: slot(for: origin), logCapacity: logCapacity)
        let before = state.version
        for delta in deltas where delta.version > state.version {
            if delta.version == state.version + 1 {
                applyInOrder(delta, to: &state)
                drainPending(&state)
            } else if state.pending.count < pendingLimit {
                state.pending[delta.version] = delta.change
            }
        }
        let outcome: ApplyOutcome =
            state.version > before
            ? .applied(version: state.version)
            : (state.pending.isEmpty ? .duplicate : .gap(have: state.version))
        let hasGap = !state.pending.isEmpty
        remotes[origin] = state
        if state.version != before { setVersion(state.version, of: origin) }
        if hasGap, case .applied(let version) = outcome { return .gap(have: version) }
        return outcome
    }

    private mutating func applyInOrder(_ delta: Delta, to state: inout RemoteOrigin) {
        state.apply(delta.change, index: &index)
        state.version = delta.version
        state.log.append(delta)
    }

    private mutating func drainPending(_ state: inout RemoteOrigin) {
        while let next = state.pending.removeValue(forKey: state.version + 1) {
            applyInOrder(Delta(version: state.version + 1, change: next), to: &state)
        }
        state.pending = state.pending.filter { $0.key > state.version }
    }

    /// Receives part `part` of a snapshot of `origin` at `version`; applies it when `last`.
    /// Returns true when the snapshot replaced the origin's state.
    @discardableResult
    public mutating func applySnapshot(
        of origin: NodeID,
        version: UInt64,
        part: UInt32,
        last: Bool,
        entries: [SnapshotEntry],
        source: NodeID? = nil
    ) -> Bool {
        guard admit(origin).admitted else { return false }
        var state = remotes[origin] ?? RemoteOrigin(slot: slot(for: origin), logCapacity: logCapacity)
        defer { remotes[origin] = state }
        guard version > state.version else {
            state.staging = nil
            return false
        }
        if part == 0 {
            state.staging = SnapshotStaging(source: source, version: version, nextPart: 0, entries: [])
        }
        // Parts of one sender's snapshot only: another sender may cut its parts differently.
        // A duplicate or stray part is ignored; a lost one leaves the staging to be replaced
        // by the next snapshot that anti-entropy sends.
        guard var staging = state.staging, staging.source == source, staging.version == version,
            staging.nextPart == part
        else {
            return false
        }
        staging.entries += entries
        staging.nextPart += 1
        guard last else {
            state.staging = staging
            return false
        }
        state.staging = nil
        state.clear(index: &index)
        for entry in staging.entries {
            state.apply(.join(entry.socket, entry.rooms), index: &index)
        }
        state.version = version
        state.log.removeAll()
        drainPending(&state)
        setVersion(state.version, of: origin)
        return true
    }

    // MARK: Anti-entropy

    /// What a peer whose vector is `digest` lacks, per origin: deltas when the log reaches back,
    /// else a snapshot split in parts of at most `chunk` sockets.
    public func catchUp(for digest: VersionVector, chunk: Int) -> [CatchUp] {
        var result: [CatchUp] = []
        for origin in origins {
            let mine = vector[origin]
            let theirs = digest[origin]
            guard mine > theirs else { continue }
            let log = origin == selfID ? localLog : remotes[origin]!.log
            if let deltas = log.deltas(after: theirs, upTo: mine) {
                result.append(.deltas(origin: origin, deltas))
            } else {
                result += snapshotParts(of: origin, chunk: chunk)
            }
        }
        return result
    }

    func snapshotParts(of origin: NodeID, chunk: Int) -> [CatchUp] {
        let entries: [SnapshotEntry]
        if origin == selfID {
            entries = local.roomsOf.map { SnapshotEntry(socket: $0.key, rooms: $0.value.sorted()) }
                .sorted { $0.socket < $1.socket }
        } else {
            entries = remotes[origin]?.snapshotEntries(index: index).sorted { $0.socket < $1.socket } ?? []
        }
        let size = max(1, chunk)
        let partCount = max(1, entries.count / size + (entries.count % size == 0 ? 0 : 1))
        return (0..<partCount).map { part in
            let start = part * size
            let slice = entries[start..<(start + min(size, entries.count - start))]
            return .snapshot(
                origin: origin, version: vector[origin], part: UInt32(part),
                last: part == partCount - 1, Array(slice))
        }
    }

    /// True when `digest` has an admissible origin at a version this node lacks.
    public func isBehind(_ digest: VersionVector) -> Bool {
        digest.entries.contains { origin, version in version > vector[origin] && isAdmissible(origin) }
    }

    // MARK: Routing

    /// The remote nodes with at least one member in any of `rooms`, each once.
    public func nodes(withMembersIn rooms: Set<Room>) -> [NodeID] {
        var result: [NodeID] = []
        forEachNode(withMembersIn: rooms) { result.append($0) }
        return result
    }

    /// Calls `body` once for each remote node with at least one member in any of `rooms`.
    func forEachNode(withMembersIn rooms: Set<Room>, _ body: (NodeID) -> Void) {
        if rooms.count == 1, let room = rooms.first {
            // One room: its holders are distinct nodes already.
            for holder in index.holders(of: room) {
                if let node = nodeInSlot[Int(holder.slot)] { body(node) }
            }
            return
        }
        var seen: [UInt16] = []
        for room in rooms {
            for holder in index.holders(of: room) where !seen.contains(holder.slot) {
                seen.append(holder.slot)
                if let node = nodeInSlot[Int(holder.slot)] { body(node) }
            }
        }
    }

    // MARK: Internals

    private mutating func slot(for origin: NodeID) -> UInt16 {
        if let slot = slotOf[origin] { return slot }
        let slot: UInt16
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = nextSlot
            nextSlot += 1
        }
        slotOf[origin] = slot
        if Int(slot) == nodeInSlot.count { nodeInSlot.append(origin) } else { nodeInSlot[Int(slot)] = origin }
        return slot
    }

    private mutating func setVersion(_ version: UInt64, of origin: NodeID) {
        vector[origin] = version
        epoch &+= 1
    }
}

/// What one node sends another so it catches up on one origin.
public enum CatchUp: Hashable, Sendable {
    case deltas(origin: NodeID, [Delta])
    case snapshot(origin: NodeID, version: UInt64, part: UInt32, last: Bool, [SnapshotEntry])
}
