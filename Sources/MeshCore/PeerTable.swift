/// Every peer's state, keyed by node id, read and changed in place.
///
/// A `Dictionary` hands out copies of its values on reads, and a `Peer` holds its replay
/// buffer, reorder buffer and vectors: copying one on every frame costs more than handling the
/// frame. Here peers live in an array of slots; the subscript borrows a slot for reads and
/// yields it in place for writes, so `peers[id]?.inbound.expected` touches one field.
struct PeerTable: Sendable {
    private var slotOf: [NodeID: Int] = [:]
    private var ids: [NodeID?] = []
    private var slots: [Peer?] = []
    private var freeSlots: [Int] = []

    var count: Int { slotOf.count }
    var isEmpty: Bool { slotOf.isEmpty }
    var keys: Dictionary<NodeID, Int>.Keys { slotOf.keys }

    subscript(id: NodeID) -> Peer? {
        _read {
            if let slot = slotOf[id] { yield slots[slot] } else { yield nil }
        }
        _modify {
            if let slot = slotOf[id] {
                yield &slots[slot]
                if slots[slot] == nil { release(slot, of: id) }
            } else {
                var added: Peer?
                yield &added
                if let added { insert(added, for: id) }
            }
        }
    }

    /// The ids of the peers `predicate` accepts, in id order.
    func ids(where predicate: (Peer) -> Bool) -> [NodeID] {
        var result: [NodeID] = []
        for slot in slots.indices {
            if let id = ids[slot], let peer = slots[slot], predicate(peer) { result.append(id) }
        }
        if result.count > 1 { result.sort() }
        return result
    }

    private mutating func insert(_ peer: Peer, for id: NodeID) {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            ids[slot] = id
            slots[slot] = peer
        } else {
            slot = slots.count
            ids.append(id)
            slots.append(peer)
        }
        slotOf[id] = slot
    }

    private mutating func release(_ slot: Int, of id: NodeID) {
        slotOf[id] = nil
        ids[slot] = nil
        freeSlots.append(slot)
    }
}

extension PeerTable: Sequence {
    struct Iterator: IteratorProtocol {
        fileprivate let table: PeerTable
        fileprivate var slot = 0

        mutating func next() -> (key: NodeID, value: Peer)? {
            while slot < table.slots.count {
                defer { slot += 1 }
                if let id = table.ids[slot], let peer = table.slots[slot] { return (id, peer) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(table: self) }

    var underestimatedCount: Int { count }
}
