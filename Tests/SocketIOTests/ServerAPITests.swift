import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import Testing

/// The server API an application uses, seen from raw clients: rooms and broadcast operators,
/// middleware, dynamic namespaces, acks from the server, fetchSockets and the awaited
/// cluster operations.
@Suite struct ServerAPITests {
    @Test func broadcastOperatorsPickTheirSockets() async throws {
        let sockets = NIOLockedValueBox<[String: Socket]>([:])
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in sockets.withLockedValue { $0[socket.id.rawValue] = socket } }
        }) { server in
            try await withTimeout {
                let (a, idA) = try await server.connectedClient()
                let (b, idB) = try await server.connectedClient()
                let (c, _) = try await server.connectedClient()
                let socketA = try #require(sockets.withLockedValue { $0[idA] })
                let socketB = try #require(sockets.withLockedValue { $0[idB] })
                try await socketA.join("red")
                try await socketB.join("red", "blue")
                #expect(try await socketB.rooms() == [Room(idB), "red", "blue"])

                try await server.io.sockets.to("red").except("blue").emit("one", 1)
                #expect(try await a.nextMessage() == .text(#"42["one",1]"#))
                // From a socket: everyone in the room but the sender.
                try await socketA.to("red").emit("two", "x")
                #expect(try await b.nextMessage() == .text(#"42["two","x"]"#))
                try await server.io.sockets.emit("three")
                for client in [a, b, c] { #expect(try await client.nextMessage() == .text(#"42["three"]"#)) }
                try await socketB.leave("red")
                try await server.io.sockets.in("red", "blue").emit("four")
                #expect(try await a.nextMessage() == .text(#"42["four"]"#))
                #expect(try await b.nextMessage() == .text(#"42["four"]"#))
                try await server.io.sockets.to("red").volatile.compress(false).local.emit(
                    "five", .binary(ByteBuffer(bytes: [9])))
                #expect(try await a.nextMessage() == .text(#"451-["five",{"_placeholder":true,"num":0}]"#))
                #expect(try await a.nextMessage() == .binary([9]))
                for client in [a, b, c] { await client.close() }
            }
        }
    }

    @Test func middlewareRefusesWithMessageAndData() async throws {
        try await TestServer.with(setUp: { io in
            io.of("/private").use { socket in
                guard socket.handshake.auth["token"]?.stringValue == "open sesame" else {
                    throw ConnectionRefused("not authorized", data: ["retry": false])
                }
                socket.data = [
                    "user": "ali", "from": .string(socket.handshake.address ?? "?"),
                    "eio": .string(socket.handshake.query["EIO"] ?? "?"),
                ]
            }
            io.of("/private").onConnection { socket in socket.emit("welcome", socket.data) }
        }) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient()
                try await client.send(text: #"40/private,{"token":"wrong"}"#)
                #expect(
                    try await client.nextMessage()
                        == .text(#"44/private,{"message":"not authorized","data":{"retry":false}}"#))
                try await client.send(text: #"40/private,{"token":"open sesame"}"#)
                guard case .text(let accepted)? = try await client.nextMessage() else { throw TimedOut() }
                #expect(accepted.hasPrefix("40/private,{\"sid\":"))
                #expect(
                    try await client.nextMessage()
                        == .text(#"42/private,["welcome",{"user":"ali","from":"127.0.0.1","eio":"4"}]"#))
                await client.close()
            }
        }
    }

    @Test func dynamicNamespacesAreCreatedOnFirstConnection() async throws {
        try await TestServer.with(setUp: { io in
            io.dynamicNamespaces(matching: { $0.hasPrefix("/team-") }) { namespace in
                namespace.onConnection { socket in socket.emit("in", .string(socket.namespace.name)) }
            }
        }) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient(namespace: "/team-7")
                #expect(try await client.nextMessage() == .text(#"42/team-7,["in","/team-7"]"#))
                try await client.send(text: "40/other,")
                #expect(try await client.nextMessage() == .text(#"44/other,{"message":"Invalid namespace"}"#))
                await client.close()
            }
        }
    }

    @Test func emitWithAckReturnsTheAnswerOrTimesOut() async throws {
        let results = NIOLockedValueBox<[String]>([])
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in
                do {
                    let answer = try await socket.emitWithAck("question", ["?"], timeout: .seconds(5))
                    results.withLockedValue { $0.append("answer \(SocketValue.array(answer).json)") }
                    _ = try await socket.emitWithAck("ignored", [], timeout: .milliseconds(100))
                } catch let error as SocketIOError {
                    results.withLockedValue { $0.append("\(error.code)") }
                } catch {}
                socket.emit("done")
            }
        }) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient()
                #expect(try await client.nextMessage() == .text(#"420["question","?"]"#))
                try await client.send(text: #"430[42,"yes"]"#)
                #expect(try await client.nextMessage() == .text(#"421["ignored"]"#))
                #expect(try await client.nextMessage() == .text(#"42["done"]"#))
                #expect(results.withLockedValue { $0 } == [#"answer [42,"yes"]"#, "timeout"])
                await client.close()
            }
        }
    }

    @Test func fetchSocketsJoinLeaveAndDisconnectAreAwaited() async throws {
        let reasons = NIOLockedValueBox<[DisconnectReason]>([])
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in
                socket.data = ["name": .string(socket.handshake.auth["name"]?.stringValue ?? "?")]
                socket.onDisconnect { reason in reasons.withLockedValue { $0.append(reason) } }
            }
        }) { server in
            try await withTimeout {
                let (a, idA) = try await server.connectedClient(auth: #"{"name":"a"}"#)
                let (b, _) = try await server.connectedClient(auth: #"{"name":"b"}"#)
                let namespace = server.io.sockets
                try await namespace.socketsJoin("all")
                let found = try await namespace.in("all").fetchSockets()
                #expect(Set(found.compactMap { $0.data["name"]?.stringValue }) == ["a", "b"])
                #expect(found.allSatisfy { $0.rooms.contains("all") && $0.server == "local" })
                #expect(found.first { $0.id.rawValue == idA }?.handshake.auth["name"] == "a")
                try await namespace.except(Room(idA)).socketsLeave("all")
                #expect(try await namespace.in("all").fetchSockets().map(\.id.rawValue) == [idA])
                try await found.first { $0.id.rawValue == idA }!.emit("direct", 1)
                #expect(try await a.nextMessage() == .text(#"42["direct",1]"#))
                try await namespace.in("all").disconnectSockets()
                #expect(try await a.nextMessage() == .text("41"))
                try await namespace.disconnectSockets(close: true)
                _ = await b.drain()
                #expect(b.connection.closed)
                // Disconnect handlers run on each socket's own task, soon after.
                while reasons.withLockedValue({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(reasons.withLockedValue { $0 } == [.serverNamespaceDisconnect, .forcedServerClose])
                await a.close()
            }
        }
    }

    @Test func codableEventsAndAcks() async throws {
        struct Move: Codable, Sendable, Equatable {
            var x: Int
            var y: Int
        }
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in
                socket.on("move", as: Move.self) { move, ack in
                    try? ack?.send(encoding: Move(x: move.x + 1, y: move.y + 1))
                }
            }
        }) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient()
                try await client.send(text: #"425["move",{"x":1,"y":2}]"#)
                guard case .text(let reply)? = try await client.nextMessage() else { throw TimedOut() }
                #expect(reply.hasPrefix("435["))
                let move = try SocketValue(json: String(reply.dropFirst(3)))
                guard case .array(let items) = move else { throw TimedOut() }
                #expect(try items.first?.decode(as: Move.self) == Move(x: 2, y: 3))
                try await client.send(text: #"426["move","north"]"#)
                guard case .text(let refusal)? = try await client.nextMessage() else { throw TimedOut() }
                #expect(refusal.hasPrefix(#"436[{"error":"#))
                await client.close()
            }
        }
    }

    /// What a handler writes in one go reaches the client in order, small frames (copied
    /// into the tick's buffer) and large ones (written as they are) mixed, broadcasts too.
    @Test func framesOfOneTickArriveInOrderWhateverTheirSize() async throws {
        let large = String(repeating: "x", count: 5_000)
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in
                try? await socket.join("r")
                socket.on("burst") { _, _ in
                    socket.emit("a", 1)
                    socket.emit("b", .string(large))
                    try? await socket.namespace.to("r").emit("c", 2)
                    try? await socket.namespace.to("r").emit("d", .string(large))
                    socket.emit("e", .binary(ByteBuffer(bytes: [7])))
                    socket.emit("f", 3)
                }
            }
        }) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient()
                try await client.send(text: #"42["burst"]"#)
                #expect(try await client.nextMessage() == .text(#"42["a",1]"#))
                #expect(try await client.nextMessage() == .text(#"42["b","\#(large)"]"#))
                #expect(try await client.nextMessage() == .text(#"42["c",2]"#))
                #expect(try await client.nextMessage() == .text(#"42["d","\#(large)"]"#))
                #expect(try await client.nextMessage() == .text(#"451-["e",{"_placeholder":true,"num":0}]"#))
                #expect(try await client.nextMessage() == .binary([7]))
                #expect(try await client.nextMessage() == .text(#"42["f",3]"#))
                await client.close()
            }
        }
    }

    /// Packet middleware (socket.io's `socket.use`): one that throws drops the event, its
    /// handlers do not run and `onError` gets the error; `onAny` still sees it.
    @Test func packetMiddlewareDropsWhatItRefuses() async throws {
        struct Forbidden: Error, Equatable { var event: String }
        let seen = NIOLockedValueBox<(any: [String], errors: [String])>(([], []))
        try await TestServer.with(setUp: { io in
            io.sockets.onConnection { socket in
                socket.onAny { event, _ in seen.withLockedValue { $0.any.append(event) } }
                socket.use { event, arguments in
                    if event == "secret", arguments.first?.stringValue != "open sesame" {
                        throw Forbidden(event: event)
                    }
                }
                socket.onError { error in
                    seen.withLockedValue { $0.errors.append((error as? Forbidden)?.event ?? "?") }
                }
                socket.on("secret") { arguments, ack in ack?.send(["granted"]) }
                socket.on("echo") { arguments, ack in ack?.send(arguments) }
            }
        }) { server in
            try await withTimeout {
                let (client, _) = try await server.connectedClient()
                try await client.send(text: #"421["secret","guess"]"#)
                try await client.send(text: #"422["echo",1]"#)
                // The refused event is not answered: the next answer is the echo's.
                #expect(try await client.nextMessage() == .text(#"432[1]"#))
                try await client.send(text: #"423["secret","open sesame"]"#)
                #expect(try await client.nextMessage() == .text(#"433["granted"]"#))
                let (any, errors) = seen.withLockedValue { $0 }
                #expect(any == ["secret", "echo", "secret"])
                #expect(errors == ["secret"])
                await client.close()
            }
        }
    }
}
