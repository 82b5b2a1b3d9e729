@_spi(MeshInternals) import MeshCore
import MeshSimulation
import NIOCore
import RealtimeAdapter
import Testing

/// Join-then-broadcast: a node makes sockets owned by other nodes join a room and broadcasts to
/// the room at once; every new member receives the broadcast exactly once, whatever the network
/// does to the messages (delay, reordering, loss, duplication). Rounds alternate between two
/// namespaces with rooms of the same names.
@Suite struct CausalTests {
    static let rounds = 8

    @Test(arguments: SimulationSeeds.seeds(200))
    func remoteJoinThenBroadcastReachesEveryNewMember(seed: UInt64) {
        let simulation = Simulation(seed: seed, nodeCount: 5, faults: .noisyLinks)
        var random = SimulationRandom(seed: seed ^ 0xC0FFEE)
        var expectations: [(packet: UInt64, members: [SocketID])] = []
        for round in 0..<Self.rounds {
            let names = simulation.names.shuffled(using: &random)
            let (sender, b, c) = (names[0], names[1], names[2])
            let namespace = Simulation.namespaceNames[round % Simulation.namespaceNames.count]
            // Fresh sockets: the sender's directory may not even know them yet.
            let memberB = simulation.connectSocket(at: b, in: namespace)
            let memberC = simulation.connectSocket(at: c, in: namespace)
            simulation.step(milliseconds: Double(random.int(in: 0...3)))
            let room = Room("causal-\(round / 2)")
            simulation.request(
                from: sender, .addSockets(BroadcastOptions(rooms: [memberB.room, memberC.room]), rooms: [room]),
                in: namespace)
            let packet = simulation.broadcast(from: sender, options: BroadcastOptions(rooms: [room]), in: namespace)
            expectations.append((packet, [memberB, memberC]))
            simulation.step(milliseconds: Double(random.int(in: 0...20)))
        }
        simulation.run(for: 3_000) {
            expectations.allSatisfy { item in
                item.members.allSatisfy { simulation.deliveryCount(of: item.packet, to: $0) >= 1 }
            }
        }
        for item in expectations {
            for member in item.members {
                #expect(
                    simulation.deliveryCount(of: item.packet, to: member) == 1,
                    "packet \(item.packet) to \(member): \(SimulationSeeds.replayHint(seed, suite: "CausalTests"))")
            }
        }
        #expect(simulation.violations.isEmpty, "\(simulation.violations)")
    }

    /// The causal gate: B's socket joins a room, then B tells A (serverSideEmit) to broadcast
    /// to that room. B's membership delta travels apart from the emit and may be late or lost;
    /// A must not handle the emit before it has applied B's join.
    @Test(arguments: SimulationSeeds.seeds(200))
    func broadcastCausedByAnEmitReachesTheEmittersNewMember(seed: UInt64) {
        let simulation = Simulation(seed: seed, nodeCount: 5, faults: .noisyLinks)
        var random = SimulationRandom(seed: seed ^ 0xBEEF)
        var relayed: [String: UInt64] = [:]
        simulation.onEmit = { simulation, receiver, packet in
            guard let text = packet.getString(at: packet.readerIndex, length: packet.readableBytes) else { return }
            let parts = text.split(separator: "|").map(String.init)
            guard parts.count == 3, parts[0] == receiver else { return }
            relayed[parts[1]] = simulation.broadcast(
                from: receiver, options: BroadcastOptions(rooms: [Room(parts[1])]), in: parts[2])
        }
        var members: [String: SocketID] = [:]
        for round in 0..<Self.rounds {
            let names = simulation.names.shuffled(using: &random)
            let (owner, relay) = (names[0], names[1])
            let room = "gate-\(round)"
            let namespace = Simulation.namespaceNames[round % Simulation.namespaceNames.count]
            members[room] = simulation.connectSocket(at: owner, rooms: [Room(room)], in: namespace)
            simulation.emit(from: owner, ByteBuffer(string: "\(relay)|\(room)|\(namespace)"), in: namespace)
            simulation.step(milliseconds: Double(random.int(in: 0...20)))
        }
        simulation.run(for: 3_000) {
            members.allSatisfy { room, socket in
                relayed[room].map { simulation.deliveryCount(of: $0, to: socket) >= 1 } ?? false
            }
        }
        for (room, socket) in members {
            let packet = relayed[room]
            #expect(packet != nil, "the emit for \(room) was never handled")
            if let packet {
                #expect(
                    simulation.deliveryCount(of: packet, to: socket) == 1,
                    "\(room): \(SimulationSeeds.replayHint(seed, suite: "CausalTests"))")
            }
        }
        #expect(simulation.violations.isEmpty, "\(simulation.violations)")
    }
}
