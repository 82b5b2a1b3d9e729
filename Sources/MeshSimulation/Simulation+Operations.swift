@_spi(MeshInternals) package import MeshCore
package import NIOCore
package import RealtimeAdapter

extension Simulation {
    // MARK: What an application does

    /// A new socket of `namespace` connects to `name` and joins `rooms`.
    @discardableResult
    package func connectSocket(at name: String, rooms: Set<Room> = [], in namespace: String = "/") -> SocketID {
        let socket = nodes[name]!.newSocketID()
        socketNamespaces[socket] = namespace
        join(socket, at: name, rooms: rooms)
        return socket
    }

    /// The namespace `socket` connected to.
    package func namespace(of socket: SocketID) -> String { socketNamespaces[socket] ?? "/" }

    package func join(_ socket: SocketID, at name: String, rooms: Set<Room>) {
        let namespace = namespace(of: socket)
        nodes[name]!.modelJoin(socket, rooms, in: namespace)
        let id = nodes[name]!.namespaceID(namespace)
        apply(to: name) { instance, actions in
            instance.join(socket, rooms: rooms, in: id, now: self.instant, actions: &actions)
        }
    }

    package func leave(_ socket: SocketID, at name: String, rooms: Set<Room>) {
        let namespace = namespace(of: socket)
        nodes[name]!.modelLeave(socket, rooms, in: namespace)
        let id = nodes[name]!.namespaceID(namespace)
        apply(to: name) { instance, actions in
            instance.leave(socket, rooms: rooms, in: id, now: self.instant, actions: &actions)
        }
    }

    package func disconnectSocket(_ socket: SocketID, at name: String) {
        let namespace = namespace(of: socket)
        nodes[name]!.modelRemove(socket, in: namespace)
        let id = nodes[name]!.namespaceID(namespace)
        apply(to: name) { instance, actions in instance.remove(socket, in: id, now: self.instant, actions: &actions) }
    }

    /// Broadcasts to `namespace` a packet whose first eight bytes are a fresh id; returns that id.
    @discardableResult
    package func broadcast(from name: String, options: BroadcastOptions, in namespace: String = "/") -> UInt64 {
        let id = nextPacket
        nextPacket += 1
        packetNamespaces[id] = namespace
        var packet = ByteBuffer()
        packet.writeInteger(id)
        packet.writeString("payload")
        let namespaceID = nodes[name]!.namespaceID(namespace)
        apply(to: name) { instance, actions in
            instance.broadcast(BroadcastPacket(packet), options: options, in: namespaceID, actions: &actions)
        }
        return id
    }

    @discardableResult
    package func request(from name: String, _ body: RequestBody, in namespace: String = "/") -> RequestID {
        var id: RequestID = 0
        let namespaceID = nodes[name]!.namespaceID(namespace)
        apply(to: name) { instance, actions in
            id = instance.request(body, in: namespaceID, now: self.instant, actions: &actions)
        }
        return id
    }

    package func emit(from name: String, _ packet: ByteBuffer, in namespace: String = "/") {
        let namespaceID = nodes[name]!.namespaceID(namespace)
        apply(to: name) { instance, actions in instance.emit(packet, in: namespaceID, actions: &actions) }
    }

    package func deliveryCount(of packet: UInt64, to socket: SocketID) -> Int {
        deliveries[packet]?[socket] ?? 0
    }

    // MARK: Faults

    package func partition(_ a: String, _ b: String) {
        cuts.insert(NodePair(a, b))
        faultsInjected += 1
        reconcileLinks()
    }

    package func healPartitions() {
        cuts.removeAll()
        reconcileLinks()
    }

    package func crash(_ name: String) {
        nodes[name]!.running = false
        faultsInjected += 1
        reconcileLinks()
    }

    /// Starts `name` again as a new incarnation, with no sockets.
    package func restart(_ name: String) {
        let old = nodes[name]!
        var fresh = SimulatedNode(name: name, incarnation: old.id.incarnation + 1, settings: settings)
        fresh.socketCounter = old.socketCounter
        nodes[name] = fresh
        recordHistory(of: name)
        reconcileLinks()
    }

    /// Ends every fault: partitions heal, crashed nodes restart, the network stops losing and
    /// duplicating messages (it still delays them).
    package func healAll() {
        faults = FaultProfile(delay: faults.delay)
        cuts.removeAll()
        reconnectAt.removeAll()
        for name in names where !nodes[name]!.running { restart(name) }
        reconcileLinks()
    }

    // MARK: A random workload

    static let roomNames: [Room] = (0..<8).map { Room("room\($0)") }

    /// The namespaces the random workload uses. Both have rooms of the same names, so a
    /// broadcast or a membership that leaked from one into the other would be seen.
    package static let namespaceNames = ["/", "/chat"]

    /// One random application operation on a random running node, in a random namespace.
    package func randomOperation(maxSocketsPerNode: Int = 10) {
        guard let name = random.pick(runningNames) else { return }
        let namespace = random.pick(Self.namespaceNames)!
        let members = nodes[name]!.sockets(of: namespace)
        let sockets = members.keys.sorted()
        let roll = random.int(in: 0...99)
        let room = random.pick(Self.roomNames)!
        switch roll {
        case 0..<25 where sockets.count < maxSocketsPerNode:
            connectSocket(at: name, rooms: [room], in: namespace)
        case 0..<55:
            guard let socket = random.pick(sockets) else {
                connectSocket(at: name, rooms: [room], in: namespace)
                return
            }
            join(socket, at: name, rooms: [room])
        case 55..<75:
            guard let socket = random.pick(sockets),
                let joined = random.pick(Array(members[socket]!.filter { $0 != socket.room }).sorted())
            else { return }
            leave(socket, at: name, rooms: [joined])
        case 75..<85:
            guard let socket = random.pick(sockets) else { return }
            disconnectSocket(socket, at: name)
        default:
            broadcast(from: name, options: BroadcastOptions(rooms: [room]), in: namespace)
        }
    }

    /// Injects the faults the profile calls for this step.
    package func randomFaults() {
        if random.chance(faults.partitionProbability) {
            let a = random.pick(names)!
            let b = random.pick(names.filter { $0 != a })!
            partition(a, b)
        }
        if random.chance(faults.healProbability) { healPartitions() }
        if random.chance(faults.crashProbability), runningNames.count > 2, let victim = random.pick(runningNames) {
            crash(victim)
        }
        let crashed = names.filter { !nodes[$0]!.running }
        if random.chance(faults.restartProbability), let name = random.pick(crashed) { restart(name) }
    }
}
