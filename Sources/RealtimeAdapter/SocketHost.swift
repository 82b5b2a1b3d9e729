public import NIOCore

/// The server side of one namespace's adapter: the owner of this process's sockets in it.
///
/// An adapter decides *which* local sockets a packet is for; the host writes it to them. Packets
/// are opaque bytes, encoded once by the server layer; the same buffers are handed out for every
/// recipient, so an implementation must not mutate them.
///
/// ## Threads
///
/// `deliver` and `disconnect` are called on the thread that made the broadcast happen: for a
/// `LocalAdapter`, the caller of `broadcast`; for a `ClusterAdapter`, the node's event loop
/// (`MeshNode.eventLoop`), for local and remote broadcasts alike, one broadcast after another in
/// the order the node took them. There a host must never block, wait for a lock held across
/// I/O, await, or call back into the adapter synchronously: it hands each recipient's bytes to
/// that client's own channel (`channel.eventLoop.execute` or a lock-free queue) and returns.
/// The other methods run in tasks and may suspend.
public protocol SocketHost: AnyObject, Sendable {
    /// Writes `delivery.packet` to each of `sockets`. Called on the broadcast path: it must not
    /// block (see "Threads").
    func deliver(_ delivery: Delivery, to sockets: [SocketID])

    /// Writes `packet` to each of `sockets` and collects the acknowledgements that arrive within
    /// `timeout`. Sockets that do not answer in time are simply absent from the result.
    func deliverWithAck(
        _ packet: BroadcastPacket,
        to sockets: [SocketID],
        timeout: Duration
    ) async -> [SocketID: ByteBuffer]

    /// Closes the given local sockets. The host calls `delAll` for each as usual.
    func disconnect(_ sockets: [SocketID], closeTransport: Bool)

    /// Opaque per-socket data returned by `fetchSockets` (Socket.IO's handshake and `data`).
    func details(of socket: SocketID) -> ByteBuffer?

    /// A message from another server (`serverSideEmit`); the reply, if any, goes back to it.
    func receiveServerSideEmit(_ packet: ByteBuffer, from server: String) async -> ByteBuffer?
}

extension SocketHost {
    public func details(of socket: SocketID) -> ByteBuffer? { nil }
    public func receiveServerSideEmit(_ packet: ByteBuffer, from server: String) async -> ByteBuffer? {
        nil
    }
}
