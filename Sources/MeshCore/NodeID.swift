/// One incarnation of one node: its name plus a number that is new (and larger) each time the
/// process starts. A restarted node is a new `NodeID`; everything its old incarnation owned is
/// dropped everywhere.
///
/// Node ids key every per-peer table, so hashing one is cheap: a digest of the name is taken
/// once, when the id is made, and hashing combines it with the incarnation.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let name: String
    public let incarnation: UInt64
    private let nameDigest: UInt64

    public init(name: String, incarnation: UInt64) {
        self.name = name
        self.incarnation = incarnation
        // FNV-1a: only for spreading ids over hash buckets; equality still compares the name.
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01b3 }
        self.nameDigest = digest
    }

    public static func == (lhs: NodeID, rhs: NodeID) -> Bool {
        lhs.incarnation == rhs.incarnation && lhs.nameDigest == rhs.nameDigest && lhs.name == rhs.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(nameDigest ^ incarnation)
    }

    public var description: String { "\(name)#\(incarnation)" }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.name, lhs.incarnation) < (rhs.name, rhs.incarnation)
    }
}

/// A point on the monotonic clock the shell passes in. The core never reads a clock.
@_spi(MeshInternals) public struct MeshInstant: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = MeshInstant(nanoseconds: 0)

    public static func < (lhs: MeshInstant, rhs: MeshInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// Saturates: a duration too long to add is the end of time, never a wrap into the past.
    public static func + (lhs: MeshInstant, rhs: Duration) -> MeshInstant {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.nanosecondsClamped)
        return MeshInstant(nanoseconds: overflow ? .max : sum)
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    public func since(_ earlier: MeshInstant) -> Duration {
        nanoseconds > earlier.nanoseconds
            ? .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds)) : .zero
    }

    public var description: String { "\(Double(nanoseconds) / 1e6)ms" }
}

extension Duration {
    /// Whole nanoseconds, clamped to zero for negative durations.
    package var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Whole milliseconds, clamped to the range of `UInt32`.
    package var millisecondsClamped: UInt32 { UInt32(clamping: nanosecondsClamped / 1_000_000) }
}
