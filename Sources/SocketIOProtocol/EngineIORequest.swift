import OrderedCollections

/// What one HTTP request to the Engine.IO path asks for, decided as the engine.io server
/// decides it, before anything is read from its body: a new session, a poll, a post, a
/// websocket for a session (the upgrade) or a new websocket session, or one of the
/// protocol's errors.
package struct EngineIORequest: Sendable {
    package var method: String
    /// The query's `EIO`, `transport` and `sid`.
    package var query: [String: String]
    /// Whether this is a websocket upgrade request.
    package var isWebSocketUpgrade: Bool
    package var origin: String?

    package init(method: String, query: [String: String], isWebSocketUpgrade: Bool = false, origin: String? = nil) {
        self.method = method
        self.query = query
        self.isWebSocketUpgrade = isWebSocketUpgrade
        self.origin = origin
    }

    package enum Route: Equatable, Sendable {
        /// A new session (the `allowRequest` hook then decides whether to accept it).
        case handshake(EngineIOSession.Transport)
        /// A long-poll of `sid` (GET): wait for packets to send.
        case poll(sid: String)
        /// Packets from the client of `sid` (POST).
        case post(sid: String)
        /// A websocket for the polling session `sid`: the upgrade probe.
        case upgrade(sid: String)
        case error(EngineIOError)
    }

    /// The Engine.IO version the request's `EIO` names, if this server takes it.
    package func version(allowEIO3: Bool) -> EngineIOVersion? {
        switch EngineIOVersion(query: query["EIO"]) {
        case .v4?: .v4
        case .v3? where allowEIO3: .v3
        default: nil
        }
    }

    /// The route, given which transport each live session runs on.
    package func route(
        transports: Set<EngineIOSession.Transport> = [.polling, .websocket], allowEIO3: Bool = false,
        session: (String) -> EngineIOSession.Transport?
    ) -> Route {
        guard version(allowEIO3: allowEIO3) != nil else { return .error(.unsupportedProtocolVersion) }
        guard let name = query["transport"], let transport = EngineIOSession.Transport(rawValue: name),
            transports.contains(transport)
        else { return .error(.unknownTransport) }
        if let origin, origin.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return .error(.badRequest)
        }
        guard let sid = query["sid"] else {
            guard method == "GET" else { return .error(.badHandshakeMethod) }
            // A websocket session starts with an upgrade request, never a plain GET.
            guard transport == .polling || isWebSocketUpgrade else { return .error(.badRequest) }
            return .handshake(transport)
        }
        guard let current = session(sid) else { return .error(.unknownSession) }
        if isWebSocketUpgrade {
            guard transport == .websocket, current == .polling else { return .error(.badRequest) }
            return .upgrade(sid: sid)
        }
        guard transport == current, transport == .polling else { return .error(.badRequest) }
        switch method {
        case "GET": return .poll(sid: sid)
        case "POST": return .post(sid: sid)
        default: return .error(.badRequest)
        }
    }
}

/// The Engine.IO server's errors, with the codes, messages and HTTP statuses its clients
/// expect.
package enum EngineIOError: Int, Error, Sendable {
    case unknownTransport = 0
    case unknownSession = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    package var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }

    package var httpStatus: Int { self == .forbidden ? 403 : 400 }

    /// The JSON body: `{"code":0,"message":"Transport unknown"}`.
    package var body: String {
        SocketValue.object(["code": .number(Double(rawValue)), "message": .string(message)]).json
    }
}
