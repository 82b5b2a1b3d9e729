import NIOCore
import RealtimeAdapter
import Testing

/// LocalAdapter behaves like Socket.IO's in-memory adapter.
@Suite struct LocalAdapterTests {
    let host = RecordingHost()
    // Exercised through the protocol, as a server holds it.
    var adapter: any Adapter { try! LocalAdapter(host: host, serverName: "solo") }

    @Test func aSocketIsAlwaysInItsOwnRoom() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["lobby"])
        #expect(try await adapter.socketRooms("s1") == ["s1", "lobby"])
        try await adapter.del("s1", room: "s1")
        #expect(try await adapter.socketRooms("s1") == ["s1", "lobby"], "leaving its own room is ignored")
        try await adapter.broadcast(ByteBuffer(string: "direct"), options: BroadcastOptions(rooms: ["s1"]))
        #expect(host.delivered["s1"] == ["direct"])
    }

    @Test func aBroadcastWithNoRoomsGoesToEverySocket() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["a"])
        try await adapter.addAll("s2", rooms: [])
        try await adapter.broadcast(ByteBuffer(string: "all"), options: BroadcastOptions())
        #expect(host.delivered == ["s1": ["all"], "s2": ["all"]])
    }

    @Test func exceptRemovesTheMembersOfThoseRooms() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["game"])
        try await adapter.addAll("s2", rooms: ["game", "muted"])
        try await adapter.addAll("s3", rooms: ["lobby"])
        try await adapter.broadcast(
            ByteBuffer(string: "m"), options: BroadcastOptions(rooms: ["game"], except: ["muted"]))
        #expect(host.delivered == ["s1": ["m"]])
        try await adapter.broadcast(ByteBuffer(string: "n"), options: BroadcastOptions(except: ["game"]))
        #expect(host.delivered["s3"] == ["n"])
        #expect(host.delivered["s2"] == nil)
    }

    @Test func aSocketInSeveralTargetRoomsReceivesABroadcastOnce() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["a", "b", "c"])
        try await adapter.broadcast(ByteBuffer(string: "once"), options: BroadcastOptions(rooms: ["a", "b", "c"]))
        #expect(host.delivered["s1"] == ["once"])
    }

    @Test func leavingTheLastMemberDeletesTheRoom() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["solo"])
        try await adapter.addAll("s2", rooms: ["solo"])
        try await adapter.del("s1", room: "solo")
        #expect(try await adapter.sockets(in: ["solo"]) == ["s2"])
        try await adapter.delAll("s2")
        #expect(try await adapter.sockets(in: ["solo"]).isEmpty)
        #expect(try await adapter.socketRooms("s2") == nil)
        #expect(try await adapter.sockets(in: []) == ["s1"])
    }

    @Test func localFlagAndVolatileStillReachLocalSockets() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["r"])
        try await adapter.broadcast(
            ByteBuffer(string: "l"), options: BroadcastOptions(rooms: ["r"], flags: .init(local: true, volatile: true)))
        #expect(host.delivered["s1"] == ["l"])
    }

    @Test func broadcastWithAckCollectsTheAcknowledgementsThatArrive() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["r"])
        try await adapter.addAll("s2", rooms: ["r"])
        host.makeSilent("s2")
        let result = try await adapter.broadcastWithAck(
            ByteBuffer(string: "ack?"),
            options: BroadcastOptions(rooms: ["r"], flags: .init(timeout: .milliseconds(50))))
        #expect(result.expected == 2)
        #expect(result.responses == ["s1": ByteBuffer(string: "s1")])
    }

    @Test func fetchSocketsReturnsMatchingSocketsWithRoomsAndDetails() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["r"])
        try await adapter.addAll("s2", rooms: ["other"])
        let found = try await adapter.fetchSockets(BroadcastOptions(rooms: ["r", "other"], except: ["other"]))
        #expect(
            found == [
                RemoteSocket(id: "s1", rooms: ["s1", "r"], server: "solo", details: ByteBuffer(string: "details-s1"))
            ])
    }

    @Test func addSocketsAndDelSocketsChangeTheMatchingSocketsRooms() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["team"])
        try await adapter.addAll("s2", rooms: ["team"])
        try await adapter.addAll("s3", rooms: [])
        try await adapter.addSockets(BroadcastOptions(rooms: ["team"]), rooms: ["match", "voice"])
        #expect(try await adapter.sockets(in: ["match"]) == ["s1", "s2"])
        try await adapter.delSockets(BroadcastOptions(rooms: ["match"], except: ["s2"]), rooms: ["voice"])
        #expect(try await adapter.sockets(in: ["voice"]) == ["s2"])
    }

    @Test func disconnectSocketsAsksTheHostToCloseTheMatchingSockets() async throws {
        let adapter = self.adapter
        try await adapter.addAll("s1", rooms: ["kick"])
        try await adapter.addAll("s2", rooms: [])
        try await adapter.disconnectSockets(BroadcastOptions(rooms: ["kick"]), closeTransport: true)
        #expect(host.disconnected.map(\.0) == ["s1"])
        #expect(host.disconnected.map(\.1) == [true])
    }

    @Test func aSingleServerHasNoOneElseToTalkTo() async throws {
        let adapter = self.adapter
        #expect(try await adapter.serverCount() == 1)
        try await adapter.serverSideEmit(ByteBuffer(string: "hi"))
        #expect(
            try await adapter.serverSideEmitWithAck(ByteBuffer(string: "hi"), timeout: .seconds(1)) == ServerReplies())
    }

    @Test func eachBroadcastIsNumberedAndKeepsItsFlagsAndFrames() async throws {
        let adapter = try LocalAdapter(namespace: "/chat", host: host, serverName: "solo", incarnation: 9)
        #expect(adapter.namespace == "/chat")
        try adapter.addAll("s1", rooms: ["r"])
        let packet = BroadcastPacket(ByteBuffer(string: "51-head"), attachments: [ByteBuffer(bytes: [1, 2])])
        try adapter.broadcast(
            packet, options: BroadcastOptions(rooms: ["r"], flags: .init(volatile: true, compress: true)))
        try adapter.broadcast(BroadcastPacket(ByteBuffer(string: "plain")), options: BroadcastOptions(rooms: ["r"]))
        let deliveries = host.deliveries
        #expect(
            deliveries.map(\.id) == [
                BroadcastID(origin: "solo", incarnation: 9, sequence: 1),
                BroadcastID(origin: "solo", incarnation: 9, sequence: 2),
            ])
        #expect(deliveries.map(\.volatile) == [true, false])
        #expect(deliveries.map(\.compress) == [true, false])
        #expect(deliveries.first?.packet == packet)
    }

    @Test func namesNoAdapterCanCarryAreRefused() throws {
        let adapter = try LocalAdapter(host: host)
        let long = Room(String(repeating: "r", count: AdapterLimits.maximumNameBytes + 1))
        #expect(throws: AdapterError.self) { try adapter.addAll("s1", rooms: [long]) }
        #expect(throws: AdapterError.self) { try adapter.addAll("", rooms: []) }
        #expect(throws: AdapterError.self) { try LocalAdapter(namespace: "", host: host) }
        #expect(adapter.socketRooms("s1") == nil)
        try adapter.addAll("s1", rooms: [Room(String(repeating: "r", count: AdapterLimits.maximumNameBytes))])
        #expect(adapter.socketRooms("s1")?.count == 2, "the longest name there is, still carried")
    }
}
