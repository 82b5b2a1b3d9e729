import OrderedCollections

/// The Socket.IO state of one client connection, free of I/O and clocks: which namespaces it
/// joined, the connect handshake and its deadline, and the acknowledgements the server awaits.
/// The server feeds it decoded packets and the application's answers, and carries out the
/// actions it returns.
///
/// socket.io's rules: a namespace is joined by the client's CONNECT, which the application
/// accepts (the server answers with the socket's id) or refuses (CONNECT_ERROR with data);
/// packets for a namespace the client has not joined are dropped; a client that joins none
/// within `connectTimeout` is closed; the client's DISCONNECT leaves a namespace without an
/// answer, and leaving the last one does not close the connection.
///
/// A v3 Engine.IO client speaks Socket.IO's protocol 4 (socket.io-client 2.x), which socket.io
/// serves this way: the client is joined to "/" without asking (`start`), with an empty auth;
/// a namespace may carry a query, on any packet (`/admin?token=x`), which is the auth of its
/// CONNECT; the CONNECT answer carries no data.
package struct SocketIOConnection: Sendable {
    package enum Action: Equatable, Sendable {
        /// Ask the application (its middleware) whether the client may join `namespace`.
        case authorize(namespace: String, auth: SocketValue?)
        case send(SocketIOMessage)
        /// An event from the client; `ackID` when it waits for an answer.
        case event(namespace: String, arguments: [SocketValue], ackID: UInt64?)
        /// The client answered the server's event `id`.
        case acknowledged(namespace: String, id: UInt64, arguments: [SocketValue])
        /// Nobody answered the server's event `id` in time.
        case ackTimedOut(namespace: String, id: UInt64)
        case left(namespace: String)
        /// Close the connection (the Engine.IO session).
        case close(CloseReason)
    }

    package enum CloseReason: String, Equatable, Sendable {
        /// No namespace joined within `connectTimeout`.
        case connectTimeout = "connect timeout"
        /// A packet the client must not send.
        case protocolViolation = "parse error"
    }

    private enum Membership: Equatable {
        case authorizing
        case joined
    }

    package let connectTimeout: Duration
    package let version: EngineIOVersion
    private let opened: Duration
    private var namespaces = NamespaceMap<Membership>()
    private var everJoined = false
    private var nextAckID: UInt64 = 0
    private var awaitedAcks: [UInt64: (namespace: String, deadline: Duration)] = [:]
    private var closed = false

    package init(connectTimeout: Duration, now: Duration, version: EngineIOVersion = .v4) {
        self.connectTimeout = connectTimeout
        self.opened = now
        self.version = version
    }

    /// What to do once the connection is open: for a v3 client, authorize "/".
    package mutating func start() -> [Action] {
        guard version == .v3, !closed, namespaces["/"] == nil else { return [] }
        namespaces["/"] = .authorizing
        return [.authorize(namespace: "/", auth: .object([:]))]
    }

    package func isJoined(_ namespace: String) -> Bool { namespaces[namespace] == .joined }

    package mutating func received(_ message: SocketIOMessage) -> [Action] {
        guard !closed else { return [] }
        var message = message
        var v3Auth: SocketValue?
        if version == .v3, let mark = message.namespace.firstIndex(of: "?") {
            let query = URIQuery.parameters(of: message.namespace).sorted { $0.key < $1.key }
            v3Auth = .object(OrderedDictionary(uniqueKeysWithValues: query.map { ($0.key, .string($0.value)) }))
            message.namespace = String(message.namespace[..<mark])
        }
        let namespace = message.namespace
        switch message.kind {
        case .connect:
            guard namespaces[namespace] == nil else { return [] }
            namespaces[namespace] = .authorizing
            let auth = version == .v3 ? v3Auth ?? .object([:]) : message.data
            return [.authorize(namespace: namespace, auth: auth)]
        case .event, .binaryEvent:
            guard isJoined(namespace), case .array(let arguments)? = message.data else { return [] }
            return [.event(namespace: namespace, arguments: arguments, ackID: message.id)]
        case .ack, .binaryAck:
            guard isJoined(namespace), let id = message.id, awaitedAcks[id]?.namespace == namespace,
                case .array(let arguments)? = message.data
            else { return [] }
            awaitedAcks[id] = nil
            return [.acknowledged(namespace: namespace, id: id, arguments: arguments)]
        case .disconnect:
            guard isJoined(namespace) else { return [] }
            return leave(namespace)
        case .connectError:
            closed = true
            return [.close(.protocolViolation)]
        }
    }

    /// The application let the client join: the answer carries the socket's id.
    package mutating func accepted(namespace: String, socketID: String) -> [Action] {
        guard !closed, namespaces[namespace] == .authorizing else { return [] }
        namespaces[namespace] = .joined
        everJoined = true
        let data: SocketValue? = version == .v3 ? nil : .object(["sid": .string(socketID)])
        return [.send(SocketIOMessage(kind: .connect, namespace: namespace, data: data))]
    }

    /// Why a client may not join a namespace.
    package enum Refusal: Equatable, Sendable {
        /// No such namespace: `{"message": "Invalid namespace"}`, whatever the version.
        case unknownNamespace
        /// The application's middleware refused: `{"message", "data"}`; a v2 client (Engine.IO
        /// v3) reads the data alone, or the message (socket.io: `err.data || err.message`).
        case byMiddleware(message: String, data: SocketValue?)
    }

    /// The server refused: the client reads the refusal's data in its version's form.
    package mutating func refused(namespace: String, _ refusal: Refusal) -> [Action] {
        guard !closed, namespaces[namespace] == .authorizing else { return [] }
        namespaces[namespace] = nil
        let data: SocketValue
        switch refusal {
        case .unknownNamespace:
            data = ["message": "Invalid namespace"]
        case .byMiddleware(let message, let detail) where version == .v3:
            data = detail ?? .string(message)
        case .byMiddleware(let message, let detail):
            var members: OrderedDictionary<String, SocketValue> = ["message": .string(message)]
            if let detail { members["data"] = detail }
            data = .object(members)
        }
        return [.send(SocketIOMessage(kind: .connectError, namespace: namespace, data: data))]
    }

    /// The server disconnects the client from `namespace`: the client is told.
    package mutating func disconnect(namespace: String) -> [Action] {
        guard !closed, isJoined(namespace) else { return [] }
        return [.send(SocketIOMessage(kind: .disconnect, namespace: namespace))] + leave(namespace)
    }

    /// An id for a server event that waits for the client's answer until `deadline`.
    package mutating func awaitAck(namespace: String, deadline: Duration) -> UInt64 {
        let id = nextAckID
        nextAckID += 1
        awaitedAcks[id] = (namespace, deadline)
        return id
    }

    package mutating func tick(now: Duration) -> [Action] {
        guard !closed else { return [] }
        if !everJoined, now - opened >= connectTimeout {
            closed = true
            return [.close(.connectTimeout)]
        }
        let expired = awaitedAcks.filter { $0.value.deadline <= now }.sorted { $0.key < $1.key }
        return expired.map { id, ack in
            awaitedAcks[id] = nil
            return .ackTimedOut(namespace: ack.namespace, id: id)
        }
    }

    /// When `tick` next has something to do.
    package var nextDeadline: Duration? {
        guard !closed else { return nil }
        var deadlines = awaitedAcks.values.map(\.deadline)
        if !everJoined { deadlines.append(opened + connectTimeout) }
        return deadlines.min()
    }

    private mutating func leave(_ namespace: String) -> [Action] {
        namespaces[namespace] = nil
        // The server's events there will never be answered.
        let orphaned = awaitedAcks.filter { $0.value.namespace == namespace }.keys.sorted()
        for id in orphaned { awaitedAcks[id] = nil }
        return orphaned.map { .ackTimedOut(namespace: namespace, id: $0) } + [.left(namespace: namespace)]
    }
}
