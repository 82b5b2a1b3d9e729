import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Logging
import SocketIO
import SocketIOHummingbird
import Testing

/// Socket.IO mounted in a Hummingbird 2 application, as the README shows it: the app's own
/// routes, polling through its router, websockets through its upgrade, the upgrade from
/// polling to websocket.
@Suite struct HummingbirdMountTests {
    static func application(_ io: SocketIOServer) -> some ApplicationProtocol {
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        io.addRoutes(to: router)
        var logger = Logger(label: "test.hummingbird")
        logger.logLevel = .warning
        return Application(
            router: router,
            server: .http1WebSocketUpgrade { request, channel, logger in
                try await io.webSocketUpgrade(for: request, channel: channel, logger: logger)
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: logger
        )
    }

    @Test func socketIOAndTheAppsOwnRoutesShareTheServer() async throws {
        let io = SocketIOServer()
        io.sockets.onConnection { socket in
            socket.on("echo") { arguments, ack in ack?.send(arguments) }
        }
        try await Self.application(io).test(.live) { client in
            let port = try #require(client.port)
            try await withTimeout {
                let health = try await TestHTTP.request(port: port, "GET", "/health")
                #expect(health.status == 200 && health.body == "ok")

                // Websocket.
                let (socket, _) = try await TestWebSocket.engine(port: port)
                try await socket.send(text: "40")
                guard case .text(let connected)? = try await socket.nextMessage() else { throw TimedOut() }
                #expect(connected.hasPrefix("40{\"sid\":"))
                try await socket.send(text: #"421["echo","over websocket"]"#)
                #expect(try await socket.nextMessage() == .text(#"431["over websocket"]"#))

                // Polling, then the upgrade.
                let open = try await TestHTTP.request(port: port, "GET", "/socket.io/?EIO=4&transport=polling")
                #expect(open.status == 200)
                let sid = try #require(try SocketValue(json: String(open.body.dropFirst()))["sid"]?.stringValue)
                let uri = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
                #expect(try await TestHTTP.request(port: port, "POST", uri, body: "40").body == "ok")
                #expect(try await TestHTTP.request(port: port, "GET", uri).body.hasPrefix("40{\"sid\":"))
                let upgrade = try await TestWebSocket.connect(
                    port: port, uri: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)")
                try await upgrade.send(text: "2probe")
                #expect(try await upgrade.next() == .text("3probe"))
                #expect(try await TestHTTP.request(port: port, "GET", uri).body == "6")
                try await upgrade.send(text: "5")
                try await upgrade.send(text: #"422["echo","upgraded"]"#)
                #expect(try await upgrade.nextMessage() == .text(#"432["upgraded"]"#))

                // The protocol's errors come through the app's router too.
                let unknown = try await TestHTTP.request(
                    port: port, "GET", "/socket.io/?EIO=4&transport=polling&sid=nope")
                #expect(unknown.status == 400)
                #expect(unknown.body == #"{"code":1,"message":"Session ID unknown"}"#)
                await socket.close()
                await upgrade.close()
            }
        }
        io.close()
    }
}
