@_spi(MeshInternals) package import MeshCore
package import RealtimeAdapter

/// One simulated server process: a mesh instance plus an independent model of its sockets.
package struct SimulatedNode: Sendable {
    package let name: String
    package internal(set) var instance: MeshInstance
    package internal(set) var running = true
    /// This node's sockets and rooms, kept by plain set logic to check the core against.
    package internal(set) var truth: [SocketID: Set<Room>] = [:]
    var socketCounter = 0

    init(name: String, incarnation: UInt64, settings: MeshSettings) {
        self.name = name
        self.instance = MeshInstance(id: NodeID(name: name, incarnation: incarnation), settings: settings)
    }

    package var id: NodeID { instance.id }

    mutating func newSocketID() -> SocketID {
        socketCounter += 1
        return SocketID("\(name).\(id.incarnation).s\(socketCounter)")
    }

    mutating func modelJoin(_ socket: SocketID, _ rooms: Set<Room>) {
        truth[socket, default: [socket.room]].formUnion(rooms)
    }

    mutating func modelLeave(_ socket: SocketID, _ rooms: Set<Room>) {
        truth[socket]?.subtract(rooms.subtracting([socket.room]))
    }

    mutating func modelRemove(_ socket: SocketID) {
        truth[socket] = nil
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
