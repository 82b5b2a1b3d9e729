/// Which sockets an operation targets, and how a broadcast travels.
///
/// The rule is Socket.IO's: the sockets in any of `rooms` (every socket when `rooms` is empty),
/// minus the sockets in any of `except`. A socket in several target rooms is targeted once.
public struct BroadcastOptions: Hashable, Sendable {
    public var rooms: Set<Room>
    public var except: Set<Room>
    public var flags: BroadcastFlags

    public init(rooms: Set<Room> = [], except: Set<Room> = [], flags: BroadcastFlags = .init()) {
        self.rooms = rooms
        self.except = except
        self.flags = flags
    }
}

/// Modifiers of one broadcast.
public struct BroadcastFlags: Hashable, Sendable {
    /// Deliver only to this node's sockets; nothing crosses the mesh.
    public var local: Bool
    /// The message may be dropped when a link is congested (each drop is counted).
    public var volatile: Bool
    /// Whether the server may compress the packet for its clients (Socket.IO's `compress`,
    /// websocket per-message deflate). Carried to every node; the host decides.
    public var compress: Bool
    /// How long `broadcastWithAck` waits for the clients' acknowledgements.
    public var timeout: Duration?

    public init(local: Bool = false, volatile: Bool = false, compress: Bool = false, timeout: Duration? = nil) {
        self.local = local
        self.volatile = volatile
        self.compress = compress
        self.timeout = timeout
    }
}
