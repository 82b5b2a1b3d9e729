import NIOCore
import RealtimeAdapter
import Testing

/// LocalAdapter behaves like Socket.IO's in-memory adapter.
@Suite struct LocalAdapterTests {
    let host = RecordingHost()
    // Exercised through the protocol, as a server holds it.
    var adapter: any Adapter { LocalAdapter(host: host, serverName: "solo") }

    @Test func aSocketIsAlwaysInItsOwnRoom() async {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["lobby"])
        #expect(await adapter.socketRooms("s1") == ["s1", "lobby"])
        await adapter.del("s1", room: "s1")
        #expect(await adapter.socketRooms("s1") == ["s1", "lobby"], "leaving its own room is ignored")
        await adapter.broadcast(ByteBuffer(string: "direct"), options: BroadcastOptions(rooms: ["s1"]))
        #expect(host.delivered["s1"] == ["direct"])
    }

    @Test func aBroadcastWithNoRoomsGoesToEverySocket() async {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["a"])
        await adapter.addAll("s2", rooms: [])
        await adapter.broadcast(ByteBuffer(string: "all"), options: BroadcastOptions())
        #expect(host.delivered == ["s1": ["all"], "s2": ["all"]])
    }

    @Test func exceptRemovesTheMembersOfThoseRooms() async {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["game"])
        await adapter.addAll("s2", rooms: ["game", "muted"])
        await adapter.addAll("s3", rooms: ["lobby"])
        await adapter.broadcast(ByteBuffer(string: "m"), options: BroadcastOptions(rooms: ["game"], except: ["muted"]))
        #expect(host.delivered == ["s1": ["m"]])
        await adapter.broadcast(ByteBuffer(string: "n"), options: BroadcastOptions(except: ["game"]))
        #expect(host.delivered["s3"] == ["n"])
        #expect(host.delivered["s2"] == nil)
    }

    @Test func aSocketInSeveralTargetRoomsReceivesABroadcastOnce() async {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["a", "b", "c"])
        await adapter.broadcast(ByteBuffer(string: "once"), options: BroadcastOptions(rooms: ["a", "b", "c"]))
        #expect(host.delivered["s1"] == ["once"])
    }

    @Test func leavingTheLastMemberDeletesTheRoom() async {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["solo"])
        await adapter.addAll("s2", rooms: ["solo"])
        await adapter.del("s1", room: "solo")
        #expect(await adapter.sockets(in: ["solo"]) == ["s2"])
        await adapter.delAll("s2")
        #expect(await adapter.sockets(in: ["solo"]).isEmpty)
        #expect(await adapter.socketRooms("s2") == nil)
        #expect(await adapter.sockets(in: []) == ["s1"])
    }

    @Test func localFlagAndVolatileStillReachLocalSockets() async {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["r"])
        await adapter.broadcast(
            ByteBuffer(string: "l"), options: BroadcastOptions(rooms: ["r"], flags: .init(local: true, volatile: true)))
        #expect(host.delivered["s1"] == ["l"])
    }

    @Test func broadcastWithAckCollectsTheAcknowledgementsThatArrive() async throws {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["r"])
        await adapter.addAll("s2", rooms: ["r"])
        host.makeSilent("s2")
        let result = try await adapter.broadcastWithAck(
            ByteBuffer(string: "ack?"),
            options: BroadcastOptions(rooms: ["r"], flags: .init(timeout: .milliseconds(50))))
        #expect(result.expected == 2)
        #expect(result.responses == ["s1": ByteBuffer(string: "s1")])
    }

    @Test func fetchSocketsReturnsMatchingSocketsWithRoomsAndDetails() async throws {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["r"])
        await adapter.addAll("s2", rooms: ["other"])
        let found = try await adapter.fetchSockets(BroadcastOptions(rooms: ["r", "other"], except: ["other"]))
        #expect(
            found == [
                RemoteSocket(id: "s1", rooms: ["s1", "r"], server: "solo", details: ByteBuffer(string: "details-s1"))
            ])
    }

    @Test func addSocketsAndDelSocketsChangeTheMatchingSocketsRooms() async throws {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["team"])
        await adapter.addAll("s2", rooms: ["team"])
        await adapter.addAll("s3", rooms: [])
        try await adapter.addSockets(BroadcastOptions(rooms: ["team"]), rooms: ["match", "voice"])
        #expect(await adapter.sockets(in: ["match"]) == ["s1", "s2"])
        try await adapter.delSockets(BroadcastOptions(rooms: ["match"], except: ["s2"]), rooms: ["voice"])
        #expect(await adapter.sockets(in: ["voice"]) == ["s2"])
    }

    @Test func disconnectSocketsAsksTheHostToCloseTheMatchingSockets() async throws {
        let adapter = self.adapter
        await adapter.addAll("s1", rooms: ["kick"])
        await adapter.addAll("s2", rooms: [])
        try await adapter.disconnectSockets(BroadcastOptions(rooms: ["kick"]), closeTransport: true)
        #expect(host.disconnected.map(\.0) == ["s1"])
        #expect(host.disconnected.map(\.1) == [true])
    }

    @Test func aSingleServerHasNoOneElseToTalkTo() async throws {
        let adapter = self.adapter
        #expect(await adapter.serverCount() == 1)
        try await adapter.serverSideEmit(ByteBuffer(string: "hi"))
        #expect(try await adapter.serverSideEmitWithAck(ByteBuffer(string: "hi"), timeout: .seconds(1)).isEmpty)
    }
}
