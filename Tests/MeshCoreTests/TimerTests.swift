@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter
import Testing

/// The timer input is driven by deadlines the core asks for (`.scheduleTick`), never polled:
/// an idle node asks for nothing, and each test below ticks only at the times asked for, as
/// the shell's timer does, so a deadline the core forgets to ask for fails it.
@Suite struct TimerTests {
    let a = NodeID(name: "a", incarnation: 1)
    let b = NodeID(name: "b", incarnation: 1)
    let settings = MeshSettings(
        heartbeatInterval: .milliseconds(100), suspectAfter: .milliseconds(300),
        suspicionTimeout: .milliseconds(200), gossipInterval: .milliseconds(150),
        requestTimeout: .milliseconds(500), resendInterval: .milliseconds(40))

    func at(_ milliseconds: UInt64) -> MeshInstant { MeshInstant(nanoseconds: milliseconds * 1_000_000) }

    /// The earliest tick `actions` ask for.
    func asked(_ actions: [MeshAction]) -> MeshInstant? {
        actions.compactMap { if case .scheduleTick(let instant) = $0 { instant } else { nil } }.min()
    }

    /// Ticks `node` at each time it asks for, from `actions` on, until `stop` holds for a
    /// tick's actions or `limit` passes; returns the time of that tick.
    func tickAsAsked(
        _ node: inout MeshInstance, after actions: [MeshAction], until limit: MeshInstant,
        stop: (MeshInstant, [MeshAction]) -> Bool
    ) -> MeshInstant? {
        var next = asked(actions)
        while let time = next, time <= limit {
            var actions: [MeshAction] = []
            node.tick(now: time, actions: &actions)
            if stop(time, actions) { return time }
            next = asked(actions)
        }
        return nil
    }

    @Test func aNodeWithNoPeersAndNoRequestsAsksForNoTick() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.join("s1", rooms: ["r"], now: at(0), actions: &actions)
        node.tick(now: at(0), actions: &actions)
        #expect(asked(actions) == nil)
        #expect(node.nextDeadline() == nil)
    }

    @Test func aLinkStartsHeartbeatsAtTheirIntervalAndASilentPeerEndsThem() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        var heartbeats: [MeshInstant] = []
        var ticks: [MeshInstant] = []
        let stopped = tickAsAsked(&node, after: actions, until: at(5_000)) { time, actions in
            ticks.append(time)
            if actions.contains(where: { if case .send(.heartbeat, _) = $0 { true } else { false } }) {
                heartbeats.append(time)
            }
            return false
        }
        #expect(stopped == nil)
        #expect(heartbeats == [at(100), at(200), at(300), at(400), at(500)])
        // b never answered: suspected at 300 ms, down at 500 ms; with no peer left the node
        // asks for no more ticks.
        #expect(node.status(of: b) == "down")
        #expect(ticks.last == at(500))
        // Heartbeats, gossip rounds (every 150 ms) and the two failure deadlines: seven
        // wake-ups, where a 20 ms poll would have made 25 by 500 ms and kept going.
        #expect(ticks == [at(100), at(150), at(200), at(300), at(400), at(450), at(500)])
    }

    @Test func aSilentPeerIsDeclaredDownAtItsDeadlinesWhenTicksComeOnlyWhenAsked() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        let down = tickAsAsked(&node, after: actions, until: at(2_000)) { _, actions in
            actions.contains { if case .peerDown(let peer, .unreachable) = $0 { peer == b } else { false } }
        }
        // Suspected at 300 ms (suspectAfter), down 200 ms later (suspicionTimeout).
        #expect(down == at(500))
    }

    @Test func aRequestShorterThanTheNextTickAsksForAnEarlierOne() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.tick(now: at(0), actions: &actions)
        actions.removeAll()
        let id = node.request(
            .fetchSockets(BroadcastOptions()), timeout: .milliseconds(30), now: at(5), actions: &actions)
        #expect(asked(actions) == at(35))
        let completed = tickAsAsked(&node, after: actions, until: at(100)) { _, actions in
            actions.contains {
                if case .complete(let done, let outcome) = $0 { done == id && outcome.missing == [b] } else { false }
            }
        }
        #expect(completed == at(35))
    }

    @Test func aLongerRequestDoesNotAskAgain() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.tick(now: at(0), actions: &actions)
        actions.removeAll()
        node.request(.fetchSockets(BroadcastOptions()), timeout: .seconds(10), now: at(5), actions: &actions)
        #expect(asked(actions) == nil, "the heartbeat's tick comes first and asks again")
    }

    @Test func aGapAsksForTheMissingFramesAgainAfterTheResendInterval() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.tick(now: at(0), actions: &actions)
        actions.removeAll()
        // Frame 2 arrives, frame 1 does not.
        let early = OrderedFrame(sequence: 2, vector: [], payload: .emit(namespace: "/", ByteBuffer(string: "x")))
        node.receive(.ordered(early), from: b, now: at(50), actions: &actions)
        #expect(actions.contains { if case .send(.resume(next: 1), _) = $0 { true } else { false } })
        // Earlier than the heartbeat's tick at 100 ms, which stands.
        #expect(asked(actions) == at(90))
        var resumes: [MeshInstant] = []
        _ = tickAsAsked(&node, after: actions, until: at(200)) { time, actions in
            if actions.contains(where: { if case .send(.resume(next: 1), _) = $0 { true } else { false } }) {
                resumes.append(time)
            }
            return false
        }
        #expect(resumes == [at(90), at(130), at(170)], "asked again every 40 ms while the gap stays")
    }

    /// A suspicion meant to last for ever: its deadline is the end of time, not a wrap into the
    /// past that would make every tick ask for the next one a millisecond later.
    @Test func aDeadlineTooFarToAddIsTheEndOfTimeNotABusyLoop() {
        #expect(at(5) + .seconds(Int64.max) == MeshInstant(nanoseconds: .max))
        var patient = settings
        patient.suspicionTimeout = .seconds(Int64.max)
        var node = MeshInstance(id: a, settings: patient)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        var ticks = 0
        _ = tickAsAsked(&node, after: actions, until: at(2_000)) { _, _ in
            ticks += 1
            return false
        }
        #expect(node.status(of: b) == "suspect")
        // Heartbeats every 100 ms and gossip every 150: about 33 in 2 s, not 1,700.
        #expect(ticks < 40, "\(ticks) ticks")
    }
}
