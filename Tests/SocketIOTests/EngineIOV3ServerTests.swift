import Foundation
import NIOCore
import SocketIO
import Testing

/// Engine.IO v3 clients (socket.io-client 2.x) on a server that allows them, seen from raw
/// clients: refused by default, the client's pings answered, "/" joined without asking, auth
/// from a namespace's query, binary frames with their type byte, length-prefixed polling
/// bodies. python-socketio 4 runs the same features in `scripts/python-clients.sh`.
@Suite struct EngineIOV3ServerTests {
    static let allowed = SocketIOConfiguration(allowEIO3: true)
    static let setUp: @Sendable (SocketIOServer) -> Void = { io in
        io.sockets.onConnection { socket in
            socket.on("echo") { arguments, ack in ack?.send(arguments) }
        }
        io.of("/admin").use { socket in
            guard socket.handshake.auth["token"]?.stringValue == "x" else { throw ConnectionRefused("Not authorized") }
        }
        io.of("/admin").onConnection { socket in socket.emit("welcome", .string(socket.id.rawValue)) }
    }

    @Test func aV3ClientIsRefusedUnlessAllowed() async throws {
        try await TestServer.with { server in
            let response = try await TestHTTP.request(port: server.port, "GET", "/socket.io/?EIO=3&transport=polling")
            #expect(response.status == 400)
            #expect(response.body == #"{"code":5,"message":"Unsupported protocol version"}"#)
        }
    }

    /// The sid of an open packet's JSON.
    static func sid(_ open: some StringProtocol) throws -> String {
        guard let sid = try SocketValue(json: String(open.dropFirst()))["sid"]?.stringValue else { throw TimedOut() }
        return sid
    }

    @Test func overAWebsocketTheClientPingsAndBinaryFramesCarryTheirType() async throws {
        try await TestServer.with(Self.allowed, setUp: Self.setUp) { server in
            try await withTimeout {
                let socket = try await TestWebSocket.connect(
                    port: server.port, uri: "/socket.io/?EIO=3&transport=websocket")
                guard case .text(let open)? = await socket.next(), open.hasPrefix("0{") else { throw TimedOut() }
                let sid = try Self.sid(open)
                // Joined to "/" without asking; the answer has no data.
                #expect(await socket.next() == .text("40"))
                try await socket.send(text: "2")
                #expect(await socket.next() == .text("3"))
                try await socket.send(text: #"451-1["echo",{"_placeholder":true,"num":0}]"#)
                try await socket.send(binary: [4, 7, 8])
                #expect(await socket.next() == .text(#"461-1[{"_placeholder":true,"num":0}]"#))
                #expect(await socket.next() == .binary([4, 7, 8]))
                // A namespace's auth is its query; a refusal's data is the message alone.
                try await socket.send(text: "40/admin?token=wrong,")
                #expect(await socket.next() == .text(#"44/admin,"Not authorized""#))
                try await socket.send(text: "40/admin?token=x,")
                #expect(await socket.next() == .text("40/admin,"))
                #expect(await socket.next() == .text(#"42/admin,["welcome","/admin#\#(sid)"]"#))
                await socket.close()
            }
        }
    }

    /// The packets of a v3 text body (ASCII here: characters are UTF-16 units).
    static func packets(_ body: String) -> [String] {
        var packets: [String] = []
        var rest = Substring(body)
        while let colon = rest.firstIndex(of: ":"), let length = Int(rest[..<colon]) {
            let start = rest.index(after: colon)
            guard let end = rest.index(start, offsetBy: length, limitedBy: rest.endIndex) else { break }
            packets.append(String(rest[start..<end]))
            rest = rest[end...]
        }
        return packets
    }

    static func body(_ packets: [String]) -> String { packets.map { "\($0.utf16.count):\($0)" }.joined() }

    @Test func overPollingBodiesAreLengthPrefixedAndBinaryIsBase64() async throws {
        try await TestServer.with(Self.allowed, setUp: Self.setUp) { server in
            try await withTimeout {
                let base = "/socket.io/?EIO=3&transport=polling&b64=1"
                let open = try await TestHTTP.request(port: server.port, "GET", base)
                #expect(open.header("Content-Type") == "text/plain; charset=UTF-8")
                var received = Self.packets(open.body)
                let sid = try Self.sid(try #require(received.first { $0.hasPrefix("0{") }))
                let uri = base + "&sid=\(sid)"
                // Joined to "/" without asking, before the client sends anything.
                for _ in 0..<10 where !received.contains("40") {
                    received += Self.packets(try await TestHTTP.request(port: server.port, "GET", uri).body)
                }
                let binaryEcho = #"451-1["echo",{"_placeholder":true,"num":0}]"#
                let posted = try await TestHTTP.request(
                    port: server.port, "POST", uri, body: Self.body(["2", binaryEcho, "b4Bwg="]),
                    headers: [("Content-Type", "text/plain;charset=UTF-8")])
                #expect(posted.status == 200)
                let expected = ["40", "3", #"461-1[{"_placeholder":true,"num":0}]"#, "b4Bwg="]
                for _ in 0..<10 where !expected.allSatisfy(received.contains) {
                    received += Self.packets(try await TestHTTP.request(port: server.port, "GET", uri).body)
                }
                #expect(received.filter { !$0.hasPrefix("0{") } == expected)
            }
        }
    }
}
