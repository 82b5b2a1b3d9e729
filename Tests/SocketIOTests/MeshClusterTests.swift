import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOConcurrencyHelpers
import SocketIO
import Testing

/// Two Socket.IO servers whose namespaces' adapters are one mesh: clients on either server
/// reach each other through rooms, and the cluster operations cover both.
@Suite struct MeshClusterTests {
    static let settings = MeshSettings(
        heartbeatInterval: .milliseconds(100), suspectAfter: .milliseconds(600),
        suspicionTimeout: .milliseconds(400), gossipInterval: .milliseconds(100), requestTimeout: .seconds(2))

    @Test func roomsBroadcastsAndFetchSocketsSpanTheServers() async throws {
        var logger = Logger(label: "test.mesh")
        logger.logLevel = .warning
        let first = try MeshNode(
            configuration: MeshConfiguration(nodeName: "a", protocolSettings: Self.settings), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            let second = try MeshNode(
                configuration: MeshConfiguration(
                    nodeName: "b", seeds: [try await first.listeningAddress()], protocolSettings: Self.settings),
                logger: logger)
            group.addTask { try await second.run() }
            let setUp: @Sendable (SocketIOServer) -> Void = { io in
                io.sockets.onConnection { socket in
                    socket.on("join") { arguments, ack in
                        try? await socket.join(Room(arguments.first?.stringValue ?? ""))
                        ack?(true)
                    }
                }
                io.sockets.onServerSideEmit("count") { _ in .number(Double(io.connectionCount)) }
            }
            try await TestServer.with(
                adapter: AdapterFactory { try await first.makeAdapter(namespace: $0, host: $1) }, setUp: setUp
            ) { serverA in
                try await TestServer.with(
                    adapter: AdapterFactory { try await second.makeAdapter(namespace: $0, host: $1) }, setUp: setUp
                ) { serverB in
                    try await withTimeout(30) {
                        while try await serverA.io.sockets.adapter().serverCount() < 2 {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        let (onA, idA) = try await serverA.connectedClient()
                        let (onB, idB) = try await serverB.connectedClient()
                        try await onA.send(text: #"421["join","lobby"]"#)
                        #expect(try await onA.nextMessage() == .text("431[true]"))
                        // A join is published before its ack, but B learns of it when A's change
                        // arrives (the causal guarantee covers a join and a broadcast from one
                        // node): once B sees the member, B's broadcast reaches it.
                        while try await serverB.io.sockets.in("lobby").fetchSockets().isEmpty {
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        try await serverB.io.sockets.to("lobby").emit("hello", "from b")
                        #expect(try await onA.nextMessage() == .text(#"42["hello","from b"]"#))
                        let members = try await serverB.io.sockets.in("lobby").fetchSockets()
                        #expect(members.map(\.id.rawValue) == [idA])
                        #expect(members.first?.server == "a")
                        // Awaited across servers: once it returns, B's socket is in the room.
                        try await serverA.io.sockets.in(Room(idB)).socketsJoin("lobby")
                        #expect(
                            try await serverB.io.sockets.in("lobby").local.fetchSockets().map(\.id.rawValue) == [idB])
                        try await serverA.io.sockets.to("lobby").emit("both")
                        #expect(try await onA.nextMessage() == .text(#"42["both"]"#))
                        #expect(try await onB.nextMessage() == .text(#"42["both"]"#))
                        let replies = try await serverA.io.sockets.serverSideEmitWithAck(
                            "count", [], timeout: .seconds(2))
                        #expect(replies.replies.map(\.server) == ["b"])
                        #expect(replies.replies.first?.reply == .number(1))
                        await onA.close()
                        await onB.close()
                    }
                }
            }
            await first.shutdown()
            await second.shutdown()
            try await group.waitForAll()
        }
    }
}
