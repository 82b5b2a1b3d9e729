public import RealtimeAdapter

/// What one node knows of another origin's sockets: replicated, interned, numbered.
struct RemoteOrigin: Sendable {
    let slot: UInt16
    var version: UInt64 = 0
    var sockets: [SocketID: [RoomIndex.ID]] = [:]
    var log: DeltaLog
    /// Deltas that arrived ahead of a gap, applied once the gap fills.
    var pending: [UInt64: DirectoryChange] = [:]
    /// A snapshot being received in parts.
    var staging: SnapshotStaging?

    init(slot: UInt16, logCapacity: Int) {
        self.slot = slot
        self.log = DeltaLog(capacity: logCapacity)
    }

    var membershipCount: Int { sockets.values.reduce(0) { $0 + $1.count } }

    mutating func apply(_ change: DirectoryChange, index: inout RoomIndex) {
        switch change {
        case .join(let socket, let rooms):
            var list = sockets[socket] ?? []
            for room in rooms {
                if let id = index.id(of: room), list.contains(id) { continue }
                list.append(index.addMember(room, slot: slot))
            }
            sockets[socket] = list
        case .leave(let socket, let rooms):
            guard var list = sockets[socket] else { return }
            for room in rooms {
                guard let id = index.id(of: room), let at = list.firstIndex(of: id) else { continue }
                list.remove(at: at)
                index.removeMember(id, slot: slot)
            }
            sockets[socket] = list.isEmpty ? nil : list
        case .remove(let socket):
            guard let list = sockets.removeValue(forKey: socket) else { return }
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

    func memberships(index: RoomIndex) -> [SocketID: Set<Room>] {
        sockets.mapValues { Set($0.map(index.room)) }
    }

    func snapshotEntries(index: RoomIndex) -> [SnapshotEntry] {
        sockets.map { SnapshotEntry(socket: $0.key, rooms: $0.value.map(index.room)) }
    }
}

/// One socket and its rooms, as carried in a snapshot.
public struct SnapshotEntry: Hashable, Sendable {
    public var socket: SocketID
    public var rooms: [Room]

    public init(socket: SocketID, rooms: [Room]) {
        self.socket = socket
        self.rooms = rooms
    }
}

/// The parts of one snapshot received so far.
struct SnapshotStaging: Sendable {
    var source: NodeID?
    var version: UInt64
    var nextPart: UInt32
    var entries: [SnapshotEntry]
}
