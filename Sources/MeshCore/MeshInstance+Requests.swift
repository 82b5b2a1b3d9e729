package import NIOCore
package import RealtimeAdapter

extension MeshInstance {
    /// Starts a cluster-wide request to every live peer. Room operations are sent first and
    /// then applied to this node's own sockets, so their order holds everywhere. The outcome
    /// arrives later as `.complete(id, outcome)`.
    @discardableResult
    package mutating func request(
        _ body: RequestBody, in namespace: NamespaceID = .main, timeout: Duration? = nil, now: MeshInstant,
        actions: inout [MeshAction]
    ) -> RequestID {
        let targets = livePeers
        var completions: [MeshAction] = []
        let deadline = now + (timeout ?? settings.requestTimeout)
        let id = requests.start(targets: Set(targets), deadline: deadline, actions: &completions)
        if !targets.isEmpty { wake(at: deadline, now: now, actions: &actions) }
        let name = directory.namespaceName(namespace)
        for peer in targets { sendOrdered(.request(id, namespace: name, body), to: peer, actions: &actions) }
        if case .addSockets(_, let rooms) = body {
            pendingJoins.add(id, rooms: Set(rooms), of: namespace, nodes: targets)
        }
        _ = applyRoomOperation(body, in: namespace, now: now, actions: &actions)
        actions += completions
        return id
    }

    /// Answers a request the shell was asked to serve. An answer larger than peers accept
    /// (many sockets with large details, say) is cut to what fits below half the frame limit,
    /// and counted: refused by the peer, it would be replayed and refused on every reconnect,
    /// and every ordered frame behind it would wait.
    package mutating func respond(
        to peer: NodeID, id requestID: RequestID, with body: ResponseBody, actions: inout [MeshAction]
    ) {
        let (fitting, cut) = Self.fit(body, within: max(1, settings.maximumFrameSize / 2))
        if cut { counters.responsesCut += 1 }
        sendOrdered(.response(requestID, fitting), to: peer, actions: &actions)
    }

    /// `body` with as many of its records as fit in `budget` bytes; true when some were left out.
    static func fit(_ body: ResponseBody, within budget: Int) -> (ResponseBody, cut: Bool) {
        switch body {
        case .sockets(let records):
            let kept = prefix(records, within: budget, size: WireSize.socketRecord)
            return (.sockets(kept), kept.count < records.count)
        case .acks(let expected, let records):
            let kept = prefix(records, within: budget, size: WireSize.ackRecord)
            return (.acks(expected: expected, kept), kept.count < records.count)
        case .emitReply(let reply):
            guard let reply, reply.readableBytes > budget else { return (body, false) }
            return (.emitReply(nil), true)
        case .applied:
            return (body, false)
        }
    }

    private static func prefix<T>(_ records: [T], within budget: Int, size: (T) -> Int) -> [T] {
        var total = 0
        for (index, record) in records.enumerated() {
            total += size(record)
            if total > budget { return Array(records[..<index]) }
        }
        return records
    }

    /// The local sockets of `namespace` that `options` matches.
    package func localMatches(_ options: BroadcastOptions, in namespace: NamespaceID = .main) -> [SocketID] {
        directory.local(namespace).matching(options)
    }

    /// A request from `peer`: a room operation is applied and answered here; the others go to
    /// the host (`.serve`), which alone holds the sockets' details and handlers.
    mutating func receiveRequest(
        _ body: RequestBody, id requestID: RequestID, namespace name: String, from peer: NodeID, now: MeshInstant,
        actions: inout [MeshAction]
    ) {
        // A namespace this node has never seen has no sockets here and no host to ask.
        let namespace = directory.namespaceID(of: name)
        switch body {
        case .addSockets, .delSockets, .disconnectSockets:
            let affected = namespace.map { applyRoomOperation(body, in: $0, now: now, actions: &actions) } ?? 0
            respond(
                to: peer, id: requestID,
                with: .applied(affected: UInt32(clamping: affected), version: directory.localVersion),
                actions: &actions)
        case .fetchSockets(let options), .broadcastWithAck(let options, _, _):
            let matches = namespace.map { localMatches(options, in: $0) } ?? []
            actions.append(
                .serve(IncomingRequest(from: peer, id: requestID, namespace: namespace, body: body, matches: matches)))
        case .serverSideEmit:
            actions.append(
                .serve(IncomingRequest(from: peer, id: requestID, namespace: namespace, body: body, matches: [])))
        }
    }

    /// Applies a room operation to this node's own sockets of `namespace`; returns how many it
    /// affected.
    mutating func applyRoomOperation(
        _ body: RequestBody, in namespace: NamespaceID, now: MeshInstant, actions: inout [MeshAction]
    ) -> Int {
        switch body {
        case .addSockets(let options, let rooms):
            var affected = 0
            for socket in localMatches(options, in: namespace)
            where publishLocal(.join(socket, rooms), in: namespace, now: now, actions: &actions) {
                affected += 1
            }
            return affected
        case .delSockets(let options, let rooms):
            var affected = 0
            for socket in localMatches(options, in: namespace)
            where publishLocal(.leave(socket, rooms), in: namespace, now: now, actions: &actions) {
                affected += 1
            }
            return affected
        case .disconnectSockets(let options, let closeTransport):
            let targets = localMatches(options, in: namespace)
            if !targets.isEmpty {
                actions.append(.disconnectLocal(targets, closeTransport: closeTransport, namespace: namespace))
            }
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
    /// serverSideEmit without replies: `packet` goes to every live peer's host of `namespace`
    /// on the ordered channel.
    package mutating func emit(_ packet: ByteBuffer, in namespace: NamespaceID = .main, actions: inout [MeshAction]) {
        let name = directory.namespaceName(namespace)
        for peer in livePeers { sendOrdered(.emit(namespace: name, packet), to: peer, actions: &actions) }
    }
}

extension MeshInstance {
    /// Applies a room operation (`addSockets`, `delSockets`, `disconnectSockets`) to this node's
    /// own sockets only: the `local` flag.
    package mutating func applyLocally(
        _ body: RequestBody, in namespace: NamespaceID = .main, now: MeshInstant, actions: inout [MeshAction]
    ) {
        _ = applyRoomOperation(body, in: namespace, now: now, actions: &actions)
    }
}
