/// The rooms of one server's own sockets: Socket.IO's `rooms` and `sids` maps as a value type.
///
/// Pure state, no I/O: `LocalAdapter` wraps it in a lock and the mesh core keeps one for the
/// node's own sockets, so both apply the same matching rules.
public struct RoomTable: Sendable, Equatable {
    public private(set) var members: [Room: SocketList] = [:]
    public private(set) var roomsOf: [SocketID: Set<Room>] = [:]

    public init() {}

    public var socketCount: Int { roomsOf.count }
    public var membershipCount: Int { roomsOf.values.reduce(0) { $0 + $1.count } }

    /// Adds `id` to `rooms`, and to the room named by its id the first time it is seen;
    /// returns the rooms it was not already in.
    @discardableResult
    public mutating func add(_ id: SocketID, to rooms: some Sequence<Room>) -> [Room] {
        var added: [Room] = []
        let ownRoom = roomsOf[id] == nil ? [id.room] : []
        for room in ownRoom + Array(rooms) where roomsOf[id, default: []].insert(room).inserted {
            members[room, default: SocketList()].insert(id)
            added.append(room)
        }
        return added
    }

    /// Removes `id` from `rooms`; returns the rooms it was in. A socket stays in the room named
    /// by its own id until `removeAll`.
    @discardableResult
    public mutating func remove(_ id: SocketID, from rooms: some Sequence<Room>) -> [Room] {
        guard var current = roomsOf[id] else { return [] }
        var removed: [Room] = []
        for room in rooms where room != id.room && current.remove(room) != nil {
            removeMember(id, of: room)
            removed.append(room)
        }
        roomsOf[id] = current.isEmpty ? nil : current
        return removed
    }

    /// Removes `id` from every room; returns the rooms it was in.
    @discardableResult
    public mutating func removeAll(_ id: SocketID) -> Set<Room> {
        guard let current = roomsOf.removeValue(forKey: id) else { return [] }
        for room in current { removeMember(id, of: room) }
        return current
    }

    private mutating func removeMember(_ id: SocketID, of room: Room) {
        members[room]?.remove(id)
        if members[room]?.isEmpty == true { members[room] = nil }
    }

    /// The sockets in any of `rooms`, or every socket when `rooms` is empty.
    public func sockets(in rooms: Set<Room>) -> Set<SocketID> {
        if rooms.isEmpty { return Set(roomsOf.keys) }
        var result = Set<SocketID>()
        for room in rooms { if let list = members[room] { result.formUnion(list.elements) } }
        return result
    }

    /// The sockets that `options` targets: in `rooms` (or all), minus those in `except`.
    /// Each appears once. For one room and no exclusion, nearly every broadcast, the room's own
    /// list is returned, without building anything.
    public func matching(_ options: BroadcastOptions) -> [SocketID] {
        if options.rooms.count == 1, options.except.isEmpty, let room = options.rooms.first {
            return sockets(inOnly: room)
        }
        var targeted = sockets(in: options.rooms)
        for room in options.except {
            guard let excluded = members[room] else { continue }
            targeted.subtract(excluded.elements)
            if targeted.isEmpty { break }
        }
        return Array(targeted)
    }

    /// The sockets in `room`, as its own list (a broadcast to one room and no exclusion).
    public func sockets(inOnly room: Room) -> [SocketID] { members[room]?.elements ?? [] }

    /// `matching` for rooms and exclusions given as lists, as they arrive from the network.
    public func matching(rooms: [Room], except: [Room]) -> [SocketID] {
        if rooms.count == 1, except.isEmpty { return sockets(inOnly: rooms[0]) }
        return matching(BroadcastOptions(rooms: Set(rooms), except: Set(except)))
    }
}
