public import NIOCore

/// The interface a realtime server uses to track rooms and reach sockets, on one process or many.
///
/// It mirrors the Socket.IO adapter (see the README for the table of names). One adapter instance
/// serves one namespace of one server process. `LocalAdapter` keeps everything in memory;
/// `ClusterAdapter` extends every operation across a cluster of processes.
///
/// Operations on local sockets (`addAll`, `del`, `delAll`) apply at once and are published to the
/// cluster before they return, so a later broadcast from anywhere is ordered after them.
///
/// Room names and socket ids often come straight from clients: one the adapter cannot carry
/// (see `AdapterLimits`) is refused with `AdapterError.invalidArgument`, a packet too large with
/// `.packetTooLarge`, and a call after shutdown with `.shutdown`. Nothing is half applied.
public protocol Adapter: Sendable {
    /// The Socket.IO namespace this adapter serves (`/`, `/chat`).
    var namespace: String { get }

    /// Puts local socket `id` in `rooms`.
    func addAll(_ id: SocketID, rooms: Set<Room>) async throws

    /// Takes local socket `id` out of `room`. Deletes the room when it empties.
    func del(_ id: SocketID, room: Room) async throws

    /// Takes local socket `id` out of every room (on disconnect).
    func delAll(_ id: SocketID) async throws

    /// Sends `packet` to every socket matching `options`, on every server unless `flags.local`.
    func broadcast(_ packet: BroadcastPacket, options: BroadcastOptions) async throws

    /// Like `broadcast`, then collects client acknowledgements until `flags.timeout`; a server
    /// that does not answer is named in the result's `missingServers`, not an error.
    func broadcastWithAck(_ packet: BroadcastPacket, options: BroadcastOptions) async throws -> AckResult

    /// The local sockets in any of `rooms` (every local socket when `rooms` is empty).
    func sockets(in rooms: Set<Room>) async throws -> Set<SocketID>

    /// The rooms of local socket `id`, or nil when this server does not know it.
    func socketRooms(_ id: SocketID) async throws -> Set<Room>?

    /// The sockets matching `options`, cluster-wide unless `flags.local`. Throws `.timeout`
    /// naming the servers that did not answer, as Socket.IO's adapters do; `collectSockets`
    /// keeps the others' answers instead.
    func fetchSockets(_ options: BroadcastOptions) async throws -> [RemoteSocket]

    /// Like `fetchSockets`, but a server that stays silent costs only its own sockets: the
    /// others' are returned, and the silent servers named in `missingServers`.
    func collectSockets(_ options: BroadcastOptions) async throws -> CollectedSockets

    /// Makes every socket matching `options`, wherever it is connected, join `rooms`.
    func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) async throws

    /// Makes every socket matching `options`, wherever it is connected, leave `rooms`.
    func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) async throws

    /// Disconnects every socket matching `options`, wherever it is connected.
    func disconnectSockets(_ options: BroadcastOptions, closeTransport: Bool) async throws

    /// Sends `packet` to every other server's `SocketHost.receiveServerSideEmit`.
    func serverSideEmit(_ packet: ByteBuffer) async throws

    /// Like `serverSideEmit`, then waits up to `timeout` for every other server's reply; the
    /// replies that came, and the servers that stayed silent (no error for those).
    func serverSideEmitWithAck(_ packet: ByteBuffer, timeout: Duration) async throws -> ServerReplies

    /// This server plus the other live servers of the cluster.
    func serverCount() async throws -> Int
}

extension Adapter {
    /// `broadcast` of a packet of one frame.
    public func broadcast(_ packet: ByteBuffer, options: BroadcastOptions) async throws {
        try await broadcast(BroadcastPacket(packet), options: options)
    }

    /// `broadcastWithAck` of a packet of one frame.
    public func broadcastWithAck(_ packet: ByteBuffer, options: BroadcastOptions) async throws -> AckResult {
        try await broadcastWithAck(BroadcastPacket(packet), options: options)
    }
}

extension Adapter {
    /// For an adapter of one server, whose `fetchSockets` has no other server to wait for.
    public func collectSockets(_ options: BroadcastOptions) async throws -> CollectedSockets {
        CollectedSockets(sockets: try await fetchSockets(options))
    }
}
