@_spi(MeshInternals) import MeshCore
public import NIOCore
public import RealtimeAdapter
import Synchronization

/// The cluster adapter of one namespace: every `Adapter` operation, extended across the mesh.
///
/// Made by `MeshNode.makeAdapter(namespace:host:)`, one per namespace; a node serves any number.
/// Local room changes apply on this node and are published at once; broadcasts go to the nodes
/// with members in their rooms; cluster-wide queries and room operations are requests that
/// collect every live peer's answer, or fail with `AdapterError.timeout` naming the silent ones.
public final class ClusterAdapter: Adapter {
    public let node: MeshNode
    public let namespace: String
    let namespaceID: NamespaceID
    private let host: any SocketHost
    /// `limits.maximumFrameSize`, read once.
    private let frameLimit: Int
    /// Set by `close()`: the namespace may then belong to another adapter, which this one
    /// must not touch.
    private let closed = Atomic<Bool>(false)

    init(node: MeshNode, namespace: String, id: NamespaceID, host: any SocketHost) {
        self.node = node
        self.namespace = namespace
        self.namespaceID = id
        self.host = host
        self.frameLimit = node.configuration.limits.maximumFrameSize
    }

    public func addAll(_ id: SocketID, rooms: Set<Room>) async throws {
        try AdapterLimits.check(id)
        try AdapterLimits.check(rooms)
        let namespace = namespaceID
        try await onOwnLoop { core in
            core.run { instance, actions, now in
                instance.join(id, rooms: rooms, in: namespace, now: now, actions: &actions)
            }
        }
    }

    public func del(_ id: SocketID, room: Room) async throws {
        let namespace = namespaceID
        try await onOwnLoop { core in
            core.run { instance, actions, now in
                instance.leave(id, rooms: [room], in: namespace, now: now, actions: &actions)
            }
        }
    }

    public func delAll(_ id: SocketID) async throws {
        let namespace = namespaceID
        try await onOwnLoop { core in
            core.run { instance, actions, now in instance.remove(id, in: namespace, now: now, actions: &actions) }
        }
    }

    /// Returns once the broadcast is queued on the node's event loop, in order with this
    /// caller's other operations.
    public func broadcast(_ packet: BroadcastPacket, options: BroadcastOptions) async throws {
        try broadcastNow(packet, options: options)
    }

    /// `broadcast` without suspending, for code that runs on an event loop (a channel
    /// handler, say). Called on the node's own event loop, the frames are encoded before it
    /// returns and written when this call ends; from any other thread it is queued,
    /// in order, for the node's loop.
    ///
    /// - Throws: `.invalidArgument` for a room name no adapter carries, `.packetTooLarge` for
    ///   a broadcast whose frame peers would refuse (`MeshConfiguration.Limits`), `.shutdown`
    ///   once the node stopped. A refused broadcast reaches nobody, here or elsewhere.
    public func broadcastNow(_ packet: BroadcastPacket, options: BroadcastOptions) throws(AdapterError) {
        try checkOpen()
        // One pass over the names checks them and measures them. The exact frame size is only
        // worked out when this bound (above it by a few bytes) comes near the limit: this runs
        // on every broadcast, on the caller's thread.
        let nameBytes = try Self.measure(options.rooms) + Self.measure(options.except)
        if !options.flags.local {
            let bound = 64 + namespace.utf8.count + nameBytes + packet.byteCount + 4 * packet.attachments.count
            if bound > frameLimit {
                let size = MeshWire.orderedBroadcastSize(namespace: namespace, options: options, packet: packet)
                guard size <= frameLimit else {
                    node.countRefusedBroadcast()
                    throw AdapterError(
                        code: .packetTooLarge, message: "a broadcast of \(size) bytes (at most \(frameLimit))")
                }
            }
        }
        try node.submit(.broadcast(packet, options, namespaceID))
    }

    public func broadcastWithAck(_ packet: BroadcastPacket, options: BroadcastOptions) async throws -> AckResult {
        try AdapterLimits.check(options)
        if !options.flags.local { try checkFits(packet.byteCount + 4 * packet.attachments.count, options) }
        let timeout = options.flags.timeout ?? node.configuration.protocolSettings.requestTimeout
        let namespace = namespaceID
        let local = try await onOwnLoop { $0.instance.localMatches(options, in: namespace) }
        let remote: RequestOutcome?
        let localAcks: [SocketID: ByteBuffer]
        if options.flags.local {
            remote = nil
            localAcks = await host.deliverWithAck(packet, to: local, timeout: timeout)
        } else {
            let body = RequestBody.broadcastWithAck(
                options, packet: packet, timeoutMilliseconds: timeout.millisecondsClamped)
            // Remote nodes wait `timeout` for their clients; give their answers a request timeout more.
            async let outcome = collect(body, timeout: timeout + node.configuration.protocolSettings.requestTimeout)
            localAcks = local.isEmpty ? [:] : await host.deliverWithAck(packet, to: local, timeout: timeout)
            remote = try await outcome
        }
        var result = AckResult(
            expected: local.count, responses: localAcks, missingServers: remote?.missing.map(\.name) ?? [])
        for case .acks(let expected, let records) in remote?.responses.values.map({ $0 }) ?? [] {
            result.expected += Int(expected)
            for record in records { result.responses[record.socket] = record.response }
        }
        return result
    }

    public func sockets(in rooms: Set<Room>) async throws -> Set<SocketID> {
        let namespace = namespaceID
        return try await onOwnLoop { $0.instance.directory.local(namespace).sockets(in: rooms) }
    }

    public func socketRooms(_ id: SocketID) async throws -> Set<Room>? {
        let namespace = namespaceID
        return try await onOwnLoop { $0.instance.directory.local(namespace).roomsOf[id] }
    }

    public func fetchSockets(_ options: BroadcastOptions) async throws -> [RemoteSocket] {
        let collected = try await collectSockets(options)
        guard collected.missingServers.isEmpty else { throw Self.timeout(missing: collected.missingServers) }
        return collected.sockets
    }

    public func collectSockets(_ options: BroadcastOptions) async throws -> CollectedSockets {
        try AdapterLimits.check(options)
        let name = node.id.name
        let namespace = namespaceID
        let local = try await onOwnLoop { core in
            let table = core.instance.directory.local(namespace)
            return table.matching(options).map { ($0, table.roomsOf[$0] ?? []) }
        }
        var result = local.map { RemoteSocket(id: $0.0, rooms: $0.1, server: name, details: host.details(of: $0.0)) }
        guard !options.flags.local else { return CollectedSockets(sockets: result) }
        let outcome = try await collect(.fetchSockets(options), timeout: options.flags.timeout)
        for (peer, response) in outcome.responses {
            guard case .sockets(let records) = response else { continue }
            result += records.map {
                RemoteSocket(id: $0.socket, rooms: Set($0.rooms), server: peer.name, details: $0.details)
            }
        }
        return CollectedSockets(sockets: result, missingServers: outcome.missing.map(\.name))
    }

    public func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) async throws {
        try AdapterLimits.check(rooms)
        try checkFits(rooms.reduce(0) { $0 + 2 + $1.name.utf8.count }, options)
        try await roomOperation(.addSockets(options, rooms: Array(rooms)), options: options)
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) async throws {
        try AdapterLimits.check(rooms)
        try checkFits(rooms.reduce(0) { $0 + 2 + $1.name.utf8.count }, options)
        try await roomOperation(.delSockets(options, rooms: Array(rooms)), options: options)
    }

    public func disconnectSockets(_ options: BroadcastOptions, closeTransport: Bool) async throws {
        try await roomOperation(.disconnectSockets(options, closeTransport: closeTransport), options: options)
    }

    public func serverSideEmit(_ packet: ByteBuffer) async throws {
        try checkOpen()
        try checkFits(packet.readableBytes, BroadcastOptions())
        try node.submit(.emit(packet, namespaceID))
    }

    public func serverSideEmitWithAck(_ packet: ByteBuffer, timeout: Duration) async throws -> ServerReplies {
        try checkFits(packet.readableBytes, BroadcastOptions())
        let outcome = try await collect(.serverSideEmit(packet), timeout: timeout)
        let replies: [ServerReply] = outcome.responses.compactMap { peer, response in
            guard case .emitReply(let reply) = response else { return nil }
            return ServerReply(server: peer.name, reply: reply)
        }
        return ServerReplies(replies: replies, missingServers: outcome.missing.map(\.name))
    }

    public func serverCount() async throws -> Int {
        try await onOwnLoop { $0.instance.serverCount }
    }

    /// Removes this namespace's sockets from every node's directory and frees the namespace for
    /// another adapter. Later calls of this adapter throw `.closed`: the namespace may belong to
    /// a new adapter by then, whose sockets this one must not touch.
    public func close() async throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let namespace = namespaceID
        let host = self.host
        try await node.onLoop { core in core.close(namespace, host: host) }
    }

    // MARK: Internals

    /// Runs `body` on the node's loop while this adapter still hosts its namespace: a closed
    /// adapter's call, even one made while `close()` ran, never reaches the namespace's next
    /// adapter.
    private func onOwnLoop<T: Sendable>(_ body: @escaping @Sendable (NodeCore) throws -> T) async throws -> T {
        let (namespace, host) = (namespaceID, self.host)
        return try await node.onLoop { core in
            guard core.host(of: namespace) === host else { throw Self.closedError }
            return try body(core)
        }
    }

    /// For calls that queue work without waiting for the loop (`broadcastNow`, `serverSideEmit`);
    /// the others are checked on the loop by `onOwnLoop`.
    private func checkOpen() throws(AdapterError) {
        if closed.load(ordering: .acquiring) { throw Self.closedError }
    }

    private static let closedError = AdapterError(code: .closed, message: "the adapter was closed")

    /// `.timeout` naming the servers that stayed silent.
    private static func timeout(missing: [String]) -> AdapterError {
        AdapterError(code: .timeout, missingServers: missing, message: "\(missing.count) servers did not answer")
    }

    /// The bytes `rooms` take on the wire; `.invalidArgument` for a name longer than any adapter
    /// carries.
    private static func measure(_ rooms: Set<Room>) throws(AdapterError) -> Int {
        var bytes = 0
        for room in rooms {
            let length = room.name.utf8.count
            if length > AdapterLimits.maximumNameBytes { try AdapterLimits.check([room]) }
            bytes += 2 + length
        }
        return bytes
    }

    /// Throws `.packetTooLarge` when a request of `bytes` (packet or rooms) to `options` would
    /// make a frame larger than peers accept: refused, it would be replayed and refused forever.
    private func checkFits(_ bytes: Int, _ options: BroadcastOptions) throws(AdapterError) {
        // The frame's fixed fields, the namespace and the options' room names.
        var size = 64 + namespace.utf8.count + bytes
        for room in options.rooms { size += 2 + room.name.utf8.count }
        for room in options.except { size += 2 + room.name.utf8.count }
        guard size <= frameLimit else {
            throw AdapterError(code: .packetTooLarge, message: "a request of \(size) bytes (at most \(frameLimit))")
        }
    }

    private func roomOperation(_ body: RequestBody, options: BroadcastOptions) async throws {
        try AdapterLimits.check(options)
        let namespace = namespaceID
        if options.flags.local {
            try await onOwnLoop { core in
                core.run { instance, actions, now in
                    instance.applyLocally(body, in: namespace, now: now, actions: &actions)
                }
            }
            return
        }
        _ = try await request(body, timeout: options.flags.timeout)
    }

    /// Sends a request to every live peer; what they answered, and which stayed silent.
    private func collect(_ body: RequestBody, timeout: Duration?) async throws -> RequestOutcome {
        let namespace = namespaceID
        let future = try await onOwnLoop { $0.request(body, in: namespace, timeout: timeout) }
        return try await future.get()
    }

    /// Sends a request to every live peer; throws `.timeout` naming the peers that stayed silent.
    private func request(_ body: RequestBody, timeout: Duration?) async throws -> RequestOutcome {
        let outcome = try await collect(body, timeout: timeout)
        guard outcome.missing.isEmpty else { throw Self.timeout(missing: outcome.missing.map(\.name)) }
        return outcome
    }
}
