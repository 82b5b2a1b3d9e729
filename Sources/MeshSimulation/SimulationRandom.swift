/// The one source of randomness of a simulation: SplitMix64, so a seed replays exactly.
package struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { self.state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `probability`.
    package mutating func chance(_ probability: Double) -> Bool {
        probability > 0 && Double.random(in: 0..<1, using: &self) < probability
    }

    package mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    package mutating func pick<T>(_ items: [T]) -> T? { items.randomElement(using: &self) }
}

/// What the simulated network does to messages.
package struct FaultProfile: Sendable {
    /// One-way delay, uniform in this range (milliseconds); spread reorders messages.
    package var delay: ClosedRange<Double>
    package var dropProbability: Double
    package var duplicateProbability: Double
    /// Per step, the chance a random pair of nodes is cut apart, and that all cuts heal.
    package var partitionProbability: Double
    package var healProbability: Double
    /// Per step, the chance a random node crashes, and that a crashed node restarts.
    package var crashProbability: Double
    package var restartProbability: Double

    package init(
        delay: ClosedRange<Double> = 0.5...15,
        dropProbability: Double = 0,
        duplicateProbability: Double = 0,
        partitionProbability: Double = 0,
        healProbability: Double = 0,
        crashProbability: Double = 0,
        restartProbability: Double = 0
    ) {
        self.delay = delay
        self.dropProbability = dropProbability
        self.duplicateProbability = duplicateProbability
        self.partitionProbability = partitionProbability
        self.healProbability = healProbability
        self.crashProbability = crashProbability
        self.restartProbability = restartProbability
    }

    /// A reliable network: delay only.
    package static let calm = FaultProfile(delay: 0.5...5)

    /// Loss, duplication, reordering and partitions, no crashes.
    package static let lossy = FaultProfile(
        delay: 0.5...20, dropProbability: 0.05, duplicateProbability: 0.03,
        partitionProbability: 0.01, healProbability: 0.02)

    /// Everything, crashes and restarts included.
    package static let chaos = FaultProfile(
        delay: 0.5...25, dropProbability: 0.08, duplicateProbability: 0.05,
        partitionProbability: 0.015, healProbability: 0.02,
        crashProbability: 0.003, restartProbability: 0.02)

    /// Reordering, loss and duplication, but links never break: what the causal suite uses.
    package static let noisyLinks = FaultProfile(
        delay: 0.5...20, dropProbability: 0.05, duplicateProbability: 0.05)
}
