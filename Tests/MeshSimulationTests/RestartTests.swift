@_spi(MeshInternals) import MeshCore
import MeshSimulation
import Testing

/// A node that restarts is a new incarnation; nothing of its old incarnation survives anywhere,
/// even on nodes that were cut off from it while it restarted.
@Suite struct RestartTests {
    @Test(arguments: SimulationSeeds.seeds(200))
    func restartedNodeLeavesNoEntryOfItsOldIncarnation(seed: UInt64) {
        let simulation = Simulation(seed: seed, nodeCount: 5, faults: .lossy)
        var random = SimulationRandom(seed: seed ^ 0xABCD)
        for _ in 0..<100 {
            simulation.randomOperation()
            simulation.step()
        }
        let victim = simulation.names[random.int(in: 0...4)]
        let old = simulation.node(victim).id
        // Some nodes do not see the crash or the restart directly.
        let witness = simulation.names.filter { $0 != victim }[random.int(in: 0...3)]
        simulation.partition(victim, witness)
        simulation.crash(victim)
        for _ in 0..<random.int(in: 0...80) {
            simulation.randomOperation()
            simulation.step()
        }
        simulation.restart(victim)
        for _ in 0..<100 {
            simulation.randomOperation()
            simulation.step()
            simulation.checkInvariants()
        }
        simulation.healAll()
        let converged = simulation.run(for: 1_000) { simulation.isConverged }
        #expect(converged != nil, "\(SimulationSeeds.replayHint(seed, suite: "RestartTests"))")
        for name in simulation.runningNames where name != victim {
            #expect(
                !simulation.node(name).instance.directory.knows(old),
                "\(name) still holds \(old): \(SimulationSeeds.replayHint(seed, suite: "RestartTests"))")
        }
        #expect(simulation.ghostOrigins.isEmpty)
        #expect(simulation.violations.isEmpty, "\(simulation.violations)")
    }
}
