import RealtimeAdapter

/// A namespace as the node's tables key it: an interned number, local to this node.
///
/// The wire carries namespace names; each node interns them once, so every membership entry
/// costs two bytes for its namespace instead of a copy of the name.
@_spi(MeshInternals) public struct NamespaceID: Hashable, Sendable, Comparable {
    public let rawValue: UInt16

    init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `/`, interned first on every node.
    public static let main = NamespaceID(rawValue: 0)

    public static func < (lhs: NamespaceID, rhs: NamespaceID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The namespaces a node has seen, each interned once and never freed (an application has a
/// few; a cluster of peers that keeps inventing names is refused past `capacity`).
struct NamespaceTable: Sendable {
    private var ids: [String: NamespaceID] = ["/": .main]
    private(set) var names: [String] = ["/"]
    let capacity: Int

    init(capacity: Int = Int(UInt16.max)) { self.capacity = min(max(1, capacity), Int(UInt16.max)) }

    func id(of name: String) -> NamespaceID? {
        if name == "/" { return .main }
        return ids[name]
    }

    func name(_ id: NamespaceID) -> String { names[Int(id.rawValue)] }

    /// The id of `name`, interning it if new; nil when the table is full.
    mutating func intern(_ name: String) -> NamespaceID? {
        if let id = id(of: name) { return id }
        guard names.count < capacity else { return nil }
        let id = NamespaceID(rawValue: UInt16(names.count))
        ids[name] = id
        names.append(name)
        return id
    }
}

/// A room of one namespace, as the routing index keys it.
struct ScopedRoom: Hashable, Sendable {
    var namespace: NamespaceID
    var room: Room
}

/// A socket of one namespace, as a replica keys it.
struct ScopedSocket: Hashable, Sendable {
    var namespace: NamespaceID
    var socket: SocketID
}
