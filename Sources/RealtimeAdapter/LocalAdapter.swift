import NIOConcurrencyHelpers
public import NIOCore

/// The single-process adapter: rooms in memory, broadcasts straight to the host.
///
/// It behaves like Socket.IO's in-memory adapter, and every cluster-wide operation simply covers
/// this one server. One adapter serves one namespace. Thread-safe; every method returns without
/// suspending, and the host's `deliver` runs on the caller's thread.
public final class LocalAdapter: Adapter {
    private struct State {
        var table = RoomTable()
        var broadcasts: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    private let host: any SocketHost
    public let namespace: String
    /// The name this server reports in `fetchSockets` and in the ids of its broadcasts.
    public let serverName: String
    /// Distinguishes the ids of this adapter's broadcasts from an earlier process's.
    public let incarnation: UInt64

    /// - Throws: `AdapterError.invalidArgument` for a namespace no adapter can carry.
    public init(
        namespace: String = "/", host: any SocketHost, serverName: String = "local", incarnation: UInt64 = 0
    ) throws(AdapterError) {
        try AdapterLimits.check(namespace: namespace)
        self.namespace = namespace
        self.host = host
        self.serverName = serverName
        self.incarnation = incarnation
    }

    public func addAll(_ id: SocketID, rooms: Set<Room>) throws(AdapterError) {
        try AdapterLimits.check(id)
        try AdapterLimits.check(rooms)
        state.withLockedValue { _ = $0.table.add(id, to: rooms) }
    }

    public func del(_ id: SocketID, room: Room) {
        state.withLockedValue { _ = $0.table.remove(id, from: CollectionOfOne(room)) }
    }

    public func delAll(_ id: SocketID) {
        state.withLockedValue { _ = $0.table.removeAll(id) }
    }

    public func broadcast(_ packet: BroadcastPacket, options: BroadcastOptions) throws(AdapterError) {
        try AdapterLimits.check(options)
        let (targets, sequence) = state.withLockedValue { state in
            state.broadcasts += 1
            return (state.table.matching(options), state.broadcasts)
        }
        guard !targets.isEmpty else { return }
        let id = BroadcastID(origin: serverName, incarnation: incarnation, sequence: sequence)
        host.deliver(
            Delivery(packet: packet, volatile: options.flags.volatile, compress: options.flags.compress, id: id),
            to: targets)
    }

    public func broadcastWithAck(_ packet: BroadcastPacket, options: BroadcastOptions) async throws -> AckResult {
        try AdapterLimits.check(options)
        let targets = state.withLockedValue { $0.table.matching(options) }
        guard !targets.isEmpty else { return AckResult(expected: 0, responses: [:]) }
        let timeout = options.flags.timeout ?? .seconds(5)
        let responses = await host.deliverWithAck(packet, to: targets, timeout: timeout)
        return AckResult(expected: targets.count, responses: responses)
    }

    public func sockets(in rooms: Set<Room>) -> Set<SocketID> {
        state.withLockedValue { $0.table.sockets(in: rooms) }
    }

    public func socketRooms(_ id: SocketID) -> Set<Room>? {
        state.withLockedValue { $0.table.roomsOf[id] }
    }

    public func fetchSockets(_ options: BroadcastOptions) throws(AdapterError) -> [RemoteSocket] {
        try AdapterLimits.check(options)
        let found = state.withLockedValue { state in
            state.table.matching(options).map { ($0, state.table.roomsOf[$0] ?? []) }
        }
        return found.map { id, rooms in
            RemoteSocket(id: id, rooms: rooms, server: serverName, details: host.details(of: id))
        }
    }

    public func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) throws(AdapterError) {
        try AdapterLimits.check(options)
        try AdapterLimits.check(rooms)
        state.withLockedValue { state in
            for id in state.table.matching(options) { state.table.add(id, to: rooms) }
        }
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) throws(AdapterError) {
        try AdapterLimits.check(options)
        try AdapterLimits.check(rooms)
        state.withLockedValue { state in
            for id in state.table.matching(options) { state.table.remove(id, from: rooms) }
        }
    }

    public func disconnectSockets(_ options: BroadcastOptions, closeTransport: Bool) throws(AdapterError) {
        try AdapterLimits.check(options)
        let targets = state.withLockedValue { $0.table.matching(options) }
        if !targets.isEmpty { host.disconnect(targets, closeTransport: closeTransport) }
    }

    /// There are no other servers: nothing to send.
    public func serverSideEmit(_ packet: ByteBuffer) {}

    /// There are no other servers: no replies.
    public func serverSideEmitWithAck(_ packet: ByteBuffer, timeout: Duration) -> ServerReplies { ServerReplies() }

    public func serverCount() -> Int { 1 }
}
