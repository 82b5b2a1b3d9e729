public import RealtimeAdapter

/// Which socket is in which room, cluster-wide, as one node knows it.
///
/// The node's own sockets are authoritative here (`local`); every other origin is a replica
/// that changes only through that origin's numbered deltas or snapshots. Only the origin writes
/// its entries; a down or superseded origin is dropped by a rule every node applies itself.
@_spi(MeshInternals) public struct MeshDirectory: Sendable {
    package let selfID: NodeID
    /// The namespaces seen so far, this node's and its peers'.
    var namespaces = NamespaceTable()
    /// This node's own sockets and their rooms, per namespace (indexed by `NamespaceID`).
    private(set) var locals: [RoomTable] = [RoomTable()]
    package private(set) var localVersion: UInt64 = 0
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
    /// Changes and snapshot entries not applied because the namespace table was full.
    package private(set) var refusedNamespaces = 0

    /// The applied version of every origin, this node's included.
    package private(set) var vector = VersionVector()
    /// Bumped on every change of `vector`, so links can tell cheaply whether it moved. Every
    /// change of which nodes have members in which rooms changes the vector, so routes can be
    /// kept against it too.
    package private(set) var epoch: UInt64 = 0

    let logCapacity: Int
    let pendingLimit: Int

    public init(selfID: NodeID, logCapacity: Int = 1024, pendingLimit: Int = 1024, namespaceCapacity: Int = 4096) {
        self.selfID = selfID
        self.namespaces = NamespaceTable(capacity: namespaceCapacity)
        self.logCapacity = logCapacity
        self.pendingLimit = pendingLimit
        self.localLog = DeltaLog(capacity: logCapacity)
        highestIncarnation[selfID.name] = selfID.incarnation
    }

    package var origins: [NodeID] { [selfID] + remotes.keys.sorted() }

    /// This node's own sockets of `namespace` and their rooms.
    package func local(_ namespace: NamespaceID) -> RoomTable {
        Int(namespace.rawValue) < locals.count ? locals[Int(namespace.rawValue)] : RoomTable()
    }

    /// This node's sockets in `room` of `namespace`, as the room's own list (read in place:
    /// the broadcast path copies no table).
    func localSockets(inOnly room: Room, of namespace: NamespaceID) -> [SocketID] {
        let slot = Int(namespace.rawValue)
        return slot < locals.count ? locals[slot].sockets(inOnly: room) : []
    }

    /// The local sockets of `namespace` that `options` targets.
    func localMatching(_ options: BroadcastOptions, of namespace: NamespaceID) -> [SocketID] {
        let slot = Int(namespace.rawValue)
        return slot < locals.count ? locals[slot].matching(options) : []
    }

    /// The local sockets of `namespace` a broadcast to `rooms` minus `except` targets.
    func localMatching(rooms: [Room], except: [Room], of namespace: NamespaceID) -> [SocketID] {
        let slot = Int(namespace.rawValue)
        return slot < locals.count ? locals[slot].matching(rooms: rooms, except: except) : []
    }

    /// This node's own sockets of the main namespace, `/`.
    package var local: RoomTable { locals[0] }

    /// The interned id of `name`, interning it when new; nil when the node holds as many
    /// namespaces as it can (`NamespaceTable.capacity`).
    package mutating func namespaceID(interning name: String) -> NamespaceID? {
        guard let id = namespaces.intern(name) else { return nil }
        while locals.count <= Int(id.rawValue) { locals.append(RoomTable()) }
        return id
    }

    /// The id of `name` if this node has seen it.
    package func namespaceID(of name: String) -> NamespaceID? { namespaces.id(of: name) }

    package func namespaceName(_ id: NamespaceID) -> String { namespaces.name(id) }

    package func version(of origin: NodeID) -> UInt64 { vector[origin] }

    package func knows(_ origin: NodeID) -> Bool { origin == selfID || remotes[origin] != nil }

    /// The memberships this node holds for `origin` in `namespace`.
    package func memberships(of origin: NodeID, in namespace: NamespaceID = .main) -> [SocketID: Set<Room>] {
        if origin == selfID { return local(namespace).roomsOf }
        return remotes[origin]?.memberships(in: namespace, index: index) ?? [:]
    }

    public var replicatedMembershipCount: Int {
        remotes.values.reduce(0) { $0 + $1.membershipCount }
    }

    public var internedRoomCount: Int { index.roomCount }

    // MARK: Local changes

    /// Records a change of this node's own sockets of `namespace` (interned first); returns
    /// the numbered delta to publish, or nil when nothing changed.
    public mutating func applyLocal(_ change: DirectoryChange, in namespace: NamespaceID = .main) -> DirectoryDelta? {
        let slot = Int(namespace.rawValue)
        guard slot < locals.count else { return nil }
        let effective: DirectoryChange
        switch change {
        case .join(let socket, let rooms):
            let added = locals[slot].add(socket, to: rooms)
            guard !added.isEmpty else { return nil }
            effective = .join(socket, added)
        case .leave(let socket, let rooms):
            let removed = locals[slot].remove(socket, from: rooms)
            guard !removed.isEmpty else { return nil }
            effective = .leave(socket, removed)
        case .remove(let socket):
            guard !locals[slot].removeAll(socket).isEmpty else { return nil }
            effective = .remove(socket)
        }
        localVersion += 1
        let delta = DirectoryDelta(version: localVersion, namespace: namespaces.name(namespace), change: effective)
        localLog.append(delta)
        setVersion(localVersion, of: selfID)
        return delta
    }

    // MARK: Admission of origins

    /// Whether data of `origin` may be applied; admitting a higher incarnation of a known name
    /// drops the older one first. Returns the origins it superseded.
    package mutating func admit(_ origin: NodeID) -> (admitted: Bool, superseded: [NodeID]) {
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

    package func isAdmissible(_ origin: NodeID) -> Bool {
        origin.name != selfID.name && !dropped.contains(origin)
            && origin.incarnation >= (highestIncarnation[origin.name] ?? 0)
    }

    /// Forgets everything `origin` owned and refuses its data until `revive`.
    package mutating func drop(_ origin: NodeID) {
        dropped.insert(origin)
        // Parts it was sending of other origins' snapshots will not be completed.
        for other in remotes.keys where remotes[other]?.stagings[origin] != nil {
            remotes[other]?.stagings[origin] = nil
        }
        guard var state = remotes.removeValue(forKey: origin) else { return }
        state.clear(index: &index)
        if let slot = slotOf.removeValue(forKey: origin) {
            nodeInSlot[Int(slot)] = nil
            freeSlots.append(slot)
        }
        setVersion(0, of: origin)
    }

    /// Accepts data of a dropped origin again (it came back with the same incarnation).
    package mutating func revive(_ origin: NodeID) {
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
    public mutating func apply(_ deltas: [DirectoryDelta], from origin: NodeID) -> ApplyOutcome {
        guard admit(origin).admitted else { return .refused }
        var state = remotes[origin] ?? RemoteOrigin(slot: slot(for: origin), logCapacity: logCapacity)
        let before = state.version
        for delta in deltas where delta.version > state.version {
            if delta.version == state.version + 1 {
                applyInOrder(delta, to: &state)
                drainPending(&state)
            } else if state.pending.count < pendingLimit {
                state.pending[delta.version] = delta
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

    private mutating func applyInOrder(_ delta: DirectoryDelta, to state: inout RemoteOrigin) {
        // A namespace past the table's capacity is not applied, but numbered all the same, so
        // the origin's later changes are not held back behind it.
        if let namespace = namespaceID(interning: delta.namespace) {
            state.apply(delta.change, in: namespace, index: &index)
        } else {
            refusedNamespaces += 1
        }
        state.version = delta.version
        state.log.append(delta)
    }

    private mutating func drainPending(_ state: inout RemoteOrigin) {
        while let next = state.pending.removeValue(forKey: state.version + 1) {
            applyInOrder(next, to: &state)
        }
        state.pending = state.pending.filter { $0.key > state.version }
        // Snapshots no newer than what is now applied will never be needed.
        if !state.stagings.isEmpty { state.stagings = state.stagings.filter { $0.value.version > state.version } }
    }

    /// Receives part `part` of a snapshot of `origin` at `version`; applies it when `last`.
    /// Returns true when the snapshot replaced the origin's state.
    @discardableResult
    package mutating func applySnapshot(
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
        guard version > state.version else { return false }
        // Parts are put together per sender: another sender may cut its parts differently.
        // A sender's newer snapshot replaces its older one, whose late parts are then ignored;
        // a duplicate part is ignored.
        let current = state.stagings[source]
        if let current, current.version > version { return false }
        let complete: [SnapshotEntry]
        if part == 0, last, current == nil {
            // The whole snapshot in one part, the usual case: nothing to put together.
            complete = entries
        } else {
            var staging = current.flatMap { $0.version == version ? $0 : nil } ?? SnapshotStaging(version: version)
            staging.add(part: part, last: last, entries: entries)
            guard staging.isComplete else {
                state.stagings[source] = staging
                return false
            }
            complete = staging.entries
        }
        state.clear(index: &index)
        for entry in complete {
            guard let namespace = namespaceID(interning: entry.namespace) else {
                refusedNamespaces += 1
                continue
            }
            state.apply(.join(entry.socket, entry.rooms), in: namespace, index: &index)
        }
        state.version = version
        state.log.removeAll()
        drainPending(&state)
        setVersion(state.version, of: origin)
        return true
    }

    // MARK: Anti-entropy

    /// What a peer whose vector is `digest` lacks, per origin: deltas when the log reaches back,
    /// else a snapshot. Either is cut in messages of at most `chunk` deltas or sockets and about
    /// `maximumBytes` of body each (one entry larger than that still goes, alone), so that no
    /// message outgrows the frames peers accept.
    package func catchUp(for digest: VersionVector, chunk: Int, maximumBytes: Int = .max) -> [CatchUp] {
        var result: [CatchUp] = []
        for origin in origins {
            let mine = vector[origin]
            let theirs = digest[origin]
            guard mine > theirs else { continue }
            let log = origin == selfID ? localLog : remotes[origin]!.log
            if let deltas = log.deltas(after: theirs, upTo: mine) {
                for part in Self.cut(deltas, count: chunk, bytes: maximumBytes, size: WireSize.delta) {
                    result.append(.deltas(origin: origin, part))
                }
            } else {
                result += snapshotParts(of: origin, chunk: chunk, maximumBytes: maximumBytes)
            }
        }
        return result
    }

    func snapshotParts(of origin: NodeID, chunk: Int, maximumBytes: Int = .max) -> [CatchUp] {
        var entries: [SnapshotEntry] = []
        if origin == selfID {
            for (slot, table) in locals.enumerated() {
                let name = namespaces.names[slot]
                for (socket, rooms) in table.roomsOf {
                    entries.append(SnapshotEntry(namespace: name, socket: socket, rooms: rooms.sorted()))
                }
            }
        } else {
            entries = remotes[origin]?.snapshotEntries(index: index, namespaces: namespaces) ?? []
        }
        entries.sort()
        let parts = Self.cut(entries, count: chunk, bytes: maximumBytes, size: WireSize.snapshotEntry)
        return parts.enumerated().map { part, slice in
            .snapshot(
                origin: origin, version: vector[origin], part: UInt32(part), last: part == parts.count - 1, slice)
        }
    }

    /// `items` in runs of at most `count` items and about `bytes` bytes as `size` measures them;
    /// one run (empty) when there are none.
    static func cut<T>(_ items: [T], count: Int, bytes: Int, size: (T) -> Int) -> [[T]] {
        var runs: [[T]] = []
        var run: [T] = []
        var runBytes = 0
        for item in items {
            let itemBytes = size(item)
            if !run.isEmpty, run.count >= max(1, count) || runBytes + itemBytes > bytes {
                runs.append(run)
                run = []
                runBytes = 0
            }
            run.append(item)
            runBytes += itemBytes
        }
        if !run.isEmpty || runs.isEmpty { runs.append(run) }
        return runs
    }

    /// True when `digest` has an admissible origin at a version this node lacks.
    package func isBehind(_ digest: VersionVector) -> Bool {
        digest.entries.contains { origin, version in version > vector[origin] && isAdmissible(origin) }
    }

    // MARK: Routing

    /// The remote nodes with at least one member in any of `rooms` of `namespace`, each once.
    public func nodes(withMembersIn rooms: Set<Room>, of namespace: NamespaceID = .main) -> [NodeID] {
        var result: [NodeID] = []
        forEachNode(withMembersIn: rooms, of: namespace) { result.append($0) }
        return result
    }

    /// Calls `body` once for each remote node with at least one member in any of `rooms`.
    func forEachNode(withMembersIn rooms: Set<Room>, of namespace: NamespaceID, _ body: (NodeID) -> Void) {
        if rooms.count == 1, let room = rooms.first {
            // One room: its holders are distinct nodes already.
            for holder in index.holders(of: ScopedRoom(namespace: namespace, room: room)) {
                if let node = nodeInSlot[Int(holder.slot)] { body(node) }
            }
            return
        }
        var seen: [UInt16] = []
        for room in rooms {
            for holder in index.holders(of: ScopedRoom(namespace: namespace, room: room))
            where !seen.contains(holder.slot) {
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
package enum CatchUp: Hashable, Sendable {
    case deltas(origin: NodeID, [DirectoryDelta])
    case snapshot(origin: NodeID, version: UInt64, part: UInt32, last: Bool, [SnapshotEntry])
}
