/// Every peer's state, keyed by node id, read and changed in place.
///
/// A `Dictionary` hands out copies of its values on reads, and a `Peer` holds its replay
/// buffer, reorder buffer and vectors: copying one on every frame costs more than handling the
/// frame. Here peers live in an array of slots. The per-frame paths use `read` (a borrow of
/// the slot) and `update` (the slot in place); the subscript is for the rest: its getter copies,
/// its `_modify` changes in place and adds or removes peers.
struct PeerTable: Sendable {
    private var slotOf: [NodeID: Int] = [:]
    private var ids: [NodeID?] = []
    private var slots: [Peer?] = []
    private var freeSlots: [Int] = []

    var count: Int { slotOf.count }
    var keys: Dictionary<NodeID, Int>.Keys { slotOf.keys }

    /// A few peers are found faster by comparing ids than by hashing one.
    private func slot(of id: NodeID) -> Int? {
        guard ids.count > 8 else {
            return ids.withUnsafeBufferPointer { ids in
                ids.firstIndex { $0?.incarnation == id.incarnation && $0 == id }
            }
        }
        return slotOf[id]
    }

    /// Reads `id`'s state without copying it (nil when unknown): for the per-frame paths,
    /// where the subscript's copy would cost more than the frame.
    func read<Result>(_ id: NodeID, _ body: (borrowing Peer) -> Result) -> Result? {
        guard let slot = slot(of: id) else { return nil }
        return slots.withUnsafeBufferPointer { body($0[slot]!) }
    }

    /// Changes `id`'s state in place (nil when unknown): for the per-frame paths, where the
    /// subscript's `_modify` coroutine would allocate its frame on every access.
    @discardableResult
    mutating func update<Result>(_ id: NodeID, _ body: (inout Peer) -> Result) -> Result? {
        guard let slot = slot(of: id) else { return nil }
        return body(&slots[slot]!)
    }

    /// A copy of `id`'s state to read, or its state changed in place (nil removes it).
    subscript(id: NodeID) -> Peer? {
        get {
            guard let slot = slot(of: id) else { return nil }
            return slots[slot]
        }
        _modify {
            // Only indices live in this accessor's frame: a `Peer` local would make the frame
            // too large to sit in the caller's buffer, and cost an allocation per access.
            if let slot = slot(of: id) {
                defer { if slots[slot] == nil { release(slot, of: id) } }
                yield &slots[slot]
            } else {
                let slot = vacantSlot()
                defer {
                    if slots[slot] != nil {
                        ids[slot] = id
                        slotOf[id] = slot
                    } else {
                        freeSlots.append(slot)
                    }
                }
                yield &slots[slot]
            }
        }
    }

    /// The ids of the peers `predicate` accepts, in id order.
    func ids(where predicate: (borrowing Peer) -> Bool) -> [NodeID] {
        var result: [NodeID] = []
        slots.withUnsafeBufferPointer { slots in
            for slot in slots.indices {
                if let id = ids[slot], slots[slot] != nil, predicate(slots[slot]!) { result.append(id) }
            }
        }
        if result.count > 1 { result.sort() }
        return result
    }

    /// A slot holding nothing, taken from the free list or added.
    private mutating func vacantSlot() -> Int {
        if let reused = freeSlots.popLast() { return reused }
        ids.append(nil)
        slots.append(nil)
        return slots.count - 1
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
