import RealtimeAdapter

/// Interned room names (of every namespace) plus, per room, which remote nodes have members in it.
///
/// A room is interned while at least one remote origin has a member in it; memberships store
/// the room's 32-bit id instead of a copy of its name. `holders` is the routing index:
/// (namespace, room) -> (node slot, member count on that node). A room `chat` of `/a` and one
/// of `/b` are two entries.
struct RoomIndex: Sendable {
    typealias ID = UInt32

    struct Holder: Sendable, Equatable {
        var slot: UInt16
        var count: UInt32
    }

    private struct Entry: Sendable {
        var room: ScopedRoom
        var holders: [Holder]
    }

    private(set) var ids: [ScopedRoom: ID] = [:]
    private var entries: [Entry] = []
    private var free: [ID] = []

    var roomCount: Int { ids.count }

    func id(of room: ScopedRoom) -> ID? { ids[room] }

    func room(_ id: ID) -> ScopedRoom { entries[Int(id)].room }

    func holders(of id: ID) -> [Holder] { entries[Int(id)].holders }

    func holders(of room: ScopedRoom) -> [Holder] {
        guard let id = ids[room] else { return [] }
        return entries[Int(id)].holders
    }

    /// Counts one more member of `room` on the node in `slot`; returns the room's id.
    mutating func addMember(_ room: ScopedRoom, slot: UInt16) -> ID {
        let id: ID
        if let existing = ids[room] {
            id = existing
        } else if let reused = free.popLast() {
            id = reused
            entries[Int(id)] = Entry(room: room, holders: [])
            ids[room] = id
        } else {
            id = ID(entries.count)
            entries.append(Entry(room: room, holders: []))
            ids[room] = id
        }
        if let index = entries[Int(id)].holders.firstIndex(where: { $0.slot == slot }) {
            entries[Int(id)].holders[index].count += 1
        } else {
            entries[Int(id)].holders.append(Holder(slot: slot, count: 1))
        }
        return id
    }

    /// Counts one member less of room `id` on the node in `slot`; frees the room when no node
    /// has a member left.
    mutating func removeMember(_ id: ID, slot: UInt16) {
        guard let index = entries[Int(id)].holders.firstIndex(where: { $0.slot == slot }) else {
            preconditionFailure("room \(id) has no member on slot \(slot)")
        }
        entries[Int(id)].holders[index].count -= 1
        if entries[Int(id)].holders[index].count == 0 {
            entries[Int(id)].holders.remove(at: index)
            if entries[Int(id)].holders.isEmpty {
                ids[entries[Int(id)].room] = nil
                entries[Int(id)].room = ScopedRoom(namespace: .main, room: Room(""))
                free.append(id)
            }
        }
    }
}
