public import RealtimeAdapter

/// One change an origin made to its own sockets' memberships.
@_spi(MeshInternals) public enum DirectoryChange: Hashable, Sendable {
    /// The socket joined these rooms (the first join of a socket includes its own id's room).
    case join(SocketID, [Room])
    /// The socket left these rooms.
    case leave(SocketID, [Room])
    /// The socket left every room: it disconnected.
    case remove(SocketID)
}

/// A numbered change: the `version`-th change its origin made, to its sockets of `namespace`.
///
/// One numbering covers every namespace of an origin, so causal order holds across them.
@_spi(MeshInternals) public struct DirectoryDelta: Hashable, Sendable {
    public var version: UInt64
    public var namespace: String
    public var change: DirectoryChange

    public init(version: UInt64, namespace: String = "/", change: DirectoryChange) {
        self.version = version
        self.namespace = namespace
        self.change = change
    }
}

/// A bounded log of an origin's most recent deltas, so a peer that is a little behind gets the
/// deltas it misses rather than a whole snapshot.
struct DeltaLog: Sendable {
    private var ring: [DirectoryDelta] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func append(_ delta: DirectoryDelta) {
        if ring.count < capacity {
            ring.append(delta)
        } else {
            ring[head] = delta
            head = (head + 1) % capacity
        }
    }

    var oldestVersion: UInt64? { ring.isEmpty ? nil : ring[ring.count < capacity ? 0 : head].version }

    /// The deltas numbered after `version`, or nil when the log no longer reaches back to them.
    func deltas(after version: UInt64, upTo newest: UInt64) -> [DirectoryDelta]? {
        guard newest > version else { return [] }
        guard let oldest = oldestVersion, oldest <= version + 1 else { return nil }
        let start = Int(version + 1 - oldest)
        let count = Int(newest - version)
        guard start + count <= ring.count else { return nil }
        let base = ring.count < capacity ? 0 : head
        return (start..<(start + count)).map { ring[(base + $0) % ring.count] }
    }

    mutating func removeAll() {
        ring.removeAll()
        head = 0
    }
}
