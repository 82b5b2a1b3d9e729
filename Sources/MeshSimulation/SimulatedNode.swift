@_spi(MeshInternals) package import MeshCore
package import RealtimeAdapter

/// One simulated server process: a mesh instance plus an independent model of its sockets.
package struct SimulatedNode: Sendable {
    package let name: String
    package internal(set) var instance: MeshInstance
    package internal(set) var running = true
    /// This node's sockets and rooms per namespace name, kept by plain set logic to check the
    /// core against. A namespace appears once a socket of it has.
    package internal(set) var truth: [String: [SocketID: Set<Room>]] = [:]
    /// When the node's timer fires next, as its core last asked.
    var tickDue: MeshInstant?
    var socketCounter = 0

    init(name: String, incarnation: UInt64, settings: MeshSettings) {
        self.name = name
        self.instance = MeshInstance(id: NodeID(name: name, incarnation: incarnation), settings: settings)
    }

    package var id: NodeID { instance.id }

    /// This node's sockets of `namespace`.
    package func sockets(of namespace: String) -> [SocketID: Set<Room>] { truth[namespace] ?? [:] }

    /// Every socket of this node, in any namespace.
    package var socketCount: Int { truth.values.reduce(0) { $0 + $1.count } }

    /// The model with the namespaces that hold no socket left out, as the directory reports.
    var memberships: [String: [SocketID: Set<Room>]] { truth.filter { !$0.value.isEmpty } }

    /// A socket id no other socket of any namespace, node or incarnation has.
    mutating func newSocketID() -> SocketID {
        socketCounter += 1
        return SocketID("\(name).\(id.incarnation).s\(socketCounter)")
    }

    /// The interned id of `namespace` on this node.
    mutating func namespaceID(_ namespace: String) -> NamespaceID {
        guard let id = instance.namespaceID(interning: namespace) else {
            preconditionFailure("the simulation uses a handful of namespaces, far below the limit")
        }
        return id
    }

    mutating func modelJoin(_ socket: SocketID, _ rooms: Set<Room>, in namespace: String) {
        truth[namespace, default: [:]][socket, default: [socket.room]].formUnion(rooms)
    }

    mutating func modelLeave(_ socket: SocketID, _ rooms: Set<Room>, in namespace: String) {
        truth[namespace]?[socket]?.subtract(rooms.subtracting([socket.room]))
    }

    mutating func modelRemove(_ socket: SocketID, in namespace: String) {
        truth[namespace]?[socket] = nil
    }
}

/// An unordered pair of node names: one simulated connection.
struct NodePair: Hashable, Sendable {
    let low: String
    let high: String

    init(_ a: String, _ b: String) {
        (low, high) = a < b ? (a, b) : (b, a)
    }
}
