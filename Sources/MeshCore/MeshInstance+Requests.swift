public import NIOCore
public import RealtimeAdapter

extension MeshInstance {
    /// Starts a cluster-wide request to every live peer. Room operations are sent first and
    /// then applied to this node's own sockets, so their order holds everywhere. The outcome
    /// arrives later as `.complete(id, outcome)`.
    @discardableResult
    public mutating func request(
        _ body: RequestBody, timeout: Duration? = nil, now: MeshInstant, actions: inout [MeshAction]
    ) -> RequestID {
        let targets = livePeers
        var completions: [MeshAction] = []
        let id = requests.start(
            targets: Set(targets), deadline: now + (timeout ?? settings.requestTimeout), actions: &completions)
        for peer in targets { sendOrdered(.request(id, body), to: peer, actions: &actions) }
        if case .addSockets(_, let rooms) = body { pendingJoins.add(id, rooms: Set(rooms), nodes: targets) }
        _ = applyRoomOperation(body, now: now, actions: &actions)
        actions += completions
        return id
    }

    /// Answers a request the shell was asked to serve.
    public mutating func respond(
        to peer: NodeID, id requestID: RequestID, with body: ResponseBody, actions: inout [MeshAction]
    ) {
        sendOrdered(.response(requestID, body), to: peer, actions: &actions)
    }

    /// The local sockets `options` matches.
    public func localMatches(_ options: BroadcastOptions) -> [SocketID] {
        directory.local.matching(options)
    }

    mutating func serve(
        _ body: RequestBody, id requestID: RequestID, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) {
        switch body {
        case .addSockets, .delSockets, .disconnectSockets:
            let affected = applyRoomOperation(body, now: now, actions: &actions)
            respond(
                to: peer, id: requestID,
                with: .applied(affected: UInt32(clamping: affected), version: directory.localVersion),
                actions: &actions)
        case .fetchSockets(let options), .broadcastWithAck(let options, _, _):
            actions.append(
                .serve(IncomingRequest(from: peer, id: requestID, body: body, matches: localMatches(options))))
        case .serverSideEmit:
            actions.append(.serve(IncomingRequest(from: peer, id: requestID, body: body, matches: [])))
        }
    }

    /// Applies a room operation to this node's own sockets; returns how many it affected.
    mutating func applyRoomOperation(_ body: RequestBody, now: MeshInstant, actions: inout [MeshAction]) -> Int {
        switch body {
        case .addSockets(let options, let rooms):
            var affected = 0
            for socket in localMatches(options) where publishLocal(.join(socket, rooms), now: now, actions: &actions) {
                affected += 1
            }
            return affected
        case .delSockets(let options, let rooms):
            var affected = 0
            for socket in localMatches(options) where publishLocal(.leave(socket, rooms), now: now, actions: &actions) {
                affected += 1
            }
            return affected
        case .disconnectSockets(let options, let closeTransport):
            let targets = localMatches(options)
            if !targets.isEmpty { actions.append(.disconnectLocal(targets, closeTransport: closeTransport)) }
            return targets.count
        case .fetchSockets, .serverSideEmit, .broadcastWithAck:
            return 0
        }
    }

    mutating func receiveResponse(
        _ body: ResponseBody, id requestID: RequestID, from peer: NodeID, actions: inout [MeshAction]
    ) {
        if case .applied(let affected, let version) = body {
            pendingJoins.answered(requestID, by: peer, affected: affected, version: version)
            pendingJoins.settle(against: directory)
        }
        requests.receive(body, id: requestID, from: peer, actions: &actions)
    }
}

extension MeshInstance {
    /// serverSideEmit without replies: `packet` goes to every live peer on the ordered channel.
    public mutating func emit(_ packet: ByteBuffer, actions: inout [MeshAction]) {
        for peer in livePeers { sendOrdered(.emit(packet), to: peer, actions: &actions) }
    }
}

extension MeshInstance {
    /// Applies a room operation (`addSockets`, `delSockets`, `disconnectSockets`) to this node's
    /// own sockets only: the `local` flag.
    public mutating func applyLocally(_ body: RequestBody, now: MeshInstant, actions: inout [MeshAction]) {
        _ = applyRoomOperation(body, now: now, actions: &actions)
    }
}
