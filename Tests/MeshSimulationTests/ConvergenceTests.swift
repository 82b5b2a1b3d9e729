@_spi(MeshInternals) import MeshCore
import MeshSimulation
import Testing

/// After any mix of loss, duplication, reordering, partitions, crashes and restarts, once the
/// faults end every node's directory equals the union of the running origins' own sockets,
/// within a bounded number of gossip rounds.
@Suite struct ConvergenceTests {
    static let nodeCount = 5
    static let steps = 400
    /// The bound proved: convergence within this many gossip intervals (50 ms each here) after
    /// healing. A healed link exchanges digests at once, so one round trip (under 2 × 25 ms
    /// here) plus the snapshot parts usually suffices; the slowest of the 200 seeds took 135 ms,
    /// the mean 32 ms (a reconnect after a false suspicion adds its 50 ms back-off; a snapshot
    /// part the network lost waits for the next digest to that peer).
    static let roundsBound = 4

    @Test(arguments: SimulationSeeds.seeds(200))
    func convergesAfterFaults(seed: UInt64) {
        let simulation = Simulation(seed: seed, nodeCount: Self.nodeCount, faults: .chaos)
        for _ in 0..<Self.steps {
            simulation.randomFaults()
            simulation.randomOperation()
            simulation.step()
            simulation.checkInvariants()
        }
        simulation.healAll()
        let gossip = Double(MeshSettings.simulation.gossipInterval.nanosecondsClamped) / 1e6
        let elapsed = simulation.run(for: gossip * Double(Self.roundsBound) + 1) {
            simulation.isConverged
        }
        simulation.checkInvariants()
        if SimulationSeeds.verbose {
            let network = simulation.networkStats
            print(
                "convergence seed=\(seed) steps=\(simulation.stepsRun) faults=\(simulation.faultsInjected)"
                    + " sent=\(network.sent) dropped=\(network.dropped) duplicated=\(network.duplicated)"
                    + " lost=\(simulation.framesLost) converged_ms=\(elapsed.map { "\($0)" } ?? "never")"
                    + " memberships=\(simulation.totalReplicatedMemberships)")
        }
        #expect(elapsed != nil, "\(SimulationSeeds.replayHint(seed, suite: "ConvergenceTests"))")
        #expect(
            simulation.violations.isEmpty,
            "\(simulation.violations) — \(SimulationSeeds.replayHint(seed, suite: "ConvergenceTests"))")
    }

    /// The simulation drives what production runs: broadcasts taken by the in-order shortcut
    /// and, under faults, by the general path; sockets and broadcasts in more than one
    /// namespace; the timer only when the core asked for it. So the proofs above cover these.
    @Test func bothReceivePathsAndEveryNamespaceRunUnderTheSimulation() {
        var shortcut = 0
        var received = 0
        var perNamespace: [String: Int] = [:]
        var ticks = 0
        var polls = 0
        for seed in SimulationSeeds.seeds(10) {
            let simulation = Simulation(seed: seed, nodeCount: Self.nodeCount, faults: .chaos)
            for _ in 0..<Self.steps {
                simulation.randomFaults()
                simulation.randomOperation()
                simulation.step()
            }
            shortcut += simulation.shortcutDeliveries
            received += simulation.broadcastsReceived
            perNamespace.merge(simulation.deliveriesPerNamespace, uniquingKeysWith: +)
            ticks += simulation.ticksRun
            polls += simulation.stepsRun * Self.nodeCount
            #expect(simulation.violations.isEmpty, "\(SimulationSeeds.replayHint(seed, suite: "ConvergenceTests"))")
        }
        #expect(shortcut > 0, "the in-order shortcut ran")
        #expect(received > shortcut, "the general path ran too")
        for namespace in Simulation.namespaceNames {
            #expect(perNamespace[namespace, default: 0] > 0, "deliveries in \(namespace)")
        }
        // A tick every 5 ms step would be `polls`; the core asks for far fewer.
        #expect(ticks > 0 && ticks < polls / 2, "\(ticks) ticks in \(polls) node-steps")
    }
}
