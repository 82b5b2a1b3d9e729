@_spi(MeshInternals) import MeshCore
import TestSupport
import Testing

@Suite struct VersionVectorTests {
    let a = NodeID(name: "a", incarnation: 1)
    let b = NodeID(name: "b", incarnation: 1)
    let c = NodeID(name: "c", incarnation: 1)

    func vector(_ entries: [NodeID: UInt64]) -> VersionVector { VersionVector(entries) }

    @Test func comparesOverTheUnionOfKeys() {
        // A missing key is 0: {a:1} is before {a:1, b:1}, not concurrent with it.
        #expect(vector([a: 1]).compare(vector([a: 1, b: 1])) == .before)
        #expect(vector([a: 1, b: 1]).compare(vector([a: 1])) == .after)
        #expect(vector([a: 2]).compare(vector([a: 1, b: 1])) == .concurrent)
        #expect(vector([a: 1, b: 0]).compare(vector([a: 1])) == .equal)
        #expect(VersionVector().compare(VersionVector()) == .equal)
    }

    /// The causal gate's check: covered except for the origins it leaves out.
    @Test func coversLeavingOutIgnoredOrigins() {
        let have = vector([a: 3])
        let need = vector([a: 2, b: 5])
        #expect(!have.covers(need))
        #expect(have.covers(need, ignoring: { $0 == b }))
        #expect(!have.covers(need, ignoring: { $0 == a }), "ignoring an origin that is covered changes nothing")
        #expect(!have.covers(vector([a: 4]), ignoring: { $0 == b }))
    }

    @Test func mergeIsThePointwiseMaximum() {
        let merged = vector([a: 3, b: 1]).merging(vector([b: 4, c: 2]))
        #expect(merged == vector([a: 3, b: 4, c: 2]))
        #expect(merged.covers(vector([a: 3, b: 1])))
        #expect(merged.covers(vector([b: 4, c: 2])))
    }

    @Test(arguments: 0..<50)
    func mergeLawsOnGeneratedVectors(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        let nodes = [a, b, c]
        func generate() -> VersionVector {
            var v = VersionVector()
            for node in nodes where Bool.random(using: &random) { v[node] = UInt64.random(in: 0...5, using: &random) }
            return v
        }
        let (x, y, z) = (generate(), generate(), generate())
        #expect(x.merging(y) == y.merging(x))
        #expect(x.merging(y).merging(z) == x.merging(y.merging(z)))
        #expect(x.merging(x) == x)
        #expect(x.merging(y).covers(x) && x.merging(y).covers(y))
        // compare agrees with covers in both directions.
        switch x.compare(y) {
        case .equal: #expect(x.covers(y) && y.covers(x))
        case .before: #expect(y.covers(x) && !x.covers(y))
        case .after: #expect(x.covers(y) && !y.covers(x))
        case .concurrent: #expect(!x.covers(y) && !y.covers(x))
        }
    }
}
