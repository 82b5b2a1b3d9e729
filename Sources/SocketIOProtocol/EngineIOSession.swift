import OrderedCollections

/// One Engine.IO v4 session as a state machine, free of I/O and clocks: the server's transport
/// handlers feed it what arrived and the time, and carry out the actions it returns.
///
/// Heartbeats are the server's: `pingInterval` after the open (and after each pong) it sends a
/// ping, and a client that does not answer within `pingTimeout` is closed with "ping timeout".
/// A v3 client pings instead: the server answers each ping with a pong, and closes a client
/// it has not heard a ping from for `pingInterval + pingTimeout` (engine.io's v3 rule).
/// An upgrade runs beside the polling transport: the client probes a websocket with "2probe",
/// gets "3probe", the server answers the waiting poll with a noop so the client can pause it,
/// and the client's "5" on the websocket moves the session there. A probe that does not finish
/// within `upgradeTimeout` closes the websocket and the session goes on polling.
package struct EngineIOSession: Sendable {
    package enum Transport: String, Sendable {
        case polling, websocket
    }

    package struct Settings: Sendable {
        package var pingInterval: Duration
        package var pingTimeout: Duration
        package var upgradeTimeout: Duration
        package var maxPayload: Int

        package init(
            pingInterval: Duration = .seconds(25), pingTimeout: Duration = .seconds(20),
            upgradeTimeout: Duration = .seconds(10), maxPayload: Int = 1_000_000
        ) {
            self.pingInterval = pingInterval
            self.pingTimeout = pingTimeout
            self.upgradeTimeout = upgradeTimeout
            self.maxPayload = maxPayload
        }
    }

    /// Engine.IO's close reasons, as its server names them.
    package enum CloseReason: String, Sendable, Equatable {
        case transportClose = "transport close"
        case transportError = "transport error"
        case pingTimeout = "ping timeout"
        case parseError = "parse error"
        case forcedClose = "forced close"
        /// The client read too slowly for what it was sent (its outbound bound; not engine.io's).
        case tooSlow = "too slow"
    }

    package enum Action: Equatable, Sendable {
        /// Write `packet` on `transport` (for polling: queue it for the next poll).
        case send(EngineIOPacket, on: Transport)
        /// A message for the layer above (Socket.IO).
        case deliver(EngineIOPacket)
        /// The session now runs on the websocket; the polling transport is done.
        case upgraded
        /// Close the probing websocket; the session goes on polling.
        case abandonProbe
        /// The session ended; close every transport.
        case close(CloseReason)
    }

    private enum State: Equatable {
        case open
        /// A websocket answered the probe; waiting for its upgrade packet.
        case probing(since: Duration)
        case closed(CloseReason)
    }

    package let id: String
    package let settings: Settings
    package let version: EngineIOVersion
    package private(set) var transport: Transport
    private var state: State = .open
    /// When the next ping is due, or, while one is unanswered, nil.
    private var nextPing: Duration?
    /// When the unanswered ping expires (v3: when the client's next ping is overdue).
    private var pongDeadline: Duration?

    /// A new session opened on `transport` at `now` (time since any fixed origin).
    package init(
        id: String, transport: Transport, settings: Settings, now: Duration, version: EngineIOVersion = .v4
    ) {
        self.id = id
        self.transport = transport
        self.settings = settings
        self.version = version
        switch version {
        case .v4: self.nextPing = now + settings.pingInterval
        case .v3: self.pongDeadline = now + settings.pingInterval + settings.pingTimeout
        }
    }

    /// The open packet: the handshake the client reads first.
    package var openPacket: EngineIOPacket {
        let handshake = SocketValue.object([
            "sid": .string(id),
            "upgrades": .array(transport == .polling ? [.string("websocket")] : []),
            "pingInterval": .number(Double(settings.pingInterval.milliseconds)),
            "pingTimeout": .number(Double(settings.pingTimeout.milliseconds)),
            "maxPayload": .number(Double(settings.maxPayload)),
        ])
        return .open(handshake.json)
    }

    package var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    package var closeReason: CloseReason? {
        if case .closed(let reason) = state { return reason }
        return nil
    }

    /// A packet from the client on `transport`.
    package mutating func received(_ packet: EngineIOPacket, on transport: Transport, now: Duration) -> [Action] {
        if isClosed { return [] }
        if transport != self.transport { return receivedOnProbe(packet, now: now) }
        switch (version, packet) {
        case (.v4, .pong):
            pongDeadline = nil
            nextPing = now + settings.pingInterval
            return []
        case (.v3, .ping):
            pongDeadline = now + settings.pingInterval + settings.pingTimeout
            return [.send(.pong(""), on: transport)]
        case (.v3, .pong):
            // The wrong direction for v3 (engine.io: "invalid heartbeat direction").
            return close(.transportError)
        case (_, .message), (_, .binaryMessage):
            return [.deliver(packet)]
        case (_, .close):
            return close(.transportClose)
        case (_, .noop):
            return []
        case (_, .open), (.v4, .ping), (_, .upgrade):
            // A v4 client never sends these on its session's transport.
            return close(.parseError)
        }
    }

    private mutating func receivedOnProbe(_ packet: EngineIOPacket, now: Duration) -> [Action] {
        guard transport == .polling else { return close(.parseError) }
        switch (state, packet) {
        case (.open, .ping("probe")):
            state = .probing(since: now)
            return [.send(.pong("probe"), on: .websocket), .send(.noop, on: .polling)]
        case (.probing, .upgrade):
            state = .open
            transport = .websocket
            return [.upgraded]
        default:
            if case .probing = state { state = .open }
            return [.abandonProbe]
        }
    }

    /// The websocket being probed failed or closed.
    package mutating func probeFailed() {
        if case .probing = state { state = .open }
    }

    /// The session's transport failed (a socket error, a poll cut off) or closed.
    package mutating func transportClosed(error: Bool) -> [Action] {
        close(error ? .transportError : .transportClose)
    }

    /// The client sent bytes that are not Engine.IO.
    package mutating func parseError() -> [Action] {
        guard !isClosed else { return [] }
        return close(.parseError)
    }

    /// The client stayed over its outbound bound.
    package mutating func tooSlow() -> [Action] {
        guard !isClosed else { return [] }
        return close(.tooSlow)
    }

    /// The application closes the session.
    package mutating func closeByServer() -> [Action] {
        guard !isClosed else { return [] }
        return [.send(.close, on: transport)] + close(.forcedClose)
    }

    /// Timers: call at least as often as `nextDeadline`.
    package mutating func tick(now: Duration) -> [Action] {
        if isClosed { return [] }
        var actions: [Action] = []
        if case .probing(let since) = state, now - since >= settings.upgradeTimeout {
            state = .open
            actions.append(.abandonProbe)
        }
        if let deadline = pongDeadline, now >= deadline { return actions + close(.pingTimeout) }
        if let due = nextPing, now >= due {
            nextPing = nil
            pongDeadline = now + settings.pingTimeout
            actions.append(.send(.ping(""), on: transport))
        }
        return actions
    }

    /// When `tick` next has something to do.
    package var nextDeadline: Duration? {
        if isClosed { return nil }
        var deadlines = [nextPing, pongDeadline].compactMap { $0 }
        if case .probing(let since) = state { deadlines.append(since + settings.upgradeTimeout) }
        return deadlines.min()
    }

    private mutating func close(_ reason: CloseReason) -> [Action] {
        state = .closed(reason)
        nextPing = nil
        pongDeadline = nil
        return [.close(reason)]
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
