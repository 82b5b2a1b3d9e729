import NIOConcurrencyHelpers
public import NIOCore

/// The single-process adapter: rooms in memory, broadcasts straight to the host.
///
/// It behaves like Socket.IO's in-memory adapter, and every cluster-wide operation simply covers
/// this one server. Thread-safe; every method returns without suspending.
public final class LocalAdapter: Adapter {
    private let table = NIOLockedValueBox(RoomTable())
    private let host: any SocketHost
    /// The name this server reports in `fetchSockets`.
    public let serverName: String

    public init(host: any SocketHost, serverName: String = "local") {
        self.host = host
        self.serverName = serverName
    }

    public func addAll(_ id: SocketID, rooms: Set<Room>) {
        table.withLockedValue { _ = $0.add(id, to: rooms) }
    }

    public func del(_ id: SocketID, room: Room) {
        table.withLockedValue { _ = $0.remove(id, from: CollectionOfOne(room)) }
    }

    public func delAll(_ id: SocketID) {
        table.withLockedValue { _ = $0.removeAll(id) }
    }

    public func broadcast(_ packet: ByteBuffer, options: BroadcastOptions) {
        let targets = table.withLockedValue { $0.matching(options) }
        if !targets.isEmpty { host.deliver(packet, to: targets) }
    }

    public func broadcastWithAck(_ packet: ByteBuffer, options: BroadcastOptions) async -> AckResult {
        let targets = table.withLockedValue { $0.matching(options) }
        guard !targets.isEmpty else { return AckResult(expected: 0, responses: [:]) }
        let timeout = options.flags.timeout ?? .seconds(5)
        let responses = await host.deliverWithAck(packet, to: targets, timeout: timeout)
        return AckResult(expected: targets.count, responses: responses)
    }

    public func sockets(in rooms: Set<Room>) -> Set<SocketID> {
        table.withLockedValue { $0.sockets(in: rooms) }
    }

    public func socketRooms(_ id: SocketID) -> Set<Room>? {
        table.withLockedValue { $0.roomsOf[id] }
    }

    public func fetchSockets(_ options: BroadcastOptions) -> [RemoteSocket] {
        let found = table.withLockedValue { table in
            table.matching(options).map { ($0, table.roomsOf[$0] ?? []) }
        }
        return found.map { id, rooms in
            RemoteSocket(id: id, rooms: rooms, server: serverName, details: host.details(of: id))
        }
    }

    public func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        table.withLockedValue { table in
            for id in table.matching(options) { table.add(id, to: rooms) }
        }
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        table.withLockedValue { table in
            for id in table.matching(options) { table.remove(id, from: rooms) }
        }
    }

    public func disconnectSockets(_ options: BroadcastOptions, closeTransport: Bool) {
        let targets = table.withLockedValue { $0.matching(options) }
        if !targets.isEmpty { host.disconnect(targets, closeTransport: closeTransport) }
    }

    /// There are no other servers: nothing to send.
    public func serverSideEmit(_ packet: ByteBuffer) {}

    /// There are no other servers: no replies.
    public func serverSideEmitWithAck(_ packet: ByteBuffer, timeout: Duration) -> [ServerReply] { [] }

    public func serverCount() -> Int { 1 }
}
