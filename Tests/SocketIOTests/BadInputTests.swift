import InMemoryLogging
import Logging
import NIOCore
import SocketIO
import Testing

/// Whatever a client sends, the server answers with the protocol's error or closes that
/// client, and every other client goes on as before.
@Suite struct BadInputTests {
    static let echo: @Sendable (SocketIOServer) -> Void = { io in
        io.sockets.onConnection { socket in
            socket.on("echo") { arguments, ack in ack?.send(arguments) }
        }
    }

    /// A bystander's round trip still works.
    static func bystanderIsFine(_ bystander: TestWebSocket) async throws {
        try await bystander.send(text: #"421["echo","still here"]"#)
        #expect(try await bystander.nextMessage() == .text(#"431["still here"]"#))
    }

    /// Connects a client to "/", lets `attack` run, and expects the attacker closed while a
    /// bystander is served.
    static func expectClosed(
        configuration: SocketIOConfiguration = SocketIOConfiguration(), joinFirst: Bool = true,
        _ attack: @escaping @Sendable (TestWebSocket) async throws -> Void
    ) async throws {
        let log = InMemoryLogHandler()
        try await TestServer.with(configuration, log: log, setUp: echo) { server in
            try await withTimeout {
                let (bystander, _) = try await server.connectedClient()
                let attacker: TestWebSocket
                if joinFirst {
                    (attacker, _) = try await server.connectedClient()
                } else {
                    (attacker, _) = try await TestWebSocket.engine(port: server.port)
                }
                try await attack(attacker)
                let rest = await attacker.drain()
                #expect(attacker.connection.closed, "the attacker's connection ended (after \(rest))")
                try await bystanderIsFine(bystander)
                await bystander.close()
            }
        }
        let lines = log.entries.map(\.message.description)
        #expect(lines.contains { Self.refusals.contains($0) }, "a log line says why: \(lines)")
    }

    /// What the server logs when it closes a client for what it sent.
    static let refusals: Set<String> = [
        "engine.io websocket packet refused", "engine.io websocket closed for a protocol error",
        "socket.io packet refused, closing", "socket.io connection closed",
    ]

    @Test func aMalformedEngineIOPacketClosesTheClient() async throws {
        try await Self.expectClosed { try await $0.send(text: "abc") }
    }

    @Test func anUnknownEngineIOTypeClosesTheClient() async throws {
        try await Self.expectClosed { try await $0.send(text: "9") }
    }

    @Test func aMalformedSocketIOPacketClosesTheClient() async throws {
        try await Self.expectClosed { try await $0.send(text: "4abc") }
    }

    @Test func anEventWithoutANameClosesTheClient() async throws {
        try await Self.expectClosed { try await $0.send(text: "42{}") }
    }

    @Test func anInvalidAckIDClosesTheClient() async throws {
        try await Self.expectClosed { try await $0.send(text: #"42abc["echo"]"#) }
    }

    @Test func tooManyAnnouncedAttachmentsCloseTheClient() async throws {
        try await Self.expectClosed { try await $0.send(text: #"451000000-["echo",{"_placeholder":true,"num":0}]"#) }
    }

    @Test func aTextPacketWhereAnAttachmentIsDueClosesTheClient() async throws {
        try await Self.expectClosed { attacker in
            try await attacker.send(text: #"452-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
            try await attacker.send(binary: [1])
            try await attacker.send(text: #"42["echo"]"#)
        }
    }

    @Test func anAttachmentNoPacketAnnouncedClosesTheClient() async throws {
        try await Self.expectClosed { try await $0.send(binary: [1, 2, 3]) }
    }

    @Test func aPlaceholderOutOfRangeClosesTheClient() async throws {
        try await Self.expectClosed { attacker in
            try await attacker.send(text: #"451-["echo",{"_placeholder":true,"num":7}]"#)
            try await attacker.send(binary: [1])
        }
    }

    @Test func nestingPastTheLimitClosesTheClient() async throws {
        try await Self.expectClosed { attacker in
            try await attacker.send(text: "42[\"echo\"," + String(repeating: "[", count: 100_000))
        }
    }

    @Test func aMessageOverTheLimitClosesTheClient() async throws {
        try await Self.expectClosed(configuration: SocketIOConfiguration(maxHttpBufferSize: 10_000)) { attacker in
            try await attacker.send(text: #"42["echo",""# + String(repeating: "x", count: 20_000) + #""]"#)
        }
    }

    @Test func fragmentsOverTheLimitCloseTheClient() async throws {
        try await Self.expectClosed(configuration: SocketIOConfiguration(maxHttpBufferSize: 10_000)) { attacker in
            // The server may close before the last fragment is written.
            for _ in 0..<4 {
                try? await attacker.sendFrame(opcode: 0x1, Array(repeating: 0x20, count: 4_000), fin: false)
            }
        }
    }

    @Test func aBrokenWebsocketFrameClosesTheClient() async throws {
        // A reserved opcode, then a control frame that claims to be fragmented.
        try await Self.expectClosed { try await $0.sendFrame(opcode: 0x3, [1]) }
        try await Self.expectClosed { try await $0.sendFrame(opcode: 0x9, [1], fin: false) }
    }

    @Test func aConnectErrorFromTheClientClosesIt() async throws {
        try await Self.expectClosed { try await $0.send(text: #"44{"message":"no"}"#) }
    }

    @Test func aHandshakeThatNeverFinishesIsClosedAfterTheConnectTimeout() async throws {
        try await Self.expectClosed(
            // Long enough for the bystander to join on a loaded machine; the attacker never does.
            configuration: SocketIOConfiguration(connectTimeout: .seconds(2)), joinFirst: false
        ) { _ in }
    }

    @Test func anUnknownNamespaceIsRefusedAndTheConnectionStays() async throws {
        let log = InMemoryLogHandler()
        try await TestServer.with(log: log, setUp: Self.echo) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient()
                try await client.send(text: "40/nowhere,")
                #expect(try await client.nextMessage() == .text(#"44/nowhere,{"message":"Invalid namespace"}"#))
                // Events for a namespace the client is not in are dropped, not answered.
                try await client.send(text: #"42/nowhere,1["echo"]"#)
                try await Self.bystanderIsFine(client)
                await client.close()
            }
        }
        #expect(log.entries.contains { $0.message.description == "socket.io namespace refused" })
    }
}
