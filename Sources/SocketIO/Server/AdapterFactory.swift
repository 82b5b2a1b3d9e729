public import RealtimeAdapter

/// How a server makes each namespace's adapter: `LocalAdapter` for one process (the
/// default), or any other `Adapter`, such as a mesh node's for a cluster:
///
/// ```swift
/// let io = SocketIOServer(adapter: AdapterFactory { namespace, host in
///     try await node.makeAdapter(namespace: namespace, host: host)
/// })
/// ```
public struct AdapterFactory: Sendable {
    let make: @Sendable (_ namespace: String, _ host: any SocketHost) async throws -> any Adapter

    public init(_ make: @escaping @Sendable (_ namespace: String, _ host: any SocketHost) async throws -> any Adapter) {
        self.make = make
    }

    /// Rooms and broadcasts in this process only.
    public static func local(serverName: String = "local") -> AdapterFactory {
        AdapterFactory { namespace, host in try LocalAdapter(namespace: namespace, host: host, serverName: serverName) }
    }
}
