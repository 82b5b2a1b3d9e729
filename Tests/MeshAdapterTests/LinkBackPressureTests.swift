import Testing

@testable import MeshAdapter

/// The link's back-pressure policy alone: every side of both thresholds, for volatile and
/// ordered frames.
@Suite struct LinkBackPressureTests {
    @Test func volatileFramesGoFirstAndOverflowClosesTheLink() {
        let policy = LinkBackPressure(limit: 1_000)
        let cases: [(queued: Int, volatile: Bool, decision: LinkBackPressure.Decision)] = [
            (0, false, .queue), (0, true, .queue),
            (500, true, .queue), (501, true, .dropVolatile), (501, false, .queue),
            (1_000, false, .queue), (1_000, true, .dropVolatile),
            (1_001, false, .closeLink), (1_001, true, .dropVolatile),
        ]
        for (queued, volatile, decision) in cases {
            #expect(
                policy.decide(queued: queued, volatile: volatile) == decision, "queued \(queued), volatile \(volatile)")
        }
    }
}
