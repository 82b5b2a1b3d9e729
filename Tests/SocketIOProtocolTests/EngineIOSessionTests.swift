import OrderedCollections
import SocketIOProtocol
import Testing

@Suite struct EngineIOSessionTests {
    private let settings = EngineIOSession.Settings(
        pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200), upgradeTimeout: .milliseconds(1_000),
        maxPayload: 1_000_000)

    @Test func theOpenPacketCarriesTheSessionAndItsSettings() throws {
        let polling = EngineIOSession(id: "abc", transport: .polling, settings: settings, now: .zero)
        guard case .open(let text) = polling.openPacket else { Issue.record("not an open packet"); return }
        #expect(
            try SocketValue.parse(json: text)
                == .object([
                    "sid": .string("abc"), "upgrades": .array([.string("websocket")]), "pingInterval": .number(300),
                    "pingTimeout": .number(200), "maxPayload": .number(1_000_000),
                ]))
        let websocket = EngineIOSession(id: "abc", transport: .websocket, settings: settings, now: .zero)
        guard case .open(let direct) = websocket.openPacket else { Issue.record("not an open packet"); return }
        #expect(direct.contains(#""upgrades":[]"#))
    }

    @Test func theServerPingsAndAClientThatAnswersStaysOpen() {
        var session = EngineIOSession(id: "s", transport: .websocket, settings: settings, now: .zero)
        #expect(session.tick(now: .milliseconds(299)) == [])
        #expect(session.nextDeadline == .milliseconds(300))
        #expect(session.tick(now: .milliseconds(300)) == [.send(.ping(""), on: .websocket)])
        #expect(session.nextDeadline == .milliseconds(500))
        #expect(session.received(.pong(""), on: .websocket, now: .milliseconds(450)) == [])
        #expect(session.tick(now: .milliseconds(600)) == [])
        #expect(session.tick(now: .milliseconds(750)) == [.send(.ping(""), on: .websocket)])
        #expect(!session.isClosed)
    }

    @Test func aClientThatDoesNotAnswerThePingIsClosedWithPingTimeout() {
        var session = EngineIOSession(id: "s", transport: .polling, settings: settings, now: .zero)
        _ = session.tick(now: .milliseconds(300))
        #expect(
            session.received(.message("still here"), on: .polling, now: .milliseconds(400)) == [
                .deliver(.message("still here"))
            ])
        #expect(session.tick(now: .milliseconds(499)) == [])
        #expect(session.tick(now: .milliseconds(500)) == [.close(.pingTimeout)])
        #expect(session.closeReason == .pingTimeout)
        #expect(session.received(.message("late"), on: .polling, now: .milliseconds(501)) == [])
        #expect(session.nextDeadline == nil)
    }

    @Test func anUpgradeProbesAnswersThePollAndMovesTheSession() {
        var session = EngineIOSession(id: "s", transport: .polling, settings: settings, now: .zero)
        #expect(
            session.received(.ping("probe"), on: .websocket, now: .milliseconds(10)) == [
                .send(.pong("probe"), on: .websocket), .send(.noop, on: .polling),
            ])
        // Messages still arrive on polling while the probe runs.
        #expect(session.received(.message("a"), on: .polling, now: .milliseconds(20)) == [.deliver(.message("a"))])
        #expect(session.received(.upgrade, on: .websocket, now: .milliseconds(30)) == [.upgraded])
        #expect(session.transport == .websocket)
        #expect(session.tick(now: .milliseconds(300)) == [.send(.ping(""), on: .websocket)])
    }

    @Test func aProbeThatStallsOrMisbehavesIsAbandonedAndPollingGoesOn() {
        var session = EngineIOSession(id: "s", transport: .polling, settings: settings, now: .zero)
        _ = session.received(.ping("probe"), on: .websocket, now: .zero)
        _ = session.tick(now: .milliseconds(300))
        _ = session.received(.pong(""), on: .polling, now: .milliseconds(310))
        // The ping due at 610 ms and the probe's end both fall due by 1 s.
        #expect(session.tick(now: .milliseconds(1_000)) == [.abandonProbe, .send(.ping(""), on: .polling)])
        #expect(session.transport == .polling)
        #expect(session.received(.upgrade, on: .websocket, now: .milliseconds(1_001)) == [.abandonProbe])
        #expect(session.received(.message("x"), on: .websocket, now: .milliseconds(1_002)) == [.abandonProbe])
        #expect(session.transport == .polling && !session.isClosed)
        // A websocket session has nothing to upgrade to: a second transport is a violation.
        var direct = EngineIOSession(id: "w", transport: .websocket, settings: settings, now: .zero)
        #expect(direct.received(.ping("probe"), on: .polling, now: .zero) == [.close(.parseError)])
    }

    @Test func closesAreNamedByWhoEndedTheSession() {
        var byClient = EngineIOSession(id: "s", transport: .websocket, settings: settings, now: .zero)
        #expect(byClient.received(.close, on: .websocket, now: .zero) == [.close(.transportClose)])
        var byServer = EngineIOSession(id: "s", transport: .polling, settings: settings, now: .zero)
        #expect(byServer.closeByServer() == [.send(.close, on: .polling), .close(.forcedClose)])
        #expect(byServer.closeByServer() == [])
        var broken = EngineIOSession(id: "s", transport: .websocket, settings: settings, now: .zero)
        #expect(broken.transportClosed(error: true) == [.close(.transportError)])
        var confused = EngineIOSession(id: "s", transport: .websocket, settings: settings, now: .zero)
        #expect(confused.received(.open("{}"), on: .websocket, now: .zero) == [.close(.parseError)])
    }
}
