public import RealtimeAdapter

/// What one node knows of another origin's sockets: replicated, interned, numbered.
struct RemoteOrigin: Sendable {
    let slot: UInt16
    var version: UInt64 = 0
    var sockets: [ScopedSocket: [RoomIndex.ID]] = [:]
    var log: DeltaLog
    /// Deltas that arrived ahead of a gap, applied once the gap fills.
    var pending: [UInt64: DirectoryDelta] = [:]
    /// A snapshot being received in parts.
    var staging: SnapshotStaging?

    init(slot: UInt16, logCapacity: Int) {
        self.slot = slot
        self.log = DeltaLog(capacity: logCapacity)
    }

    var membershipCount: Int { sockets.values.reduce(0) { $0 + $1.count } }

    mutating func apply(_ change: DirectoryChange, in namespace: NamespaceID, index: inout RoomIndex) {
        switch change {
        case .join(let socket, let rooms):
            let key = ScopedSocket(namespace: namespace, socket: socket)
            var list = sockets[key] ?? []
            for room in rooms {
                let scoped = ScopedRoom(namespace: namespace, room: room)
                if let id = index.id(of: scoped), list.contains(id) { continue }
                list.append(index.addMember(scoped, slot: slot))
            }
            sockets[key] = list
        case .leave(let socket, let rooms):
            let key = ScopedSocket(namespace: namespace, socket: socket)
            guard var list = sockets[key] else { return }
            for room in rooms {
                guard let id = index.id(of: ScopedRoom(namespace: namespace, room: room)),
                    let at = list.firstIndex(of: id)
                else { continue }
                list.remove(at: at)
                index.removeMember(id, slot: slot)
            }
            sockets[key] = list.isEmpty ? nil : list
        case .remove(let socket):
            guard let list = sockets.removeValue(forKey: ScopedSocket(namespace: namespace, socket: socket)) else {
                return
            }
            for id in list { index.removeMember(id, slot: slot) }
        }
    }

    /// Forgets every membership, releasing its rooms in the index.
    mutating func clear(index: inout RoomIndex) {
        for list in sockets.values {
            for id in list { index.removeMember(id, slot: slot) }
        }
        sockets.removeAll()
    }

    func memberships(in namespace: NamespaceID, index: RoomIndex) -> [SocketID: Set<Room>] {
        var result: [SocketID: Set<Room>] = [:]
        for (key, rooms) in sockets where key.namespace == namespace {
            result[key.socket] = Set(rooms.map { index.room($0).room })
        }
        return result
    }

    func snapshotEntries(index: RoomIndex, namespaces: NamespaceTable) -> [SnapshotEntry] {
        sockets.map { key, rooms in
            SnapshotEntry(
                namespace: namespaces.name(key.namespace), socket: key.socket, rooms: rooms.map { index.room($0).room })
        }
    }
}

/// One socket of one namespace and its rooms, as carried in a snapshot.
@_spi(MeshInternals) public struct SnapshotEntry: Hashable, Sendable, Comparable {
    public var namespace: String
    public var socket: SocketID
    public var rooms: [Room]

    public init(namespace: String = "/", socket: SocketID, rooms: [Room]) {
        self.namespace = namespace
        self.socket = socket
        self.rooms = rooms
    }

    public static func < (lhs: SnapshotEntry, rhs: SnapshotEntry) -> Bool {
        (lhs.namespace, lhs.socket) < (rhs.namespace, rhs.socket)
    }
}

/// The parts of one snapshot received so far.
struct SnapshotStaging: Sendable {
    var source: NodeID?
    var version: UInt64
    var nextPart: UInt32
    var entries: [SnapshotEntry]
}
