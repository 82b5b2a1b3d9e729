@_spi(MeshInternals) import MeshCore
import MeshSimulation
import RealtimeAdapter

// An in-process cluster over the simulated network: five nodes, a chat workload, a partition
// and a crash, then healing. It prints what each node sees as it goes.

let simulation = Simulation(seed: 7, nodeCount: 5, faults: .lossy)
var members: [SocketID] = []
for name in simulation.names {
    for _ in 0..<3 { members.append(simulation.connectSocket(at: name, rooms: ["chat"])) }
}

@MainActor func report(_ title: String) {
    print("\n== \(title) (t=\(Int(simulation.now)) ms)")
    for name in simulation.names {
        let node = simulation.node(name)
        guard node.running else {
            print("  \(name): down")
            continue
        }
        let peers = node.instance.livePeers.map(\.name).joined(separator: ",")
        let replicated = node.instance.directory.replicatedMembershipCount
        print(
            "  \(node.id): \(node.socketCount) own sockets, \(replicated) replicated memberships, live peers [\(peers)]"
        )
    }
    print("  converged: \(simulation.isConverged)")
}

@MainActor func chat(_ rounds: Int) -> (sent: Int, delivered: Int) {
    var packets: [UInt64] = []
    for _ in 0..<rounds {
        let sender = simulation.runningNames[Int(simulation.now) % simulation.runningNames.count]
        packets.append(simulation.broadcast(from: sender, options: BroadcastOptions(rooms: ["chat"])))
        simulation.randomOperation()
        simulation.step()
    }
    simulation.run(for: 500)
    return (packets.count, packets.reduce(0) { $0 + (simulation.deliveries[$1]?.count ?? 0) })
}

simulation.run(for: 200)
report("formed")
var totals = chat(200)
print("  broadcasts to room chat: \(totals.sent) sent, \(totals.delivered) deliveries")

simulation.partition("n0", "n1")
simulation.crash("n4")
totals = chat(200)
report("n0/n1 partitioned, n4 crashed")
print("  broadcasts: \(totals.sent) sent, \(totals.delivered) deliveries")

simulation.healAll()
let took = simulation.run(for: 2_000) { simulation.isConverged }
report("healed, n4 restarted as a new incarnation")
print("  converged \(took.map { "in \(Int($0)) ms" } ?? "not within 2 s")")
let network = simulation.networkStats
print("  network: \(network.sent) messages, \(network.dropped) dropped, \(network.duplicated) duplicated")
print("  invariant violations: \(simulation.violations.count)")
