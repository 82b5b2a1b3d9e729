import MeshCore
public import NIOCore
public import RealtimeAdapter

/// The cluster adapter: every `Adapter` operation, extended across the mesh.
///
/// Local room changes apply on this node and are published at once; broadcasts go to the nodes
/// with members in their rooms; cluster-wide queries and room operations are requests that
/// collect every live peer's answer, or fail with `AdapterError.timeout` naming the silent ones.
public final class MeshAdapter: Adapter {
    public let node: MeshNode
    private let host: any SocketHost

    init(node: MeshNode, host: any SocketHost) {
        self.node = node
        self.host = host
    }

    public func addAll(_ id: SocketID, rooms: Set<Room>) async {
        await node.onLoop { core in
            core.run { instance, actions, now in instance.join(id, rooms: rooms, now: now, actions: &actions) }
        }
    }

    public func del(_ id: SocketID, room: Room) async {
        await node.onLoop { core in
            core.run { instance, actions, now in instance.leave(id, rooms: [room], now: now, actions: &actions) }
        }
    }

    public func delAll(_ id: SocketID) async {
        await node.onLoop { core in
            core.run { instance, actions, now in instance.remove(id, now: now, actions: &actions) }
        }
    }

    /// Returns once the broadcast is queued on the node's event loop, in order with this
    /// caller's other operations.
    public func broadcast(_ packet: ByteBuffer, options: BroadcastOptions) async {
        broadcastNow(packet, options: options)
    }

    /// `broadcast` without suspending, for code that runs on an event loop (a channel
    /// handler, say). Called on the node's own event loop, the frames are encoded before it
    /// returns and written at the end of the loop's tick; from any other thread it is queued,
    /// in order, for the node's loop.
    public func broadcastNow(_ packet: ByteBuffer, options: BroadcastOptions) {
        node.submit(.broadcast(packet, options))
    }

    public func broadcastWithAck(_ packet: ByteBuffer, options: BroadcastOptions) async throws -> AckResult {
        let timeout = options.flags.timeout ?? node.configuration.protocolSettings.requestTimeout
        let local = await node.onLoop { $0.instance.localMatches(options) }
        let remote: RequestOutcome?
        let localAcks: [SocketID: ByteBuffer]
        if options.flags.local {
            remote = nil
            localAcks = await host.deliverWithAck(packet, to: local, timeout: timeout)
        } else {
            let body = RequestBody.broadcastWithAck(
                options, packet: packet, timeoutMilliseconds: timeout.millisecondsClamped)
            // Remote nodes wait `timeout` for their clients; give their answers a request timeout more.
            async let outcome = request(body, timeout: timeout + node.configuration.protocolSettings.requestTimeout)
            localAcks = local.isEmpty ? [:] : await host.deliverWithAck(packet, to: local, timeout: timeout)
            remote = try await outcome
        }
        var result = AckResult(expected: local.count, responses: localAcks)
        for case .acks(let expected, let records) in remote?.responses.values.map({ $0 }) ?? [] {
            result.expected += Int(expected)
            for record in records { result.responses[record.socket] = record.response }
        }
        return result
    }

    public func sockets(in rooms: Set<Room>) async -> Set<SocketID> {
        await node.onLoop { $0.instance.directory.local.sockets(in: rooms) }
    }

    public func socketRooms(_ id: SocketID) async -> Set<Room>? {
        await node.onLoop { $0.instance.directory.local.roomsOf[id] }
    }

    public func fetchSockets(_ options: BroadcastOptions) async throws -> [RemoteSocket] {
        let name = node.id.name
        let local = await node.onLoop { core in
            core.instance.localMatches(options).map { ($0, core.instance.directory.local.roomsOf[$0] ?? []) }
        }
        var result = local.map { RemoteSocket(id: $0.0, rooms: $0.1, server: name, details: host.details(of: $0.0)) }
        guard !options.flags.local else { return result }
        let outcome = try await request(.fetchSockets(options), timeout: options.flags.timeout)
        for (peer, response) in outcome.responses {
            guard case .sockets(let records) = response else { continue }
            result += records.map {
                RemoteSocket(id: $0.socket, rooms: Set($0.rooms), server: peer.name, details: $0.details)
            }
        }
        return result
    }

    public func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) async throws {
        try await roomOperation(.addSockets(options, rooms: Array(rooms)), options: options)
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) async throws {
        try await roomOperation(.delSockets(options, rooms: Array(rooms)), options: options)
    }

    public func disconnectSockets(_ options: BroadcastOptions, closeTransport: Bool) async throws {
        try await roomOperation(.disconnectSockets(options, closeTransport: closeTransport), options: options)
    }

    public func serverSideEmit(_ packet: ByteBuffer) async throws {
        node.submit(.emit(packet))
    }

    public func serverSideEmitWithAck(_ packet: ByteBuffer, timeout: Duration) async throws -> [ServerReply] {
        let outcome = try await request(.serverSideEmit(packet), timeout: timeout)
        return outcome.responses.compactMap { peer, response in
            guard case .emitReply(let reply) = response else { return nil }
            return ServerReply(server: peer.name, reply: reply)
        }.sorted { $0.server < $1.server }
    }

    public func serverCount() async -> Int {
        await node.onLoop { $0.instance.serverCount }
    }

    // MARK: Internals

    private func roomOperation(_ body: RequestBody, options: BroadcastOptions) async throws {
        if options.flags.local {
            await node.onLoop { core in
                core.run { instance, actions, now in instance.applyLocally(body, now: now, actions: &actions) }
            }
            return
        }
        _ = try await request(body, timeout: options.flags.timeout)
    }

    /// Sends a request to every live peer; throws `.timeout` naming the peers that stayed silent.
    private func request(_ body: RequestBody, timeout: Duration?) async throws -> RequestOutcome {
        let future = await node.onLoop { $0.request(body, timeout: timeout) }
        let outcome = try await future.get()
        if !outcome.missing.isEmpty {
            throw AdapterError(
                code: .timeout, missingServers: outcome.missing.map(\.name),
                message:
                    "\(outcome.responses.count) of \(outcome.responses.count + outcome.missing.count) servers answered")
        }
        return outcome
    }
}
