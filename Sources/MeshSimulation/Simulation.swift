@_spi(MeshInternals) package import MeshCore
package import NIOCore
package import RealtimeAdapter

/// N mesh instances over a simulated network, driven by one seeded random source.
///
/// Time is virtual (milliseconds). Each `step` delivers the messages that are due, brings
/// connections up or down to match partitions and crashes, and ticks every running node.
/// Every message crosses the real wire codec.
package final class Simulation {
    package let seed: UInt64
    package var faults: FaultProfile
    package let settings: MeshSettings
    package private(set) var now: Double = 0
    package internal(set) var nodes: [String: SimulatedNode] = [:]
    package let names: [String]

    var random: SimulationRandom
    var network = SimulatedNetwork()
    var connections: [NodePair: UInt64] = [:]
    var cuts: Set<NodePair> = []
    var reconnectAt: [NodePair: Double] = [:]
    var nextConnection: UInt64 = 1
    var nextPacket: UInt64 = 1

    /// Per packet id, how many times each socket received it.
    package private(set) var deliveries: [UInt64: [SocketID: Int]] = [:]
    /// Deliveries to sockets, per namespace name.
    package private(set) var deliveriesPerNamespace: [String: Int] = [:]
    /// The namespace each socket connected to, and each broadcast was made in.
    var socketNamespaces: [SocketID: String] = [:]
    var packetNamespaces: [UInt64: String] = [:]
    /// Per node, the outcome of each request it started.
    package private(set) var outcomes: [String: [RequestID: RequestOutcome]] = [:]
    /// Broken invariants, each with the time it was seen.
    package private(set) var violations: [String] = []
    package private(set) var framesLost: UInt64 = 0
    /// Broadcasts the in-order shortcut delivered (the rest went through the general path).
    package private(set) var shortcutDeliveries = 0
    package private(set) var stepsRun = 0
    /// Timer inputs run, over all nodes.
    package private(set) var ticksRun = 0
    package internal(set) var faultsInjected = 0
    /// Per origin, per version, a hash of the origin's memberships at that version.
    var history: [NodeID: [UInt64: Int]] = [:]

    /// Called when a node receives a one-way serverSideEmit: (simulation, receiver, packet).
    package var onEmit: ((Simulation, String, ByteBuffer) -> Void)?

    package init(seed: UInt64, nodeCount: Int, faults: FaultProfile, settings: MeshSettings = .simulation) {
        self.seed = seed
        self.faults = faults
        self.settings = settings
        self.random = SimulationRandom(seed: seed)
        self.names = (0..<nodeCount).map { "n\($0)" }
        for name in names {
            nodes[name] = SimulatedNode(name: name, incarnation: 1, settings: settings)
            recordHistory(of: name)
        }
        reconcileLinks()
    }

    package var instant: MeshInstant { MeshInstant(nanoseconds: UInt64(now * 1_000_000)) }

    package var runningNames: [String] { names.filter { nodes[$0]!.running } }

    package func node(_ name: String) -> SimulatedNode { nodes[name]! }

    // MARK: Stepping

    /// Advances virtual time by `milliseconds`. A node's timer input runs only when the time
    /// it asked for (`.scheduleTick`) has come, as the shell's timer does: a deadline the core
    /// forgot to ask for is a deadline missed here too.
    package func step(milliseconds: Double = 5) {
        let until = now + milliseconds
        while let packet = network.popDue(before: until) {
            now = max(now, packet.at)
            deliver(packet)
        }
        now = until
        reconcileLinks()
        for name in runningNames {
            guard let due = nodes[name]!.tickDue, due <= instant else { continue }
            nodes[name]!.tickDue = nil
            ticksRun += 1
            apply(to: name) { instance, actions in instance.tick(now: self.instant, actions: &actions) }
        }
        stepsRun += 1
    }

    /// Steps until `condition` holds or `limit` milliseconds pass; returns the time it took,
    /// or nil if it never held.
    @discardableResult
    package func run(for limit: Double, until condition: (() -> Bool)? = nil) -> Double? {
        let start = now
        while now - start < limit {
            if let condition, condition() { return now - start }
            step()
        }
        if let condition, condition() { return now - start }
        return condition == nil ? now - start : nil
    }

    private func deliver(_ packet: SimulatedNetwork.Packet) {
        let pair = NodePair(packet.from, packet.to)
        guard connections[pair] == packet.connection, let sender = nodes[packet.from], nodes[packet.to]!.running
        else { return }
        var bytes = packet.bytes
        guard let length = bytes.readInteger(as: UInt32.self), let frame = bytes.readSlice(length: Int(length)),
            bytes.readableBytes == 0
        else {
            violation("incomplete frame from \(packet.from)")
            return
        }
        // The receive path production runs: the core picks the in-order shortcut or the
        // general path, and a broadcast it takes in order is delivered the way the shell does.
        apply(to: packet.to) { instance, actions in
            do throws(MeshWireError) {
                let incoming = try IncomingFrame(frame: frame)
                let received = instance.receive(incoming, from: sender.id, now: self.instant, actions: &actions)
                if case .broadcast(let sockets, let namespace) = received, case .broadcast(let broadcast) = incoming {
                    shortcutDeliveries += 1
                    if !sockets.isEmpty {
                        actions.append(.deliver(broadcast.delivery(from: sender.id), to: sockets, namespace: namespace))
                    }
                }
            } catch {
                violation("codec rejected a frame the codec wrote: \(error)")
            }
        }
    }

    /// Runs one input against a node and carries out every action it (and its consequences)
    /// produce, the way the real shell would.
    func apply(to name: String, _ input: (inout MeshInstance, inout [MeshAction]) -> Void) {
        var actions: [MeshAction] = []
        input(&nodes[name]!.instance, &actions)
        var index = 0
        while index < actions.count {
            let action = actions[index]
            index += 1
            perform(action, at: name, followUp: &actions)
        }
        recordHistory(of: name)
    }

    private func perform(_ action: MeshAction, at name: String, followUp: inout [MeshAction]) {
        switch action {
        case .send(let message, let peer):
            let pair = NodePair(name, peer.name)
            guard let connection = connections[pair], nodes[peer.name]?.id == peer else { return }
            network.send(
                message, from: name, to: peer.name, connection: connection, now: now, faults: faults,
                random: &random)
        case .writeOrdered(let peer):
            var bytes = ByteBuffer()
            nodes[name]!.instance.takeOrdered(for: peer, into: &bytes)
            guard let connection = connections[NodePair(name, peer.name)], nodes[peer.name]?.id == peer else { return }
            // Each frame travels on its own, so faults apply to frames one by one.
            while let length = bytes.getInteger(at: bytes.readerIndex, as: UInt32.self),
                let frame = bytes.readSlice(length: 4 + Int(length))
            {
                network.send(
                    frame: frame, from: name, to: peer.name, connection: connection, now: now, faults: faults,
                    random: &random)
            }
        case .deliver(let delivery, let sockets, let namespace):
            let packet = delivery.packet.header
            guard let id = packet.getInteger(at: packet.readerIndex, as: UInt64.self) else { return }
            let namespaceName = nodes[name]!.instance.directory.namespaceName(namespace)
            if let made = packetNamespaces[id], made != namespaceName {
                violation("packet \(id) of \(made) delivered in \(namespaceName) at \(name)")
            }
            deliveriesPerNamespace[namespaceName, default: 0] += sockets.count
            for socket in sockets {
                if self.namespace(of: socket) != namespaceName {
                    violation("\(socket) of \(self.namespace(of: socket)) got packet \(id) of \(namespaceName)")
                }
                let count = deliveries[id, default: [:]][socket, default: 0] + 1
                deliveries[id, default: [:]][socket] = count
                if count > 1 { violation("packet \(id) delivered \(count) times to \(socket)") }
            }
        case .disconnectLocal(let sockets, _, let namespace):
            let namespaceName = nodes[name]!.instance.directory.namespaceName(namespace)
            for socket in sockets {
                nodes[name]!.modelRemove(socket, in: namespaceName)
                nodes[name]!.instance.remove(socket, in: namespace, now: instant, actions: &followUp)
                recordHistory(of: name)
            }
        case .serve(let request):
            serve(request, at: name, followUp: &followUp)
        case .receiveEmit(let packet, _, _):
            onEmit?(self, name, packet)
        case .complete(let id, let outcome):
            outcomes[name, default: [:]][id] = outcome
        case .closeLink(let peer):
            let pair = NodePair(name, peer.name)
            if nodes[peer.name]?.id == peer, connections[pair] != nil {
                disconnect(pair)
                reconnectAt[pair] = now + 50
            }
        case .framesLost(_, let count):
            framesLost += count
        case .scheduleTick(let instant):
            nodes[name]!.tickDue = min(nodes[name]!.tickDue ?? instant, instant)
        case .connect, .peerUp, .peerDown:
            break
        }
    }

    /// The host's part of a request, as a Socket.IO server would answer it.
    private func serve(_ request: IncomingRequest, at name: String, followUp: inout [MeshAction]) {
        let body: ResponseBody
        let namespace = request.namespace ?? .main
        switch request.body {
        case .fetchSockets:
            let truth = nodes[name]!.sockets(of: nodes[name]!.instance.directory.namespaceName(namespace))
            body = .sockets(
                request.matches.sorted().map {
                    SocketRecord(socket: $0, rooms: Array(truth[$0] ?? []).sorted(), details: nil)
                })
        case .serverSideEmit(let packet):
            body = .emitReply(packet)
        case .broadcastWithAck(_, let packet, _):
            let delivery = Delivery(packet: packet, id: BroadcastID(origin: name, incarnation: 0, sequence: 0))
            perform(.deliver(delivery, to: request.matches, namespace: namespace), at: name, followUp: &followUp)
            let acks = request.matches.map { AckRecord(socket: $0, response: ByteBuffer(string: $0.rawValue)) }
            body = .acks(expected: UInt32(request.matches.count), acks)
        case .addSockets, .delSockets, .disconnectSockets:
            return
        }
        nodes[name]!.instance.respond(to: request.from, id: request.id, with: body, actions: &followUp)
    }

    // MARK: Connections

    func reconcileLinks() {
        for (i, a) in names.enumerated() {
            for b in names[(i + 1)...] {
                let pair = NodePair(a, b)
                let shouldConnect =
                    nodes[a]!.running && nodes[b]!.running && !cuts.contains(pair)
                    && (reconnectAt[pair] ?? 0) <= now
                if shouldConnect && connections[pair] == nil {
                    connect(pair)
                } else if !shouldConnect && connections[pair] != nil {
                    disconnect(pair)
                }
            }
        }
    }

    private func connect(_ pair: NodePair) {
        connections[pair] = nextConnection
        nextConnection += 1
        reconnectAt[pair] = nil
        let low = nodes[pair.low]!.id
        let high = nodes[pair.high]!.id
        apply(to: pair.low) { instance, actions in instance.linkUp(high, now: self.instant, actions: &actions) }
        apply(to: pair.high) { instance, actions in instance.linkUp(low, now: self.instant, actions: &actions) }
    }

    private func disconnect(_ pair: NodePair) {
        connections[pair] = nil
        let low = nodes[pair.low]!.id
        let high = nodes[pair.high]!.id
        if nodes[pair.low]!.running { nodes[pair.low]!.instance.linkDown(high) }
        if nodes[pair.high]!.running { nodes[pair.high]!.instance.linkDown(low) }
    }

    // MARK: Observation

    func violation(_ text: String) {
        if violations.count < 20 { violations.append("t=\(now)ms: \(text)") }
    }

    func recordHistory(of name: String) {
        let node = nodes[name]!
        let version = node.instance.directory.localVersion
        guard history[node.id]?[version] == nil else { return }
        history[node.id, default: [:]][version] = Self.fingerprint(localMemberships(of: node))
    }

    /// What `node`'s directory holds of its own sockets, per namespace that has any.
    func localMemberships(of node: SimulatedNode) -> [String: [SocketID: Set<Room>]] {
        var result: [String: [SocketID: Set<Room>]] = [:]
        for namespace in Self.namespaceNames {
            guard let id = node.instance.directory.namespaceID(of: namespace) else { continue }
            let table = node.instance.directory.local(id).roomsOf
            if !table.isEmpty { result[namespace] = table }
        }
        return result
    }

    static func fingerprint(_ memberships: [String: [SocketID: Set<Room>]]) -> Int {
        var hasher = Hasher()
        hasher.combine(memberships)
        return hasher.finalize()
    }

    package var networkStats: (sent: Int, dropped: Int, duplicated: Int) {
        (network.sent, network.dropped, network.duplicated)
    }
}

extension MeshSettings {
    /// Timings scaled down so that a simulated run covers many rounds in little virtual time.
    package static let simulation = MeshSettings(
        heartbeatInterval: .milliseconds(50),
        suspectAfter: .milliseconds(300),
        suspicionTimeout: .milliseconds(200),
        gossipInterval: .milliseconds(50),
        requestTimeout: .seconds(3),
        causalGateTimeout: .seconds(30),
        resendInterval: .milliseconds(20),
        deltaLogCapacity: 64,
        pendingDeltaLimit: 256,
        replayFrames: 4096,
        replayBytes: 4 << 20,
        reorderFrames: 512,
        snapshotChunk: 8,
        acknowledgeEvery: 32)
}
