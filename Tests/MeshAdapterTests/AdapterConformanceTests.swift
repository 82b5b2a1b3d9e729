import MeshAdapter
import NIOCore
import RealtimeAdapter
import Testing

/// One suite for every adapter: the README's operations and rules, run with the same inputs
/// against `LocalAdapter`, a one-node `ClusterAdapter` and a three-node mesh (its sockets spread
/// over the nodes, every operation issued from the first). The observable results must be the
/// same; only `serverCount` differs, by what it counts.
@Suite(.timeLimit(.minutes(3))) struct AdapterConformanceTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case local, oneNode, threeNodes
        var testDescription: String { rawValue }
    }

    /// The servers of one run: socket `n` of a test lives on server `n % servers.count`.
    struct Servers {
        var adapters: [any Adapter]
        var hosts: [TestHost]

        var first: any Adapter { adapters[0] }

        func owner(_ index: Int) -> any Adapter { adapters[index % adapters.count] }

        /// What every server's sockets received, together.
        var delivered: [SocketID: [String]] {
            hosts.reduce(into: [:]) { all, host in all.merge(host.delivered) { $0 + $1 } }
        }

        var disconnected: Set<SocketID> { Set(hosts.flatMap(\.disconnected)) }

        /// Joins socket `s<index>` on its server, to `rooms`.
        func join(_ index: Int, _ rooms: Set<Room>) async throws {
            try await owner(index).addAll(SocketID("s\(index)"), rooms: rooms)
        }

        /// Waits until the first server sees `count` sockets cluster-wide: other servers'
        /// joins are not ordered before the first server's next operation otherwise.
        func settle(count: Int) async throws {
            let settled = try await eventually { try await first.fetchSockets(BroadcastOptions()).count == count }
            #expect(settled)
        }
    }

    func with(_ kind: Kind, _ body: (Servers) async throws -> Void) async throws {
        switch kind {
        case .local:
            let host = TestHost(name: "local")
            try await body(Servers(adapters: [try LocalAdapter(host: host, serverName: "local")], hosts: [host]))
        case .oneNode, .threeNodes:
            try await TestCluster.with(count: kind == .oneNode ? 1 : 3, prefix: kind.rawValue) { cluster in
                let formed = try await cluster.formed()
                #expect(formed)
                try await body(Servers(adapters: cluster.adapters, hosts: cluster.hosts))
            }
        }
    }

    @Test(arguments: Kind.allCases)
    func aSocketIsAlwaysInItsOwnRoom(kind: Kind) async throws {
        try await with(kind) { servers in
            try await servers.join(1, ["lobby"])
            try await servers.settle(count: 1)
            let owner = servers.owner(1)
            #expect(try await owner.socketRooms("s1") == ["s1", "lobby"])
            try await owner.del("s1", room: "s1")
            #expect(try await owner.socketRooms("s1") == ["s1", "lobby"], "leaving its own room is ignored")
            try await servers.first.broadcast(ByteBuffer(string: "direct"), options: BroadcastOptions(rooms: ["s1"]))
            #expect(await eventually { servers.delivered["s1"] == ["direct"] })
        }
    }

    @Test(arguments: Kind.allCases)
    func broadcastTargetsFollowRoomsExceptAndOncePerSocket(kind: Kind) async throws {
        try await with(kind) { servers in
            try await servers.join(0, ["game"])
            try await servers.join(1, ["game", "muted"])
            try await servers.join(2, ["lobby"])
            try await servers.join(3, ["game", "lobby"])
            try await servers.settle(count: 4)
            let first = servers.first
            try await first.broadcast(ByteBuffer(string: "all"), options: BroadcastOptions())
            try await first.broadcast(
                ByteBuffer(string: "game"), options: BroadcastOptions(rooms: ["game"], except: ["muted"]))
            try await first.broadcast(ByteBuffer(string: "both"), options: BroadcastOptions(rooms: ["game", "lobby"]))
            try await first.broadcast(ByteBuffer(string: "not-game"), options: BroadcastOptions(except: ["game"]))
            let expected: [SocketID: [String]] = [
                "s0": ["all", "game", "both"],
                "s1": ["all", "both"],
                "s2": ["all", "both", "not-game"],
                "s3": ["all", "game", "both"],
            ]
            #expect(await eventually { servers.delivered == expected }, "\(servers.delivered)")
        }
    }

    @Test(arguments: Kind.allCases)
    func leavingAndDisconnectingChangeRoomsAndDeleteEmptyOnes(kind: Kind) async throws {
        try await with(kind) { servers in
            try await servers.join(0, ["a", "b"])
            try await servers.join(1, ["a"])
            try await servers.settle(count: 2)
            try await servers.owner(0).del("s0", room: "a")
            try await servers.owner(1).delAll("s1")
            #expect(try await servers.owner(0).socketRooms("s0") == ["s0", "b"])
            #expect(try await servers.owner(1).socketRooms("s1") == nil)
            let gone = try await eventually {
                try await servers.first.fetchSockets(BroadcastOptions(rooms: ["a"])).isEmpty
            }
            #expect(gone, "room a has no member left anywhere")
            #expect(try await servers.first.fetchSockets(BroadcastOptions()).map(\.id) == ["s0"])
        }
    }

    @Test(arguments: Kind.allCases)
    func fetchSocketsFindsMatchingSocketsWithRoomsAndDetails(kind: Kind) async throws {
        try await with(kind) { servers in
            try await servers.join(0, ["r"])
            try await servers.join(1, ["r", "x"])
            try await servers.join(2, ["q"])
            try await servers.settle(count: 3)
            let found = try await servers.first.fetchSockets(BroadcastOptions(rooms: ["r"], except: ["x"]))
            #expect(found.map(\.id) == ["s0"])
            #expect(found.first?.rooms == ["s0", "r"])
            #expect(found.first?.details.map { String(buffer: $0).hasSuffix(":s0") } == true)
            let all = try await servers.first.fetchSockets(BroadcastOptions())
            #expect(Set(all.map(\.id)) == ["s0", "s1", "s2"])
            var local = BroadcastOptions()
            local.flags.local = true
            let here = try await servers.first.fetchSockets(local)
            #expect(Set(here.map(\.id)) == (kind == .threeNodes ? ["s0"] : ["s0", "s1", "s2"]))
        }
    }

    @Test(arguments: Kind.allCases)
    func addSocketsDelSocketsAndDisconnectSocketsReachEveryMatchingSocket(kind: Kind) async throws {
        try await with(kind) { servers in
            for index in 0..<4 { try await servers.join(index, index < 3 ? ["team"] : []) }
            try await servers.settle(count: 4)
            let first = servers.first
            try await first.addSockets(BroadcastOptions(rooms: ["team"], except: ["s2"]), rooms: ["picked"])
            // Awaited: every owner applied it before the call returned.
            #expect(try await servers.owner(1).socketRooms("s1") == ["s1", "team", "picked"])
            #expect(try await servers.owner(2).socketRooms("s2") == ["s2", "team"])
            try await first.broadcast(ByteBuffer(string: "p"), options: BroadcastOptions(rooms: ["picked"]))
            #expect(await eventually { servers.delivered == ["s0": ["p"], "s1": ["p"]] }, "join then broadcast")
            try await first.delSockets(BroadcastOptions(rooms: ["s1"]), rooms: ["picked", "team"])
            #expect(try await servers.owner(1).socketRooms("s1") == ["s1"])
            try await first.disconnectSockets(BroadcastOptions(rooms: ["team"]), closeTransport: true)
            #expect(servers.disconnected == ["s0", "s2"])
        }
    }

    @Test(arguments: Kind.allCases)
    func broadcastWithAckCollectsEveryAcknowledgement(kind: Kind) async throws {
        try await with(kind) { servers in
            for index in 0..<3 { try await servers.join(index, ["r"]) }
            try await servers.join(3, ["other"])
            try await servers.settle(count: 4)
            let result = try await servers.first.broadcastWithAck(
                ByteBuffer(string: "ack?"), options: BroadcastOptions(rooms: ["r"], flags: .init(timeout: .seconds(1))))
            #expect(result.expected == 3)
            #expect(
                result.responses.mapValues { String(buffer: $0) } == ["s0": "ack-s0", "s1": "ack-s1", "s2": "ack-s2"])
        }
    }

    @Test(arguments: Kind.allCases)
    func localAndVolatileFlagsAndServerCount(kind: Kind) async throws {
        try await with(kind) { servers in
            for index in 0..<3 { try await servers.join(index, ["r"]) }
            try await servers.settle(count: 3)
            var local = BroadcastOptions(rooms: ["r"])
            local.flags.local = true
            try await servers.first.broadcast(ByteBuffer(string: "here"), options: local)
            var volatile = BroadcastOptions(rooms: ["r"])
            volatile.flags.volatile = true
            try await servers.first.broadcast(ByteBuffer(string: "v"), options: volatile)
            let expected: [SocketID: [String]] =
                kind == .threeNodes
                ? ["s0": ["here", "v"], "s1": ["v"], "s2": ["v"]]
                : ["s0": ["here", "v"], "s1": ["here", "v"], "s2": ["here", "v"]]
            #expect(await eventually { servers.delivered == expected }, "\(servers.delivered)")
            #expect(try await servers.first.serverCount() == servers.adapters.count)
            #expect(servers.first.namespace == "/")
        }
    }

    /// The code of the `AdapterError` `operation` throws; nil when it does not throw one.
    static func code(_ operation: () async throws -> Void) async -> AdapterError.Code? {
        do {
            try await operation()
            return nil
        } catch let error as AdapterError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test(arguments: Kind.allCases)
    func namesNoAdapterCarriesAreRefusedAlikeAndChangeNothing(kind: Kind) async throws {
        try await with(kind) { servers in
            let long = Room(String(repeating: "x", count: AdapterLimits.maximumNameBytes + 1))
            let first = servers.first
            #expect(await Self.code { try await first.addAll("s0", rooms: [long]) } == .invalidArgument)
            #expect(await Self.code { try await first.addAll("", rooms: ["r"]) } == .invalidArgument)
            #expect(
                await Self.code {
                    try await first.broadcast(ByteBuffer(string: "x"), options: BroadcastOptions(rooms: [long]))
                }
                    == .invalidArgument)
            #expect(
                await Self.code { _ = try await first.fetchSockets(BroadcastOptions(except: [long])) }
                    == .invalidArgument)
            #expect(
                await Self.code { try await first.addSockets(BroadcastOptions(), rooms: [long]) } == .invalidArgument)
            let joined = try await first.fetchSockets(BroadcastOptions())
            #expect(joined.isEmpty, "nothing was joined")
            #expect(servers.delivered.isEmpty, "nothing was sent")
        }
    }

    @Test(arguments: Kind.allCases)
    func serverSideEmitsReachEveryOtherServer(kind: Kind) async throws {
        try await with(kind) { servers in
            let others = servers.hosts.dropFirst().map(\.name)
            let replies = try await servers.first.serverSideEmitWithAck(ByteBuffer(string: "hi"), timeout: .seconds(2))
            #expect(replies.missingServers.isEmpty)
            #expect(replies.replies.map(\.server) == others)
            #expect(replies.replies.map { $0.reply.map { String(buffer: $0) } } == others.map { "\($0) got hi" })
            try await servers.first.serverSideEmit(ByteBuffer(string: "one-way"))
            let first = servers.hosts[0].name
            #expect(
                await eventually {
                    servers.hosts.dropFirst().allSatisfy { $0.emits.contains("\(first):one-way") }
                })
            #expect(servers.hosts[0].emits.isEmpty, "a server does not emit to itself")
        }
    }

    @Test(arguments: Kind.allCases)
    func aBroadcastKeepsItsFlagsFramesAndOneIdentityOnEveryServer(kind: Kind) async throws {
        try await with(kind) { servers in
            for index in 0..<3 { try await servers.join(index, ["r"]) }
            try await servers.settle(count: 3)
            let binary = BroadcastPacket(ByteBuffer(string: "51-event"), attachments: [ByteBuffer(bytes: [0, 1, 255])])
            var compressed = BroadcastOptions(rooms: ["r"])
            compressed.flags.compress = true
            try await servers.first.broadcast(binary, options: compressed)
            var volatile = BroadcastOptions(rooms: ["r"])
            volatile.flags.volatile = true
            try await servers.first.broadcast(ByteBuffer(string: "v"), options: volatile)
            #expect(
                await eventually {
                    servers.delivered.values.allSatisfy { $0.count == 2 } && servers.delivered.count == 3
                })
            let deliveries = servers.hosts.map(\.deliveries)
            for received in deliveries {
                #expect(received.map(\.compress) == [true, false])
                #expect(received.map(\.volatile) == [false, true])
                #expect(received.first?.packet == binary, "the header and its attachments as sent")
            }
            let identities = Set(deliveries.compactMap { $0.first?.id })
            #expect(identities.count == 1, "one identity for one broadcast on every server")
            #expect(deliveries.first?.first?.id != deliveries.first?.last?.id)
        }
    }

    @Test(arguments: Kind.allCases)
    func collectSocketsFindsWhatFetchSocketsFinds(kind: Kind) async throws {
        try await with(kind) { servers in
            for index in 0..<4 { try await servers.join(index, index % 2 == 0 ? ["even"] : ["odd"]) }
            try await servers.settle(count: 4)
            let options = BroadcastOptions(rooms: ["even"])
            let collected = try await servers.first.collectSockets(options)
            let fetched = try await servers.first.fetchSockets(options)
            #expect(collected.missingServers.isEmpty)
            #expect(Set(collected.sockets) == Set(fetched))
            #expect(Set(collected.sockets.map(\.id)) == ["s0", "s2"])
        }
    }
}
