import NIOCore
import SocketIO
import Testing

/// The Engine.IO server's answers to HTTP requests: errors with their codes and statuses,
/// CORS, the `allowRequest` hook and the body limit.
@Suite struct EngineProtocolTests {
    @Test func errorsCarryTheProtocolCodeAndStatus() async throws {
        try await TestServer.with { server in
            let cases: [(String, String, Int, String)] = [
                (
                    "GET", "/socket.io/?EIO=4&transport=carrier-pigeon", 400,
                    #"{"code":0,"message":"Transport unknown"}"#
                ),
                (
                    "GET", "/socket.io/?EIO=4&transport=polling&sid=nope", 400,
                    #"{"code":1,"message":"Session ID unknown"}"#
                ),
                ("POST", "/socket.io/?EIO=4&transport=polling", 400, #"{"code":2,"message":"Bad handshake method"}"#),
                ("GET", "/socket.io/?EIO=4&transport=websocket", 400, #"{"code":3,"message":"Bad request"}"#),
                (
                    "GET", "/socket.io/?EIO=3&transport=polling", 400,
                    #"{"code":5,"message":"Unsupported protocol version"}"#
                ),
            ]
            for (method, uri, status, body) in cases {
                let response = try await TestHTTP.request(port: server.port, method, uri)
                #expect(response.status == status, "\(method) \(uri)")
                #expect(response.body == body, "\(method) \(uri)")
            }
            let other = try await TestHTTP.request(port: server.port, "GET", "/elsewhere")
            #expect(other.status == 404)
        }
    }

    @Test func aPollingRequestForAWebsocketSessionIsRefused() async throws {
        try await TestServer.with { server in
            let (socket, sid) = try await TestWebSocket.engine(port: server.port)
            let poll = try await TestHTTP.request(
                port: server.port, "GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
            #expect(poll.status == 400)
            #expect(poll.body == #"{"code":3,"message":"Bad request"}"#)
            // The websocket session goes on.
            try await socket.send(text: "40")
            let answer = try await socket.nextMessage()
            guard case .text(let text)? = answer else {
                Issue.record("no answer: \(String(describing: answer))"); return
            }
            #expect(text.hasPrefix("40{\"sid\":"))
            await socket.close()
        }
    }

    @Test func allowRequestRefusesWithForbidden() async throws {
        let configuration = SocketIOConfiguration(allowRequest: { request in request.query["token"] == "yes" })
        try await TestServer.with(configuration) { server in
            let refused = try await TestHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
            #expect(refused.status == 403)
            #expect(refused.body == #"{"code":4,"message":"Forbidden"}"#)
            let allowed = try await TestHTTP.request(
                port: server.port, "GET", "/socket.io/?EIO=4&transport=polling&token=yes")
            #expect(allowed.status == 200)
            #expect(allowed.body.hasPrefix("0{\"sid\":"))
            await #expect(throws: TestWebSocket.Refused.self) {
                _ = try await TestWebSocket.connect(port: server.port, uri: "/socket.io/?EIO=4&transport=websocket")
            }
        }
    }

    @Test func corsHeadersAndPreflight() async throws {
        let configuration = SocketIOConfiguration(cors: .init(origins: ["https://app.example"], credentials: true))
        try await TestServer.with(configuration) { server in
            let open = try await TestHTTP.request(
                port: server.port, "GET", "/socket.io/?EIO=4&transport=polling",
                headers: [("Origin", "https://app.example")])
            #expect(open.header("Access-Control-Allow-Origin") == "https://app.example")
            #expect(open.header("Access-Control-Allow-Credentials") == "true")
            let stranger = try await TestHTTP.request(
                port: server.port, "GET", "/socket.io/?EIO=4&transport=polling",
                headers: [("Origin", "https://evil.example")])
            #expect(stranger.header("Access-Control-Allow-Origin") == nil)
            let preflight = try await TestHTTP.request(
                port: server.port, "OPTIONS", "/socket.io/?EIO=4&transport=polling",
                headers: [("Origin", "https://app.example"), ("Access-Control-Request-Headers", "x-token")])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Headers") == "x-token")
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
        }
    }

    @Test func aBodyOverTheLimitIsRefusedAndEndsTheSession() async throws {
        try await TestServer.with(SocketIOConfiguration(maxHttpBufferSize: 1_000)) { server in
            let open = try await TestHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
            let sid = try #require(try SocketValue(json: String(open.body.dropFirst()))["sid"]?.stringValue)
            #expect(open.body.contains("\"maxPayload\":1000"))
            let uri = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let post = try await TestHTTP.request(
                port: server.port, "POST", uri, body: "4" + String(repeating: "x", count: 2_000))
            #expect(post.status == 413)
            let poll = try await TestHTTP.request(port: server.port, "GET", uri)
            #expect(poll.status == 400)
        }
    }

    @Test func pollingCarriesBinaryAsBase64AndBatchesPackets() async throws {
        try await TestServer.with(
            setUp: { io in
                io.sockets.onConnection { socket in
                    socket.emit("hello", .binary(.init(bytes: [1, 2, 3])))
                    socket.emit("plain", "text")
                }
            }
        ) { server in
            let open = try await TestHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
            let sid = try #require(try SocketValue(json: String(open.body.dropFirst()))["sid"]?.stringValue)
            let uri = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let post = try await TestHTTP.request(port: server.port, "POST", uri, body: "40")
            #expect(post.body == "ok")
            var received = ""
            while !received.contains("plain") {
                let poll = try await TestHTTP.request(port: server.port, "GET", uri)
                #expect(poll.status == 200)
                received += poll.body + "\u{1E}"
            }
            let packets = received.split(separator: "\u{1E}").map(String.init)
            #expect(packets.contains { $0.hasPrefix("40{\"sid\":") })
            #expect(packets.contains(#"451-["hello",{"_placeholder":true,"num":0}]"#))
            #expect(packets.contains("bAQID"))
            #expect(packets.contains(#"42["plain","text"]"#))
        }
    }
}
