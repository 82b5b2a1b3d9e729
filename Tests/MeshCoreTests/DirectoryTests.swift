@_spi(MeshInternals) import MeshCore
import RealtimeAdapter
import Testing

@Suite struct DirectoryTests {
    let me = NodeID(name: "me", incarnation: 1)
    let other = NodeID(name: "other", incarnation: 7)

    @Test func localChangesAreNumberedAndOnlyRealChangesCount() {
        var directory = MeshDirectory(selfID: me)
        let first = directory.applyLocal(.join("s1", ["r"]))
        #expect(first == DirectoryDelta(version: 1, change: .join("s1", [Room("s1"), "r"])))
        #expect(directory.applyLocal(.join("s1", ["r"])) == nil, "joining a room twice is no change")
        #expect(directory.applyLocal(.leave("s1", ["s1"])) == nil, "a socket stays in its own room")
        #expect(directory.applyLocal(.leave("s1", ["r"]))?.version == 2)
        #expect(directory.applyLocal(.remove("s1"))?.version == 3)
        #expect(directory.applyLocal(.remove("s1")) == nil)
        #expect(directory.vector[me] == 3)
    }

    @Test func deltasApplyInOrderWhateverOrderTheyArriveIn() {
        var source = MeshDirectory(selfID: other)
        let deltas = [
            source.applyLocal(.join("a", ["r1", "r2"]))!,
            source.applyLocal(.join("b", ["r1"]))!,
            source.applyLocal(.leave("a", ["r1"]))!,
            source.applyLocal(.remove("b"))!,
        ]
        var replica = MeshDirectory(selfID: me)
        #expect(replica.apply([deltas[2]], from: other) == .gap(have: 0))
        #expect(replica.apply([deltas[3], deltas[1]], from: other) == .gap(have: 0))
        #expect(replica.apply([deltas[0]], from: other) == .applied(version: 4))
        #expect(replica.apply(deltas, from: other) == .duplicate)
        #expect(replica.memberships(of: other) == source.local.roomsOf)
        #expect(replica.nodes(withMembersIn: ["r2"]) == [other])
        #expect(replica.nodes(withMembersIn: ["r1"]).isEmpty)
    }

    @Test func catchUpSendsDeltasWhileTheLogReachesBackElseASnapshot() {
        var source = MeshDirectory(selfID: other, logCapacity: 4)
        for index in 0..<10 { _ = source.applyLocal(.join(SocketID("s\(index)"), ["room"])) }
        var behind = VersionVector()
        behind[other] = 7
        #expect(
            source.catchUp(for: behind, chunk: 100) == [
                .deltas(
                    origin: other,
                    Array(8...10).map { version in
                        DirectoryDelta(
                            version: UInt64(version),
                            change: .join(SocketID("s\(version - 1)"), [Room("s\(version - 1)"), "room"]))
                    })
            ])
        let parts = source.catchUp(for: VersionVector(), chunk: 4)
        #expect(parts.count == 3, "10 sockets in parts of 4")
        var replica = MeshDirectory(selfID: me)
        for part in parts {
            guard case .snapshot(let origin, let version, let index, let last, let entries) = part else {
                Issue.record("expected a snapshot part")
                continue
            }
            replica.applySnapshot(of: origin, version: version, part: index, last: last, entries: entries)
        }
        #expect(replica.vector[other] == 10)
        #expect(replica.memberships(of: other) == source.local.roomsOf)
    }

    @Test func aSnapshotMissingAPartIsNotApplied() {
        var source = MeshDirectory(selfID: other, logCapacity: 1)
        for index in 0..<6 { _ = source.applyLocal(.join(SocketID("s\(index)"), [])) }
        let parts = source.catchUp(for: VersionVector(), chunk: 2)
        var replica = MeshDirectory(selfID: me)
        for (position, part) in parts.enumerated() where position != 1 {
            guard case .snapshot(let origin, let version, let index, let last, let entries) = part else { continue }
            let applied = replica.applySnapshot(of: origin, version: version, part: index, last: last, entries: entries)
            #expect(!applied)
        }
        #expect(replica.vector[other] == 0)
        #expect(replica.memberships(of: other).isEmpty)
    }

    /// Parts may come in any order, twice, and interleaved with another sender's parts of the
    /// same origin: the snapshot is applied when the last of its parts is in, exactly once.
    @Test func snapshotPartsAreTakenInAnyOrderAndPerSender() {
        var source = MeshDirectory(selfID: other, logCapacity: 1)
        for index in 0..<6 { _ = source.applyLocal(.join(SocketID("s\(index)"), ["r"])) }
        let parts: [(UInt64, UInt32, Bool, [SnapshotEntry])] = source.catchUp(for: VersionVector(), chunk: 2).compactMap
        {
            guard case .snapshot(_, let version, let index, let last, let entries) = $0 else { return nil }
            return (version, index, last, entries)
        }
        #expect(parts.count == 3)
        let senderA = NodeID(name: "a", incarnation: 1)
        let senderB = NodeID(name: "b", incarnation: 1)
        var replica = MeshDirectory(selfID: me)
        // A's last part first, then B's first, a duplicate of it, A's first, B's rest, A's middle.
        let order: [(NodeID, Int)] = [
            (senderA, 2), (senderB, 0), (senderB, 0), (senderA, 0), (senderB, 1), (senderA, 1),
        ]
        var applied: [Int] = []
        for (step, (sender, position)) in order.enumerated() {
            let (version, index, last, entries) = parts[position]
            if replica.applySnapshot(
                of: other, version: version, part: index, last: last, entries: entries, source: sender)
            {
                applied.append(step)
            }
        }
        #expect(applied == [5], "A's snapshot completes with its middle part; B's stays incomplete")
        #expect(replica.memberships(of: other) == source.local.roomsOf)
        // B's last part, now older than what the replica holds, changes nothing.
        let (version, index, last, entries) = parts[2]
        let late = replica.applySnapshot(
            of: other, version: version, part: index, last: last, entries: entries, source: senderB)
        #expect(!late)
        #expect(replica.vector[other] == 6)
    }

    @Test func aHigherIncarnationDropsTheOlderOneAndTheOlderIsNeverAdmittedAgain() {
        var replica = MeshDirectory(selfID: me)
        _ = replica.apply([DirectoryDelta(version: 1, change: .join("old", ["r"]))], from: other)
        let restarted = NodeID(name: other.name, incarnation: other.incarnation + 1)
        _ = replica.apply([DirectoryDelta(version: 1, change: .join("new", ["r"]))], from: restarted)
        #expect(!replica.knows(other))
        #expect(replica.memberships(of: restarted) == ["new": ["r"]])
        #expect(replica.apply([DirectoryDelta(version: 2, change: .join("late", []))], from: other) == .refused)
        #expect(replica.nodes(withMembersIn: ["r"]) == [restarted])
    }

    @Test func droppingAnOriginFreesItsRoomsAndRefusesItUntilRevived() {
        var replica = MeshDirectory(selfID: me)
        _ = replica.apply([DirectoryDelta(version: 1, change: .join("s", ["r"]))], from: other)
        #expect(replica.internedRoomCount == 1)
        replica.drop(other)
        #expect(replica.internedRoomCount == 0)
        #expect(replica.vector[other] == 0)
        #expect(replica.apply([DirectoryDelta(version: 1, change: .join("s", ["r"]))], from: other) == .refused)
        replica.revive(other)
        #expect(
            replica.apply([DirectoryDelta(version: 1, change: .join("s", ["r"]))], from: other) == .applied(version: 1))
    }

    @Test func deltasOfThisNodeItselfAreRefused() {
        var directory = MeshDirectory(selfID: me)
        #expect(directory.apply([DirectoryDelta(version: 1, change: .join("forged", []))], from: me) == .refused)
        #expect(directory.local.socketCount == 0)
    }
}
