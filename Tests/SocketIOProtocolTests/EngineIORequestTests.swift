import SocketIOProtocol
import Testing

@Suite struct EngineIORequestTests {
    private func route(
        _ method: String, _ query: [String: String], upgrade: Bool = false, origin: String? = nil,
        sessions: [String: EngineIOSession.Transport] = ["p": .polling, "w": .websocket]
    ) -> EngineIORequest.Route {
        EngineIORequest(method: method, query: query, isWebSocketUpgrade: upgrade, origin: origin).route {
            sessions[$0]
        }
    }

    @Test func sessionsStartPollAndUpgradeWhereTheProtocolSays() {
        #expect(route("GET", ["EIO": "4", "transport": "polling"]) == .handshake(.polling))
        #expect(route("GET", ["EIO": "4", "transport": "websocket"], upgrade: true) == .handshake(.websocket))
        #expect(route("GET", ["EIO": "4", "transport": "polling", "sid": "p"]) == .poll(sid: "p"))
        #expect(route("POST", ["EIO": "4", "transport": "polling", "sid": "p"]) == .post(sid: "p"))
        #expect(route("GET", ["EIO": "4", "transport": "websocket", "sid": "p"], upgrade: true) == .upgrade(sid: "p"))
    }

    @Test func eachMistakeGetsItsCodeAndStatus() {
        let cases: [(EngineIORequest.Route, EngineIOError)] = [
            (route("GET", ["EIO": "3", "transport": "polling"]), .unsupportedProtocolVersion),
            (route("GET", ["transport": "polling"]), .unsupportedProtocolVersion),
            (route("GET", ["EIO": "4", "transport": "webtransport"]), .unknownTransport),
            (route("GET", ["EIO": "4"]), .unknownTransport),
            (route("POST", ["EIO": "4", "transport": "polling"]), .badHandshakeMethod),
            (route("PUT", ["EIO": "4", "transport": "polling"]), .badHandshakeMethod),
            (route("GET", ["EIO": "4", "transport": "websocket"]), .badRequest),
            (route("GET", ["EIO": "4", "transport": "polling", "sid": "nope"]), .unknownSession),
            // Polling for a websocket session, or a websocket for one.
            (route("GET", ["EIO": "4", "transport": "polling", "sid": "w"]), .badRequest),
            (route("GET", ["EIO": "4", "transport": "websocket", "sid": "w"], upgrade: true), .badRequest),
            (route("DELETE", ["EIO": "4", "transport": "polling", "sid": "p"]), .badRequest),
            (route("GET", ["EIO": "4", "transport": "polling"], origin: "http://a\u{0}b"), .badRequest),
        ]
        for (route, error) in cases { #expect(route == .error(error)) }
        #expect(EngineIOError.unknownTransport.body == #"{"code":0,"message":"Transport unknown"}"#)
        #expect(EngineIOError.unknownSession.httpStatus == 400)
        #expect(EngineIOError.forbidden.httpStatus == 403)
        #expect(
            EngineIORequest(method: "GET", query: ["EIO": "4", "transport": "websocket"], isWebSocketUpgrade: true)
                .route(transports: [.polling]) { _ in nil } == .error(.unknownTransport))
    }
}
