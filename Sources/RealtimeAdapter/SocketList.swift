/// The sockets of one room: a set that also keeps its members in an array, so that a broadcast
/// to the room hands that array to the host as it is (one reference count) instead of
/// building a new one for every packet.
///
/// Inserting, removing and looking up are constant time; removing moves the last member into
/// the gap, so the order is stable only between changes.
public struct SocketList: Sendable, Equatable {
    public private(set) var elements: [SocketID] = []
    private var positions: [SocketID: Int] = [:]

    public init() {}

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    public func contains(_ id: SocketID) -> Bool { positions[id] != nil }

    /// Adds `id`; false if it was there already.
    @discardableResult
    public mutating func insert(_ id: SocketID) -> Bool {
        guard positions[id] == nil else { return false }
        positions[id] = elements.count
        elements.append(id)
        return true
    }

    /// Removes `id`; false if it was not there.
    @discardableResult
    public mutating func remove(_ id: SocketID) -> Bool {
        guard let position = positions.removeValue(forKey: id) else { return false }
        let last = elements.removeLast()
        if position < elements.count {
            elements[position] = last
            positions[last] = position
        }
        return true
    }

    /// The same members, whatever their order.
    public static func == (lhs: SocketList, rhs: SocketList) -> Bool {
        lhs.count == rhs.count && lhs.elements.allSatisfy(rhs.contains)
    }
}
