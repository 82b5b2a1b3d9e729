public import RealtimeAdapter

/// What one node knows of another origin's sockets: replicated, interned, numbered.
struct RemoteOrigin: Sendable {
    let slot: UInt16
    var version: UInt64 = 0
    var sockets: [ScopedSocket: [RoomIndex.ID]] = [:]
    var log: DeltaLog
    /// Deltas that arrived ahead of a gap, applied once the gap fills.
    var pending: [UInt64: DirectoryDelta] = [:]
    /// Snapshots being received in parts, one per sender (a node restarting asks several
    /// peers, whose parts may interleave).
    var stagings: [NodeID?: SnapshotStaging] = [:]

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

/// The parts of one sender's snapshot at one version received so far, in whatever order they
/// came: a part lost or late is filled in by the same sender's next snapshot of that version
/// (anti-entropy sends it again, cut the same way), so the parts already here are kept.
struct SnapshotStaging: Sendable {
    let version: UInt64
    private var parts: [UInt32: [SnapshotEntry]] = [:]
    /// The index of the part marked last, once it came.
    private var lastPart: UInt32?

    init(version: UInt64) { self.version = version }

    /// Parts one snapshot may have: far more than any real one is cut into (a part holds up to
    /// `snapshotChunk` sockets or half the frame limit), so a peer that sends parts without end
    /// cannot grow a staging without bound.
    static let maximumParts = 1 << 16

    mutating func add(part: UInt32, last: Bool, entries: [SnapshotEntry]) {
        if let lastPart, part > lastPart { return }
        if last { lastPart = part }
        guard parts[part] == nil, parts.count < Self.maximumParts else { return }
        parts[part] = entries
    }

    /// Every part from 0 to the last is here, and none beyond it.
    var isComplete: Bool {
        guard let lastPart else { return false }
        return parts.count == Int(lastPart) + 1 && parts.keys.allSatisfy { $0 <= lastPart }
    }

    /// The entries of every part, in part order.
    var entries: [SnapshotEntry] { parts.sorted { $0.key < $1.key }.flatMap(\.value) }
}
