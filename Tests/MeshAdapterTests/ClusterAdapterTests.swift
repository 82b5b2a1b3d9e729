import Foundation
import MeshAdapter
import NIOCore
import RealtimeAdapter
import Testing

/// Every adapter operation across three real nodes on loopback TCP, in one process.
@Suite(.timeLimit(.minutes(2))) struct ClusterAdapterTests {
    @Test func aClusterFormsFromOneSeed() async throws {
        try await TestCluster.with(count: 4) { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
        }
    }

    /// The timer fires at the deadlines the protocol asks for (heartbeats, gossip, failure
    /// detection, once a second for the gauges), not every few milliseconds: an idle node of
    /// a formed cluster wakes a handful of times in two seconds, and the cluster stays whole.
    @Test func anIdleNodeWakesOnlyForItsDeadlines() async throws {
        try await TestCluster.with(
            count: 2,
            configure: {
                $0.protocolSettings.heartbeatInterval = .milliseconds(400)
                $0.protocolSettings.gossipInterval = .milliseconds(400)
                $0.protocolSettings.suspectAfter = .seconds(2)
                $0.protocolSettings.suspicionTimeout = .seconds(1)
            }
        ) { cluster in
            #expect(try await cluster.formed())
            let before = try await cluster.nodes[0].timerWakeups()
            try await Task.sleep(for: .seconds(2))
            let wakeups = try await cluster.nodes[0].timerWakeups() - before
            // Five heartbeat and gossip rounds and two gauge updates; a 20 ms poll made 100.
            #expect(wakeups >= 3 && wakeups <= 15, "\(wakeups) wake-ups in 2 s")
            #expect(try await cluster.adapters[0].serverCount() == 2)
            #expect(try await cluster.adapters[1].serverCount() == 2)
        }
    }

    @Test func broadcastsReachEveryMatchingSocketOnEveryNodeExactlyOnce() async throws {
        try await TestCluster.with(count: 3) { cluster in
            #expect(try await cluster.formed())
            let (a, b, c) = (cluster.adapters[0], cluster.adapters[1], cluster.adapters[2])
            try await a.addAll("a1", rooms: ["chat"])
            try await b.addAll("b1", rooms: ["chat", "muted"])
            try await b.addAll("b2", rooms: ["chat"])
            try await c.addAll("c1", rooms: ["other"])
            // b answers a's request after pushing its joins on the same link, so once a has the
            // answer its directory routes "chat" to b.
            let routed = try await eventually { try await a.fetchSockets(BroadcastOptions(rooms: ["chat"])).count == 3 }
            #expect(routed)
            try await a.broadcast(
                ByteBuffer(string: "hello"), options: BroadcastOptions(rooms: ["chat"], except: ["muted"]))
            try await c.broadcast(ByteBuffer(string: "all"), options: BroadcastOptions())
            try await c.broadcast(ByteBuffer(string: "mine"), options: BroadcastOptions(flags: .init(local: true)))
            // Broadcasts from two senders may interleave either way; each arrives exactly once.
            #expect(await eventually { cluster.hosts[1].delivered["b2"]?.sorted() == ["all", "hello"] })
            #expect(await eventually { cluster.hosts[0].delivered["a1"]?.sorted() == ["all", "hello"] })
            #expect(cluster.hosts[1].delivered["b1"] == ["all"])
            #expect(cluster.hosts[2].delivered["c1"] == ["all", "mine"], "one sender's broadcasts stay in order")
        }
    }

    @Test func fetchSocketsAddSocketsDelSocketsAndDisconnectSocketsWorkOnOtherNodesSockets() async throws {
        try await TestCluster.with(count: 3) { cluster in
            #expect(try await cluster.formed())
            let (a, b, c) = (cluster.adapters[0], cluster.adapters[1], cluster.adapters[2])
            try await b.addAll("b1", rooms: ["team"])
            try await c.addAll("c1", rooms: ["team"])
            try await c.addAll("c2", rooms: [])
            try await a.addSockets(BroadcastOptions(rooms: ["team"]), rooms: ["match"])
            #expect(try await b.socketRooms("b1") == ["b1", "team", "match"])
            #expect(try await c.socketRooms("c1") == ["c1", "team", "match"])
            let found = try await a.fetchSockets(BroadcastOptions(rooms: ["match"]))
            #expect(Set(found.map(\.id)) == ["b1", "c1"])
            #expect(found.first { $0.id == "c1" }?.server == "node2")
            #expect(found.first { $0.id == "c1" }?.details == ByteBuffer(string: "node2:c1"))
            try await a.delSockets(BroadcastOptions(rooms: ["match"], except: ["b1"]), rooms: ["match"])
            #expect(try await c.socketRooms("c1") == ["c1", "team"])
            #expect(try await b.socketRooms("b1") == ["b1", "team", "match"])
            try await a.disconnectSockets(BroadcastOptions(rooms: ["team"]), closeTransport: true)
            #expect(
                await eventually { cluster.hosts[1].disconnected == ["b1"] && cluster.hosts[2].disconnected == ["c1"] })
        }
    }

    @Test func joinThenBroadcastFromAnotherNodeReachesTheNewMembers() async throws {
        try await TestCluster.with(count: 3) { cluster in
            #expect(try await cluster.formed())
            let (a, b, c) = (cluster.adapters[0], cluster.adapters[1], cluster.adapters[2])
            for round in 0..<50 {
                try await b.addAll(SocketID("b\(round)"), rooms: [])
                try await c.addAll(SocketID("c\(round)"), rooms: [])
                let room = Room("r\(round)")
                // No waiting: a may not even know these sockets yet.
                try await a.addSockets(BroadcastOptions(rooms: [Room("b\(round)"), Room("c\(round)")]), rooms: [room])
                try await a.broadcast(ByteBuffer(string: "m\(round)"), options: BroadcastOptions(rooms: [room]))
            }
            #expect(
                await eventually {
                    cluster.hosts[2].delivered["c49"] == ["m49"] && cluster.hosts[1].delivered["b49"] == ["m49"]
                })
            for round in 0..<50 {
                #expect(cluster.hosts[1].delivered[SocketID("b\(round)")] == ["m\(round)"])
                #expect(cluster.hosts[2].delivered[SocketID("c\(round)")] == ["m\(round)"])
            }
        }
    }

    @Test func serverSideEmitWithAndWithoutRepliesAndBroadcastWithAck() async throws {
        try await TestCluster.with(count: 3) { cluster in
            #expect(try await cluster.formed())
            let (a, b, c) = (cluster.adapters[0], cluster.adapters[1], cluster.adapters[2])
            try await a.serverSideEmit(ByteBuffer(string: "ping"))
            #expect(
                await eventually {
                    cluster.hosts[1].emits == ["node0:ping"] && cluster.hosts[2].emits == ["node0:ping"]
                })
            let replies = try await a.serverSideEmitWithAck(ByteBuffer(string: "q"), timeout: .seconds(2))
            #expect(replies.replies.map(\.server) == ["node1", "node2"] && replies.missingServers.isEmpty)
            #expect(replies.replies.map { $0.reply.map { String(buffer: $0) } } == ["node1 got q", "node2 got q"])
            try await a.addAll("a1", rooms: ["r"])
            try await b.addAll("b1", rooms: ["r"])
            try await c.addAll("c1", rooms: ["r"])
            try await c.addAll("c2", rooms: [])
            #expect(try await eventually { try await a.fetchSockets(BroadcastOptions(rooms: ["r"])).count == 3 })
            let acks = try await a.broadcastWithAck(
                ByteBuffer(string: "ack?"), options: BroadcastOptions(rooms: ["r"], flags: .init(timeout: .seconds(1))))
            #expect(acks.expected == 3)
            #expect(Set(acks.responses.keys) == ["a1", "b1", "c1"])
        }
    }

    /// A slow server costs its own answer only: what the others answered is returned with the
    /// silent server named.
    @Test func aSlowServerIsNamedAndTheOthersAnswersAreKept() async throws {
        try await TestCluster.with(count: 3) { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            // The deadline leaves the prompt server ample time even on a loaded machine; the
            // slow one answers long after it.
            cluster.hosts[2].answerEmits(after: .seconds(6))
            let result = try await cluster.adapters[0].serverSideEmitWithAck(
                ByteBuffer(string: "slow?"), timeout: .milliseconds(1_500))
            #expect(result.missingServers == ["node2"])
            #expect(result.replies.map(\.server) == ["node1"])
            #expect(result.replies.first?.reply.map { String(buffer: $0) } == "node1 got slow?")
        }
    }

    @Test func broadcastWithAckNamesTheServerThatDidNotAnswerAndKeepsTheRest() async throws {
        try await TestCluster.with(count: 3) { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            // The ack collection of node2's clients outlives the request's deadline.
            cluster.hosts[2].answerAcks(after: .seconds(6))
            try await cluster.adapters[1].addAll("b1", rooms: ["r"])
            try await cluster.adapters[2].addAll("c1", rooms: ["r"])
            let seen = try await eventually {
                try await cluster.adapters[0].fetchSockets(BroadcastOptions(rooms: ["r"])).count == 2
            }
            #expect(seen)
            var options = BroadcastOptions(rooms: ["r"])
            // Ample for the prompt server even on a loaded machine.
            options.flags.timeout = .milliseconds(1_500)
            let acks = try await cluster.adapters[0].broadcastWithAck(ByteBuffer(string: "ack?"), options: options)
            #expect(acks.missingServers == ["node2"])
            #expect(acks.expected == 1)
            #expect(Set(acks.responses.keys) == ["b1"])
        }
    }

    /// `fetchSockets` throws `.timeout` naming a silent server, as Socket.IO's adapters do;
    /// `collectSockets` keeps what the others answered.
    @Test func collectSocketsKeepsTheAnswersOfTheServersThatAnswered() async throws {
        // Node 2 is made silent by stalling its event loop; it must not be declared down
        // meanwhile (a request stops waiting for a node that is), so suspicion comes late.
        try await TestCluster.with(
            count: 3, ownThread: [2],
            configure: {
                $0.protocolSettings.suspectAfter = .seconds(10)
                $0.protocolSettings.suspicionTimeout = .seconds(5)
            }
        ) { cluster in
            #expect(try await cluster.formed())
            try await cluster.adapters[0].addAll("a1", rooms: ["r"])
            try await cluster.adapters[1].addAll("b1", rooms: ["r"])
            try await cluster.adapters[2].addAll("c1", rooms: ["r"])
            let seen = try await eventually {
                try await cluster.adapters[0].fetchSockets(BroadcastOptions(rooms: ["r"])).count == 3
            }
            #expect(seen)
            // Past both requests' deadlines below.
            cluster.nodes[2].eventLoop.execute { Thread.sleep(forTimeInterval: 4) }
            var options = BroadcastOptions(rooms: ["r"])
            // Ample for the prompt server even on a loaded machine.
            options.flags.timeout = .milliseconds(1_500)
            let collected = try await cluster.adapters[0].collectSockets(options)
            #expect(collected.missingServers == ["node2"])
            #expect(Set(collected.sockets.map(\.id)) == ["a1", "b1"])
            let thrown = await #expect(throws: AdapterError.self) {
                _ = try await cluster.adapters[0].fetchSockets(options)
            }
            #expect(thrown?.code == .timeout)
            #expect(thrown?.missingServers == ["node2"])
        }
    }

    @Test func serverCountFollowsNodesLeaving() async throws {
        try await TestCluster.with(count: 3) { cluster in
            let formed = try await cluster.formed()
            #expect(formed)
            let before = try await cluster.adapters[0].serverCount()
            #expect(before == 3)
            await cluster.nodes[2].shutdown()
            let firstSees = try await eventually { try await cluster.adapters[0].serverCount() == 2 }
            let secondSees = try await eventually { try await cluster.adapters[1].serverCount() == 2 }
            #expect(firstSees && secondSees)
        }
    }
}
