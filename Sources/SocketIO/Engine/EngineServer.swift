package import Logging
package import NIOConcurrencyHelpers
package import NIOCore
package import NIOHTTP1
package import SocketIOProtocol

/// The Engine.IO server: its sessions, and the decisions for each HTTP request and websocket
/// that reaches its path. Transport-independent: an HTTP layer hands it requests and
/// websockets and writes what it answers.
package final class EngineServer: Sendable {
    package let configuration: SocketIOConfiguration
    package let settings: EngineIOSession.Settings
    package let logger: Logger
    private let sessions = NIOLockedValueBox(Sessions())
    package let counters = EngineCounters()

    private struct Sessions {
        var live: [String: EngineConnection] = [:]
        /// Polling sessions the client closed with a POST while no poll was pending, and when
        /// that was: a poll already on its way (a race the client itself made) still reads
        /// the noop it would have read had it come first.
        var closedByClient: [String: Duration] = [:]
    }
    /// Called on the new connection's loop before anything is sent; sets its delegate.
    private let onOpen: @Sendable (EngineConnection) -> Void

    package init(
        configuration: SocketIOConfiguration, logger: Logger,
        onOpen: @escaping @Sendable (EngineConnection) -> Void
    ) {
        self.configuration = configuration
        self.settings = EngineIOSession.Settings(
            pingInterval: configuration.pingInterval, pingTimeout: configuration.pingTimeout,
            upgradeTimeout: configuration.upgradeTimeout, maxPayload: configuration.maxHttpBufferSize)
        self.logger = logger
        self.onOpen = onOpen
    }

    /// Whether an HTTP request for `path` is this engine's.
    package func serves(_ path: Substring) -> Bool {
        path.hasPrefix(configuration.path) || path + "/" == configuration.path
    }

    /// The open sessions.
    package var sessionCount: Int { sessions.withLockedValue { $0.live.count } }

    package func connection(_ id: String) -> EngineConnection? { sessions.withLockedValue { $0.live[id] } }

    func remove(_ connection: EngineConnection, closedByClient: Bool = false) {
        let now = EngineConnection.now
        sessions.withLockedValue { sessions in
            if sessions.live[connection.id] === connection { sessions.live[connection.id] = nil }
            guard closedByClient else { return }
            sessions.closedByClient = sessions.closedByClient.filter { now - $0.value < settings.pingInterval }
            sessions.closedByClient[connection.id] = now
        }
    }

    /// Whether `sid` was just closed by its client (see `Sessions.closedByClient`); true once.
    private func takeClosedByClient(_ sid: String) -> Bool {
        let now = EngineConnection.now
        return sessions.withLockedValue { sessions in
            guard let closed = sessions.closedByClient.removeValue(forKey: sid) else { return false }
            return now - closed < settings.pingInterval
        }
    }

    /// Closes every session (on shutdown).
    package func closeAll() {
        let all = sessions.withLockedValue { Array($0.live.values) }
        for connection in all {
            connection.loop.execute { connection.close() }
        }
    }

    private var transports: Set<EngineIOSession.Transport> {
        Set(configuration.transports.compactMap { EngineIOSession.Transport(rawValue: $0.rawValue) })
    }

    /// Where `request` goes on this server, for a session (if any) on `session`'s transport.
    private func route(_ request: EngineIORequest, session: EngineIOSession.Transport?) -> EngineIORequest.Route {
        request.route(transports: transports, allowEIO3: configuration.allowEIO3) { _ in session }
    }

    // MARK: HTTP (polling)

    /// The answer to one HTTP request for the Engine.IO path, on `loop`. `closed` completes
    /// when the request's connection closes (a poll cut off ends its session).
    package func handle(
        _ request: EngineHTTPRequest, on loop: any EventLoop, closed: EventLoopFuture<Void>
    ) -> EventLoopFuture<EngineHTTPResponse> {
        let origin = request.headers.first(name: "Origin")
        if request.method == .OPTIONS, configuration.cors != nil {
            return loop.makeSucceededFuture(preflight(request, origin: origin))
        }
        let route = EngineIORequest(
            method: request.method.rawValue, query: request.query,
            isWebSocketUpgrade: request.headers.isWebSocketUpgrade, origin: origin)
        let answer: EventLoopFuture<EngineHTTPResponse>
        if let sid = route.query["sid"], let connection = connection(sid) {
            answer = connection.loop.flatSubmit {
                self.handle(route, request, for: connection, closed: closed)
            }.hop(to: loop)
        } else if request.method == .GET, let sid = route.query["sid"], takeClosedByClient(sid) {
            answer = loop.makeSucceededFuture(pollingResponse([OutboundMessage(.noop)], for: route))
        } else {
            switch self.route(route, session: nil) {
            case .handshake(.polling):
                answer = handshake(request, on: loop)
            case .error(let error):
                answer = loop.makeSucceededFuture(.error(error))
            case .handshake(.websocket), .poll, .post, .upgrade:
                answer = loop.makeSucceededFuture(.error(.badRequest))
            }
        }
        return answer.map { self.withCORS($0, origin: origin) }
    }

    private func handle(
        _ route: EngineIORequest, _ request: EngineHTTPRequest, for connection: EngineConnection,
        closed: EventLoopFuture<Void>
    ) -> EventLoopFuture<EngineHTTPResponse> {
        if connection.isClosed, route.method == "GET", takeClosedByClient(connection.id) {
            return connection.loop.makeSucceededFuture(pollingResponse([OutboundMessage(.noop)], for: route))
        }
        switch self.route(route, session: connection.isClosed ? nil : connection.transport) {
        case .poll:
            let promise = connection.loop.makePromise(of: EngineHTTPResponse.self)
            connection.poll(promise, closed: closed)
            return promise.futureResult
        case .post:
            return connection.loop.makeSucceededFuture(
                request.bodyTooLarge ? connection.refuseTooLarge() : connection.post(request.body ?? ByteBuffer()))
        case .error(let error):
            return connection.loop.makeSucceededFuture(.error(error))
        case .handshake, .upgrade:
            return connection.loop.makeSucceededFuture(.error(.badRequest))
        }
    }

    private func handshake(_ request: EngineHTTPRequest, on loop: any EventLoop) -> EventLoopFuture<EngineHTTPResponse>
    {
        allowed(request, on: loop).map { allowed in
            guard allowed else { return .error(.forbidden) }
            let connection = self.open(.polling, request, on: loop)
            return connection.pollingResponse(connection.takeQueued())
        }
    }

    private func allowed(_ request: EngineHTTPRequest, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        guard let allowRequest = configuration.allowRequest else { return loop.makeSucceededFuture(true) }
        let handshake = request.handshake
        return loop.makeFutureWithTask { await allowRequest(handshake) }
    }

    private func open(
        _ transport: EngineIOSession.Transport, _ request: EngineHTTPRequest, on loop: any EventLoop,
        websocket: (any EngineWebSocket)? = nil
    ) -> EngineConnection {
        let connection = EngineConnection(
            id: SessionID.make(), transport: transport, request: request.handshake, loop: loop, server: self)
        sessions.withLockedValue { $0.live[connection.id] = connection }
        if let websocket { connection.attach(websocket: websocket) }
        connection.send(connection.openMessage)
        onOpen(connection)
        connection.start()
        logger.debug(
            "engine.io session opened",
            metadata: ["engine.sid": "\(connection.id)", "engine.transport": "\(transport)"]
        )
        return connection
    }

    /// A poll's answer to a client of `request`'s protocol version.
    private func pollingResponse(_ messages: [OutboundMessage], for request: EngineIORequest) -> EngineHTTPResponse {
        pollingResponse(
            OutboundMessage.pollingBody(
                messages, version: request.version(allowEIO3: configuration.allowEIO3) ?? .v4,
                base64: request.query["b64"] != nil))
    }

    package func pollingResponse(_ body: OutboundMessage.PollingBody) -> EngineHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(
            name: "Content-Type", value: body.isBinary ? "application/octet-stream" : "text/plain; charset=UTF-8")
        headers.add(name: "Cache-Control", value: "no-store")
        return EngineHTTPResponse(status: .ok, headers: headers, body: body.bytes)
    }

    // MARK: Websocket

    /// What a websocket request to the Engine.IO path becomes, if anything.
    package enum WebSocketDecision: Sendable {
        case open(EngineHTTPRequest)
        case probe(EngineConnection)
        /// A websocket for a session that is already on one (or probing one): engine.io
        /// completes its handshake and closes it at once.
        case refuse
    }

    /// Whether to accept the websocket `request`: nil refuses it (the HTTP layer then answers
    /// it as a plain request, with the protocol's error).
    package func shouldUpgrade(_ request: EngineHTTPRequest, on loop: any EventLoop) -> EventLoopFuture<
        WebSocketDecision?
    > {
        let route = EngineIORequest(
            method: request.method.rawValue, query: request.query, isWebSocketUpgrade: true,
            origin: request.headers.first(name: "Origin"))
        if let sid = route.query["sid"], let connection = connection(sid) {
            guard configuration.allowUpgrades else { return loop.makeSucceededFuture(nil) }
            return connection.loop.submit { () -> WebSocketDecision? in
                let current = connection.isClosed ? nil : connection.transport
                switch self.route(route, session: current) {
                case .upgrade: return .probe(connection)
                case .error(.badRequest) where current == .websocket: return .refuse
                default: return nil
                }
            }.hop(to: loop)
        }
        guard case .handshake(.websocket) = self.route(route, session: nil) else {
            return loop.makeSucceededFuture(nil)
        }
        return allowed(request, on: loop).map { $0 ? .open(request) : nil }
    }

    /// The websocket `link` is up, for what `shouldUpgrade` decided.
    package func webSocketOpened(_ decision: WebSocketDecision, link: any EngineWebSocket) {
        switch decision {
        case .open(let request):
            guard link.eventLoop.inEventLoop else {
                return link.eventLoop.execute { self.webSocketOpened(decision, link: link) }
            }
            link.connection = open(.websocket, request, on: link.eventLoop, websocket: link)
        case .probe(let connection):
            link.connection = connection
            connection.loop.execute { connection.attach(probe: link) }
        case .refuse:
            link.close()
        }
    }

    // MARK: CORS

    private func withCORS(_ response: EngineHTTPResponse, origin: String?) -> EngineHTTPResponse {
        guard let cors = configuration.cors else { return response }
        var response = response
        response.headers.add(contentsOf: corsHeaders(cors, origin: origin))
        return response
    }

    private func corsHeaders(_ cors: SocketIOConfiguration.CORS, origin: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if cors.origins.isEmpty {
            headers.add(name: "Access-Control-Allow-Origin", value: cors.credentials ? (origin ?? "*") : "*")
        } else if let origin, cors.origins.contains(origin) {
            headers.add(name: "Access-Control-Allow-Origin", value: origin)
        }
        if !cors.origins.isEmpty || cors.credentials { headers.add(name: "Vary", value: "Origin") }
        if cors.credentials { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
        return headers
    }

    private func preflight(_ request: EngineHTTPRequest, origin: String?) -> EngineHTTPResponse {
        guard let cors = configuration.cors else { return EngineHTTPResponse(status: .noContent) }
        var headers = corsHeaders(cors, origin: origin)
        headers.add(name: "Access-Control-Allow-Methods", value: "GET,HEAD,PUT,PATCH,POST,DELETE")
        let asked = request.headers.first(name: "Access-Control-Request-Headers")
        let allowed = cors.allowedHeaders.isEmpty ? asked : cors.allowedHeaders.joined(separator: ",")
        if let allowed { headers.add(name: "Access-Control-Allow-Headers", value: allowed) }
        if let maxAge = cors.maxAge {
            headers.add(name: "Access-Control-Max-Age", value: String(maxAge.components.seconds))
        }
        headers.add(name: "Content-Length", value: "0")
        return EngineHTTPResponse(status: .noContent, headers: headers)
    }
}

extension HTTPHeaders {
    package var isWebSocketUpgrade: Bool {
        self["Upgrade"].contains { $0.lowercased().contains("websocket") }
    }
}

/// Session and socket ids: 15 URL-safe characters, 90 random bits from the system's secure
/// generator. Fifteen bytes is what a Swift string holds inline, so an id costs no allocation
/// wherever it is kept (the sessions table, the adapter's rooms, each socket), and 2^90 is far
/// beyond guessing (socket.io's 20 characters carry 120 bits; guidance for session ids asks 64).
package enum SessionID {
    private static let length = 15

    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return String(unsafeUninitializedCapacity: length) { bytes in
            var random = generator.next()
            for index in 0..<length {
                if index == 10 { random = generator.next() }  // 6 bits a character, 10 from each draw
                bytes[index] = alphabet.utf8Start[Int(random & 63)]
                random >>= 6
            }
            return length
        }
    }
}

/// What the engine counts: the events an operator wants to see, rare by nature.
package final class EngineCounters: Sendable {
    package struct Values: Sendable, Equatable {
        package var droppedVolatile = 0
        package var slowClientsDisconnected = 0
    }

    private let values = NIOLockedValueBox(Values())

    package var current: Values { values.withLockedValue { $0 } }

    package func count(_ counter: WritableKeyPath<Values, Int>) {
        values.withLockedValue { $0[keyPath: counter] += 1 }
    }
}
