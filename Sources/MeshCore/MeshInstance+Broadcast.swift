import NIOCore
public import RealtimeAdapter

extension MeshInstance {
    /// Sends `packet` to every socket of `namespace` matching `options`: first to the peers
    /// that have members in the target rooms (every live peer when no room is named), then to
    /// local sockets, so a later local operation cannot overtake it on other nodes.
    ///
    /// Returns false, with nothing sent and the refusal counted, when the broadcast's frame
    /// would be larger than peers accept (`MeshSettings.maximumFrameSize`).
    @discardableResult
    public mutating func broadcast(
        _ packet: BroadcastPacket, options: BroadcastOptions, in namespace: NamespaceID = .main,
        actions: inout [MeshAction]
    ) -> Bool {
        let name = directory.namespaceName(namespace)
        let size =
            options.flags.local ? 0 : MeshWire.orderedBroadcastSize(namespace: name, options: options, packet: packet)
        guard size <= settings.maximumFrameSize else {
            counters.broadcastsRefused += 1
            return false
        }
        broadcastNumber += 1
        let number = broadcastNumber
        if !options.flags.local {
            // Routed into a buffer the instance keeps, so a broadcast allocates no list for it.
            var targets = routeBuffer
            routeBuffer = []
            defer {
                targets.removeAll(keepingCapacity: true)
                routeBuffer = targets
            }
            route(options.rooms, of: namespace, into: &targets)
            if !targets.isEmpty {
                if options.flags.volatile {
                    let frame = BroadcastFrame(namespace: name, options: options, number: number, packet: packet)
                    for peer in targets where isLinked(peer) {
                        actions.append(.send(.volatileBroadcast(frame), to: peer))
                    }
                } else {
                    for peer in targets {
                        sendOrdered(to: peer, actions: &actions) { sequence, vector, buffer in
                            MeshWire.encodeOrderedBroadcast(
                                sequence: sequence, vector: vector, namespace: name, number: number, options: options,
                                packet: packet, size: size, into: &buffer)
                        }
                    }
                }
                counters.broadcastsSent += 1
            }
        }
        deliverOwn(options, packet, number: number, in: namespace, actions: &actions)
        return true
    }

    /// The live peers a broadcast to `rooms` of `namespace` must reach: those with members in
    /// the rooms, and those this node asked to join sockets to them that have not yet
    /// reflected the join.
    package func routes(for rooms: Set<Room>, of namespace: NamespaceID = .main) -> [NodeID] {
        if rooms.isEmpty { return livePeers }
        var nodes: [NodeID] = []
        Self.addLive(
            Self.holders(of: rooms, namespace, in: directory), routedTo: rooms, of: namespace, peers: peers,
            pendingJoins: pendingJoins, into: &nodes)
        return nodes
    }

    /// `routes(for:)` for a broadcast, into the caller's buffer: the nodes holding `rooms` are looked up once and
    /// kept until the directory changes or other rooms are routed to, so a run of broadcasts to
    /// the same rooms costs a comparison and a liveness check per node.
    mutating func route(_ rooms: Set<Room>, of namespace: NamespaceID, into nodes: inout [NodeID]) {
        if rooms.isEmpty {
            nodes.append(contentsOf: livePeers)
            return
        }
        if routeMemo?.epoch != directory.epoch || routeMemo?.namespace != namespace
            || !Self.same(rooms, routeMemo?.rooms)
        {
            routeMemo = RouteMemo(
                namespace: namespace, rooms: rooms, epoch: directory.epoch,
                holders: Self.holders(of: rooms, namespace, in: directory))
        }
        // Static, with the parts it reads passed in: a method of the instance called from here
        // made Swift copy the whole instance on every broadcast.
        Self.addLive(
            routeMemo!.holders, routedTo: rooms, of: namespace, peers: peers, pendingJoins: pendingJoins, into: &nodes)
    }

    /// The remote nodes with members in `rooms` of `namespace`, sorted, live or not.
    private static func holders(of rooms: Set<Room>, _ namespace: NamespaceID, in directory: borrowing MeshDirectory)
        -> [NodeID]
    {
        directory.nodes(withMembersIn: rooms, of: namespace).sorted()
    }

    /// Whether `rooms` and `other` name the same rooms; one room each (the common case) is
    /// compared by name, without hashing.
    private static func same(_ rooms: Set<Room>, _ other: Set<Room>?) -> Bool {
        guard let other else { return false }
        if rooms.count == 1, other.count == 1 { return rooms.first == other.first }
        return rooms == other
    }

    /// Appends the live ones of `holders` (sorted), then the live nodes a pending join to
    /// `rooms` waits on, keeping the whole sorted.
    private static func addLive(
        _ holders: [NodeID], routedTo rooms: Set<Room>, of namespace: NamespaceID, peers: borrowing PeerTable,
        pendingJoins: borrowing PendingJoins, into nodes: inout [NodeID]
    ) {
        for node in holders where peers.read(node, { $0.status.isLive }) == true { nodes.append(node) }
        let before = nodes.count
        pendingJoins.addNodes(for: rooms, of: namespace, to: &nodes, ifLiveIn: peers)
        if nodes.count > before { nodes.sort() }
    }
}

/// This node's sockets in `room` of `namespace` when the directory was at `epoch`.
struct LocalMemo: Sendable {
    var namespace: NamespaceID
    var room: Room
    var epoch: UInt64
    var sockets: [SocketID]
}

/// The nodes with members in `rooms` when the directory was at `epoch`, sorted.
struct RouteMemo: Sendable {
    var namespace: NamespaceID
    var rooms: Set<Room>
    var epoch: UInt64
    var holders: [NodeID]
}

/// Room operations this node sent to other nodes whose effect it has not yet seen in its own
/// directory. They count as membership for routing, so join-then-broadcast is never routed
/// around the new members.
struct PendingJoins: Sendable {
    private struct Entry: Sendable {
        var namespace: NamespaceID
        var rooms: Set<Room>
        /// Per node: nil until it answers; then the version of its origin that holds the join.
        var waiting: [NodeID: UInt64?]
    }

    private var entries: [RequestID: Entry] = [:]

    mutating func add(_ id: RequestID, rooms: Set<Room>, of namespace: NamespaceID, nodes: [NodeID]) {
        guard !rooms.isEmpty, !nodes.isEmpty else { return }
        entries[id] = Entry(
            namespace: namespace, rooms: rooms, waiting: Dictionary(uniqueKeysWithValues: nodes.map { ($0, nil) }))
    }

    mutating func answered(_ id: RequestID, by node: NodeID, affected: UInt32, version: UInt64) {
        guard entries[id] != nil else { return }
        if affected == 0 {
            entries[id]?.waiting[node] = nil
        } else {
            entries[id]?.waiting[node] = .some(version)
        }
        if entries[id]?.waiting.isEmpty == true { entries[id] = nil }
    }

    /// Forgets the nodes whose join the directory now reflects.
    mutating func settle(against directory: MeshDirectory) {
        guard !entries.isEmpty else { return }
        for (id, entry) in entries {
            let waiting = entry.waiting.filter { node, version in
                guard let version else { return true }
                return directory.version(of: node) < version
            }
            entries[id] =
                waiting.isEmpty ? nil : Entry(namespace: entry.namespace, rooms: entry.rooms, waiting: waiting)
        }
    }

    mutating func remove(node: NodeID) {
        for (id, entry) in entries where entry.waiting[node] != nil {
            entries[id]?.waiting[node] = nil
            if entries[id]?.waiting.isEmpty == true { entries[id] = nil }
        }
    }

    /// Drops the nodes of request `id` that never answered it.
    mutating func expire(_ id: RequestID, silent: [NodeID]) {
        for node in silent { entries[id]?.waiting[node] = nil }
        if entries[id]?.waiting.isEmpty == true { entries[id] = nil }
    }

    /// Adds the nodes still waited on for a join to any of `rooms` of `namespace` (each once,
    /// if live).
    func addNodes(
        for rooms: Set<Room>, of namespace: NamespaceID, to nodes: inout [NodeID], ifLiveIn peers: PeerTable
    ) {
        guard !entries.isEmpty else { return }
        for entry in entries.values where entry.namespace == namespace && !entry.rooms.isDisjoint(with: rooms) {
            for node in entry.waiting.keys where !nodes.contains(node) && peers.read(node, { $0.status.isLive }) == true
            {
                nodes.append(node)
            }
        }
    }
}
