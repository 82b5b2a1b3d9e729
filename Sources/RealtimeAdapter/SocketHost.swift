public import NIOCore

/// The server side of an adapter: the owner of this process's sockets.
///
/// An adapter decides *which* local sockets a packet is for; the host writes it to them. Packets
/// are opaque bytes, encoded once by the server layer; the same buffer is handed out for every
/// recipient, so an implementation must not mutate it.
public protocol SocketHost: AnyObject, Sendable {
    /// Writes `packet` to each of `sockets`. Called on the broadcast path: it must not block.
    func deliver(_ packet: ByteBuffer, to sockets: [SocketID])

    /// Writes `packet` to each of `sockets` and collects the acknowledgements that arrive within
    /// `timeout`. Sockets that do not answer in time are simply absent from the result.
    func deliverWithAck(
        _ packet: ByteBuffer,
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
