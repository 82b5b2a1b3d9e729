import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import Testing

/// What many clients, or a client that does not read, do to a server: nothing to the others.
/// Bounded in count and time.
@Suite struct LoadTests {
    static let small = SocketIOConfiguration.OutboundLimits(
        limit: 64 << 10, hardLimit: 256 << 10, grace: .milliseconds(200))

    @Test func aReaderTooSlowIsDisconnectedAndTheOthersGetEverything() async throws {
        let reasons = NIOLockedValueBox<[String: DisconnectReason]>([:])
        try await TestServer.with(
            SocketIOConfiguration(outbound: Self.small),
            setUp: { io in
                io.sockets.onConnection { socket in
                    try? await socket.join("room")
                    socket.onDisconnect { reason in reasons.withLockedValue { $0[socket.id.rawValue] = reason } }
                }
            }
        ) { server in
            try await withTimeout(60) {
                let (fast, _) = try await server.connectedClient()
                let (slow, slowID) = try await server.connectedClient()
                try await slow.connection.stopReading()
                let payload = SocketValue.string(String(repeating: "x", count: 4_000))
                let count = 5_000  // 20 MB: more than the kernel buffers of a loopback socket
                // In batches the reader that keeps up takes before the next (10 × 4 KB stays under
                // its 64 KiB limit, however loaded the machine), while the other never reads.
                var received = 0
                for _ in 0..<(count / 10) {
                    for _ in 0..<10 { try await server.io.sockets.to("room").emit("bulk", payload) }
                    for _ in 0..<10 {
                        guard case .text? = try await fast.nextMessage() else { break }
                        received += 1
                    }
                }
                #expect(received == count)
                // The disconnect handler runs on the socket's own task, soon after.
                while reasons.withLockedValue({ $0[slowID] }) == nil { try await Task.sleep(for: .milliseconds(10)) }
                #expect(reasons.withLockedValue { $0[slowID] } == .tooSlow)
                #expect(server.io.statistics.slowClientsDisconnected == 1)
                await fast.close()
                await slow.close()
            }
        }
    }

    @Test func volatilePacketsForAFullClientAreDroppedAndCounted() async throws {
        try await TestServer.with(
            SocketIOConfiguration(outbound: Self.small),
            setUp: { io in io.sockets.onConnection { socket in try? await socket.join("room") } }
        ) { server in
            try await withTimeout(60) {
                let (slow, _) = try await server.connectedClient()
                try await slow.connection.stopReading()
                let payload = SocketValue.string(String(repeating: "v", count: 4_000))
                let count = 5_000
                for _ in 0..<count { try await server.io.sockets.to("room").volatile.emit("tick", payload) }
                // Deliveries run on the client's event loop, after the emits return.
                while server.io.statistics.droppedVolatilePackets == 0 { try await Task.sleep(for: .milliseconds(10)) }
                let dropped = server.io.statistics.droppedVolatilePackets
                #expect(dropped > 0)
                #expect(dropped < count)
                // Dropping is not a reason to disconnect.
                #expect(server.io.statistics.slowClientsDisconnected == 0)
                #expect(server.io.connectionCount == 1)
                await slow.close()
            }
        }
    }

    @Test func aPollingClientThatNeverPollsIsBoundedToo() async throws {
        try await TestServer.with(
            SocketIOConfiguration(outbound: Self.small),
            setUp: { io in io.sockets.onConnection { socket in try? await socket.join("room") } }
        ) { server in
            try await withTimeout(60) {
                let open = try await TestHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
                let sid = try #require(try SocketValue(json: String(open.body.dropFirst()))["sid"]?.stringValue)
                let uri = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
                _ = try await TestHTTP.request(port: server.port, "POST", uri, body: "40")
                while try await server.io.sockets.in("room").fetchSockets().isEmpty {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let payload = SocketValue.string(String(repeating: "p", count: 4_000))
                for _ in 0..<100 { try await server.io.sockets.to("room").emit("bulk", payload) }
                // Deliveries run on the client's event loop, after the emits return.
                while server.io.statistics.slowClientsDisconnected == 0 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(server.io.statistics.slowClientsDisconnected == 1)
                let poll = try await TestHTTP.request(port: server.port, "GET", uri)
                #expect(poll.status == 400)
            }
        }
    }

    @Test func aThousandIdleConnectionsAndTheServerStillServes() async throws {
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in socket.on("echo") { arguments, ack in ack?.send(arguments) } }
        }) { server in
            try await withTimeout(120) {
                var clients: [TestWebSocket] = []
                for _ in 0..<1_000 { clients.append(try await server.connectedClient().0) }
                #expect(server.io.connectionCount == 1_000)
                try await server.io.sockets.emit("all", "hello")
                for client in clients { #expect(try await client.nextMessage() == .text(#"42["all","hello"]"#)) }
                let (late, _) = try await server.connectedClient()
                try await late.send(text: #"427["echo","late"]"#)
                #expect(try await late.nextMessage() == .text(#"437["late"]"#))
                for client in clients { await client.close() }
                await late.close()
            }
        }
    }
}
