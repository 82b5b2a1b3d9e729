/// Per origin, the highest contiguous change of that origin a node has applied.
///
/// Comparison is over the union of keys, a missing key counting as 0, so `{A:1}` is before
/// `{A:1, B:1}`, not concurrent with it.
@_spi(MeshInternals) public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    package private(set) var entries: [NodeID: UInt64]

    package init(_ entries: [NodeID: UInt64] = [:]) {
        self.entries = entries.filter { $0.value > 0 }
    }

    package enum Order: Sendable, Equatable {
        case equal, before, after, concurrent
    }

    package subscript(origin: NodeID) -> UInt64 {
        get { entries[origin] ?? 0 }
        set { entries[origin] = newValue == 0 ? nil : newValue }
    }

    package var isEmpty: Bool { entries.isEmpty }

    /// True when every entry of `other` is at most the same entry here.
    package func covers(_ other: VersionVector) -> Bool {
        covers(other, ignoring: { _ in false })
    }

    /// `covers`, leaving out the origins `ignored` names (the causal gate ignores origins it
    /// dropped: their entries are gone everywhere by the same rule).
    package func covers(_ other: VersionVector, ignoring ignored: (NodeID) -> Bool) -> Bool {
        other.entries.allSatisfy { self[$0.key] >= $0.value || ignored($0.key) }
    }

    package func compare(_ other: VersionVector) -> Order {
        switch (covers(other), other.covers(self)) {
        case (true, true): .equal
        case (true, false): .after
        case (false, true): .before
        case (false, false): .concurrent
        }
    }

    /// The pointwise maximum.
    package mutating func merge(_ other: VersionVector) {
        for (origin, version) in other.entries where version > self[origin] {
            entries[origin] = version
        }
    }

    package func merging(_ other: VersionVector) -> VersionVector {
        var copy = self
        copy.merge(other)
        return copy
    }

    package mutating func remove(_ origin: NodeID) { entries[origin] = nil }

    public var description: String {
        "[" + entries.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
            + "]"
    }
}
