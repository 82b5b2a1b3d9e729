import Foundation
import MeshSimulation

/// The seeds a suite runs: 1...count, or only the one named by MESH_SIM_SEED, so a failing
/// seed can be replayed alone (`MESH_SIM_SEED=42 swift test --filter Convergence`).
enum SimulationSeeds {
    static func seeds(_ count: Int) -> [UInt64] {
        if let text = ProcessInfo.processInfo.environment["MESH_SIM_SEED"], let seed = UInt64(text) {
            return [seed]
        }
        return (1...UInt64(count)).map { $0 }
    }

    static func replayHint(_ seed: UInt64, suite: String) -> String {
        "seed \(seed) failed; replay it alone with: MESH_SIM_SEED=\(seed) swift test --filter \(suite)"
    }

    static var verbose: Bool { ProcessInfo.processInfo.environment["MESH_SIM_VERBOSE"] != nil }
}
