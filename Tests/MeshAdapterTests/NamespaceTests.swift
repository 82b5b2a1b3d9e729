import MeshAdapter
import NIOCore
import RealtimeAdapter
import Testing

/// One node serves any number of namespaces; each is its own world of rooms and sockets on
/// every node.
@Suite(.timeLimit(.minutes(2))) struct NamespaceTests {
    /// Two namespaces on each of two nodes: `/a` and `/b`, each with a host of its own.
    struct Pair {
        var a: [ClusterAdapter] = []
        var b: [ClusterAdapter] = []
        var hostsA: [TestHost] = []
        var hostsB: [TestHost] = []
    }

    func withNamespaces(_ body: (TestCluster, Pair) async throws -> Void) async throws {
        try await TestCluster.with(count: 2, prefix: "ns") { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            var pair = Pair()
            for (index, node) in cluster.nodes.enumerated() {
                let hostA = TestHost(name: "a\(index)")
                let hostB = TestHost(name: "b\(index)")
                pair.a.append(try await node.makeAdapter(namespace: "/a", host: hostA))
                pair.b.append(try await node.makeAdapter(namespace: "/b", host: hostB))
                pair.hostsA.append(hostA)
                pair.hostsB.append(hostB)
            }
            try await body(cluster, pair)
        }
    }

    @Test func aRoomOfOneNamespaceIsNotTheRoomOfAnother() async throws {
        try await withNamespaces { cluster, ns in
            try await ns.a[1].addAll("x", rooms: ["chat"])
            try await ns.b[1].addAll("y", rooms: ["chat"])
            try await cluster.adapters[1].addAll("z", rooms: ["chat"])
            let seen = try await eventually {
                try await ns.a[0].fetchSockets(BroadcastOptions(rooms: ["chat"])).map(\.id) == ["x"]
            }
            #expect(seen)
            #expect(try await ns.b[0].fetchSockets(BroadcastOptions(rooms: ["chat"])).map(\.id) == ["y"])
            #expect(try await cluster.adapters[0].fetchSockets(BroadcastOptions(rooms: ["chat"])).map(\.id) == ["z"])

            try await ns.a[0].broadcast(ByteBuffer(string: "to-a"), options: BroadcastOptions(rooms: ["chat"]))
            try await ns.b[0].broadcast(ByteBuffer(string: "to-all-b"), options: BroadcastOptions())
            #expect(await eventually { ns.hostsA[1].delivered["x"] == ["to-a"] })
            #expect(await eventually { ns.hostsB[1].delivered["y"] == ["to-all-b"] })
            // The main namespace's host and the other namespace's saw neither.
            #expect(cluster.hosts[1].delivered.isEmpty)
            #expect(ns.hostsA[1].delivered["y"] == nil && ns.hostsB[1].delivered["x"] == nil)

            // A remote room operation reaches the namespace's sockets only.
            try await ns.a[0].addSockets(BroadcastOptions(rooms: ["chat"]), rooms: ["extra"])
            #expect(try await ns.a[1].socketRooms("x") == ["x", "chat", "extra"])
            #expect(try await ns.b[1].socketRooms("y") == ["y", "chat"])
            #expect(try await cluster.adapters[1].socketRooms("z") == ["z", "chat"])

            // So do server-side emits, with and without replies.
            try await ns.b[0].serverSideEmit(ByteBuffer(string: "hi-b"))
            #expect(await eventually { ns.hostsB[1].emits == ["ns0:hi-b"] })
            let replies = try await ns.a[0].serverSideEmitWithAck(ByteBuffer(string: "q"), timeout: .seconds(2))
            #expect(replies.replies.map { $0.reply.map { String(buffer: $0) } } == ["a1 got q"])
            #expect(ns.hostsA[1].emits == ["ns0:q"] && cluster.hosts[1].emits.isEmpty)

            try await ns.a[0].disconnectSockets(BroadcastOptions(rooms: ["chat"]), closeTransport: true)
            #expect(ns.hostsA[1].disconnected == ["x"])
            #expect(ns.hostsB[1].disconnected.isEmpty && cluster.hosts[1].disconnected.isEmpty)
        }
    }

    @Test func aBroadcastHasOneIdentityOnEveryNodeAndKeepsItsFlagsAndFrames() async throws {
        try await withNamespaces { cluster, ns in
            try await ns.a[0].addAll("here", rooms: ["room"])
            try await ns.a[1].addAll("there", rooms: ["room"])
            let seen = try await eventually {
                try await ns.a[0].fetchSockets(BroadcastOptions(rooms: ["room"])).count == 2
            }
            #expect(seen)
            let packet = BroadcastPacket(ByteBuffer(string: "51-header"), attachments: [ByteBuffer(bytes: [0, 255])])
            var options = BroadcastOptions(rooms: ["room"])
            options.flags.compress = true
            try await ns.a[0].broadcast(packet, options: options)
            try await ns.a[0].broadcast(ByteBuffer(string: "plain"), options: BroadcastOptions(rooms: ["room"]))
            var volatile = BroadcastOptions(rooms: ["room"])
            volatile.flags.volatile = true
            try await ns.a[0].broadcast(ByteBuffer(string: "may be dropped"), options: volatile)
            #expect(await eventually { ns.hostsA[1].deliveries.count == 3 })
            let local = ns.hostsA[0].deliveries
            let remote = ns.hostsA[1].deliveries
            #expect(local.map(\.id) == remote.map(\.id), "the same identity on the sender and the receiver")
            #expect(remote.map(\.id.origin) == ["ns0", "ns0", "ns0"])
            #expect(remote.prefix(2).map(\.id.sequence) == [remote[0].id.sequence, remote[0].id.sequence + 1])
            #expect(remote.map(\.compress) == [true, false, false])
            #expect(
                remote.map(\.volatile) == [false, false, true], "a volatile broadcast stays volatile where it arrives")
            #expect(local.map(\.volatile) == [false, false, true])
            #expect(remote.first?.packet == packet, "the header and its attachments arrive as sent")
            #expect(local.first?.packet == packet)
        }
    }

    @Test func closingAnAdapterRemovesItsNamespaceEverywhereAndFreesIt() async throws {
        try await withNamespaces { cluster, ns in
            try await ns.a[1].addAll("x", rooms: ["chat"])
            try await ns.b[1].addAll("y", rooms: ["chat"])
            let seen = try await eventually {
                try await ns.a[0].fetchSockets(BroadcastOptions(rooms: ["chat"])).count == 1
            }
            #expect(seen)
            try await cluster.nodes[0].waitUntilVisible(room: "chat", namespace: "/a")
            try await ns.a[1].close()
            let gone = try await eventually {
                try await ns.a[0].fetchSockets(BroadcastOptions(rooms: ["chat"])).isEmpty
            }
            #expect(gone, "node 0 no longer holds node 1's sockets of /a")
            #expect(try await ns.b[0].fetchSockets(BroadcastOptions(rooms: ["chat"])).map(\.id) == ["y"])
            let again = try await cluster.nodes[1].makeAdapter(namespace: "/a", host: TestHost(name: "a1-again"))
            #expect(try await again.sockets(in: []).isEmpty)
            // The closed adapter cannot touch the namespace's new owner.
            try await again.addAll("fresh", rooms: ["chat"])
            let closed = await #expect(throws: AdapterError.self) { try await ns.a[1].delAll("fresh") }
            #expect(closed?.code == .closed)
            let broadcast = #expect(throws: AdapterError.self) {
                try ns.a[1].broadcastNow(BroadcastPacket(ByteBuffer(string: "x")), options: BroadcastOptions())
            }
            #expect(broadcast?.code == .closed)
            #expect(try await again.sockets(in: ["chat"]) == ["fresh"])
            try await ns.a[1].close()
        }
    }

    @Test func aNamespaceHasOneAdapterPerNode() async throws {
        try await withNamespaces { cluster, _ in
            let twice = await #expect(throws: AdapterError.self) {
                _ = try await cluster.nodes[0].makeAdapter(namespace: "/a", host: TestHost(name: "second"))
            }
            #expect(twice?.code == .namespaceInUse)
            let mainTwice = await #expect(throws: AdapterError.self) {
                _ = try await cluster.nodes[0].makeAdapter(host: TestHost(name: "second main"))
            }
            #expect(mainTwice?.code == .namespaceInUse)
            let empty = await #expect(throws: AdapterError.self) {
                _ = try await cluster.nodes[0].makeAdapter(namespace: "", host: TestHost(name: "empty"))
            }
            #expect(empty?.code == .invalidArgument)
        }
    }
}
