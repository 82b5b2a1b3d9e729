@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter
import Testing

/// Namespaces in the directory: one numbering per origin, separate memberships and routes per
/// namespace, and catch-up cut by bytes so no message outgrows a frame.
@Suite struct DirectoryNamespaceTests {
    let me = NodeID(name: "me", incarnation: 1)
    let other = NodeID(name: "other", incarnation: 7)

    @Test func aRoomOfOneNamespaceIsKeptAndRoutedApartFromTheSameRoomOfAnother() throws {
        var source = MeshDirectory(selfID: other)
        let interned = source.namespaceID(interning: "/chat")
        let chat = try #require(interned)
        #expect(chat != .main)
        let deltas = [
            source.applyLocal(.join("s1", ["room"]), in: chat)!,
            source.applyLocal(.join("s2", ["room"]))!,
            source.applyLocal(.join("s3", ["other-room"]), in: chat)!,
        ]
        #expect(deltas.map(\.version) == [1, 2, 3], "one numbering across namespaces")
        #expect(deltas.map(\.namespace) == ["/chat", "/", "/chat"])

        var replica = MeshDirectory(selfID: me)
        #expect(replica.apply(deltas, from: other) == .applied(version: 3))
        let replicaChat = try #require(replica.namespaceID(of: "/chat"))
        #expect(replica.memberships(of: other, in: replicaChat) == source.local(chat).roomsOf)
        #expect(replica.memberships(of: other) == source.local(.main).roomsOf)
        #expect(replica.nodes(withMembersIn: ["room"], of: replicaChat) == [other])
        #expect(replica.nodes(withMembersIn: ["other-room"]).isEmpty, "not a room of /")
        #expect(replica.nodes(withMembersIn: ["s1"]).isEmpty, "s1's own room is in /chat only")

        // Leaving /chat entirely keeps the same room of / routed.
        let leave = source.applyLocal(.remove("s1"), in: chat)!
        #expect(replica.apply([leave], from: other) == .applied(version: 4))
        #expect(replica.nodes(withMembersIn: ["room"], of: replicaChat).isEmpty)
        #expect(replica.nodes(withMembersIn: ["room"]) == [other])
    }

    @Test func aSnapshotCarriesEveryNamespace() throws {
        var source = MeshDirectory(selfID: other, logCapacity: 1)
        let interned = source.namespaceID(interning: "/admin")
        let admin = try #require(interned)
        _ = source.applyLocal(.join("s1", ["r"]), in: admin)
        _ = source.applyLocal(.join("s2", ["r"]))
        _ = source.applyLocal(.join("s3", ["q"]), in: admin)
        var replica = MeshDirectory(selfID: me)
        for item in source.catchUp(for: replica.vector, chunk: 1) {
            guard case .snapshot(let origin, let version, let part, let last, let entries) = item else {
                Issue.record("expected a snapshot, the log holds one delta")
                continue
            }
            replica.applySnapshot(of: origin, version: version, part: part, last: last, entries: entries)
        }
        let replicaAdmin = try #require(replica.namespaceID(of: "/admin"))
        #expect(replica.memberships(of: other, in: replicaAdmin) == source.local(admin).roomsOf)
        #expect(replica.memberships(of: other) == source.local.roomsOf)
    }

    @Test(arguments: [false, true])
    func catchUpIsCutByBytesAndStillConverges(snapshot: Bool) throws {
        // Long room names: a few hundred sockets are megabytes of directory.
        var source = MeshDirectory(selfID: other, logCapacity: snapshot ? 1 : 10_000)
        let rooms = (0..<8).map { Room("room-\($0)-" + String(repeating: "x", count: 1_000)) }
        for index in 0..<300 { _ = source.applyLocal(.join(SocketID("s\(index)"), rooms)) }
        let budget = 64 << 10
        var replica = MeshDirectory(selfID: me)
        var messages = 0
        for item in source.catchUp(for: replica.vector, chunk: 10_000, maximumBytes: budget) {
            let message: MeshMessage
            switch item {
            case .deltas(let origin, let deltas):
                #expect(!snapshot)
                message = .deltas(origin: origin, deltas)
                #expect(replica.apply(deltas, from: origin) != .refused)
            case .snapshot(let origin, let version, let part, let last, let entries):
                #expect(snapshot)
                message = .snapshot(origin: origin, version: version, part: part, last: last, entries)
                replica.applySnapshot(of: origin, version: version, part: part, last: last, entries: entries)
            }
            // Cut by what the entries encode to: the frame adds only its fixed fields.
            #expect(MeshWire.encode(message).readableBytes <= budget + 256)
            messages += 1
        }
        #expect(messages > 10, "megabytes of directory take many messages")
        #expect(replica.memberships(of: other) == source.local.roomsOf)
        #expect(replica.version(of: other) == 300)
    }
}
