@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter
import Testing

/// State transitions of one instance, driven by hand.
@Suite struct MeshInstanceTests {
    let a = NodeID(name: "a", incarnation: 1)
    let b = NodeID(name: "b", incarnation: 1)
    let c = NodeID(name: "c", incarnation: 1)
    let settings = MeshSettings(
        heartbeatInterval: .milliseconds(100), suspectAfter: .milliseconds(300),
        suspicionTimeout: .milliseconds(200), gossipInterval: .milliseconds(100),
        requestTimeout: .milliseconds(500), replayFrames: 4)

    func at(_ milliseconds: UInt64) -> MeshInstant { MeshInstant(nanoseconds: milliseconds * 1_000_000) }

    /// Node a, linked to b at time 0, and told that b's socket `socket` is in `rooms`.
    func linkedToB(socket: SocketID, in rooms: [Room]) -> MeshInstance {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.receive(
            .deltas(origin: b, [DirectoryDelta(version: 1, change: .join(socket, rooms))]), from: b, now: at(0),
            actions: &actions)
        return node
    }

    /// What `node` sends `peer` through `actions`, in order, with the ordered frames taken off
    /// its ordered channel and decoded where a `writeOrdered` action stands, as the shell does.
    func sends(_ actions: [MeshAction], to peer: NodeID, by node: inout MeshInstance) -> [MeshMessage] {
        var messages: [MeshMessage] = []
        for action in actions {
            switch action {
            case .send(let message, let target) where target == peer:
                messages.append(message)
            case .writeOrdered(let target) where target == peer:
                var bytes = ByteBuffer()
                node.takeOrdered(for: peer, into: &bytes)
                while let message = try? MeshWire.readFrame(from: &bytes, maximumFrameSize: 1 << 20) {
                    messages.append(message)
                }
                #expect(bytes.readableBytes == 0, "whole frames only")
            default:
                break
            }
        }
        return messages
    }

    @Test func linkUpAsksForMissedFramesAndExchangesDigestAndMembers() {
        var node = MeshInstance(id: a, address: "127.0.0.1:1", settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, address: "127.0.0.1:2", now: at(0), actions: &actions)
        let messages = sends(actions, to: b, by: &node)
        #expect(messages.contains(.resume(next: 1)))
        #expect(messages.contains { if case .digest(_, false) = $0 { true } else { false } })
        #expect(
            messages.contains { if case .members(let records) = $0 { records.map(\.node) == [a, b] } else { false } })
        #expect(actions.contains { if case .peerUp(let peer) = $0 { peer == b } else { false } })
        #expect(node.serverCount == 2)
    }

    @Test func aBroadcastGoesOnlyToNodesWithMembersAndLocalStaysLocal() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.linkUp(c, now: at(0), actions: &actions)
        node.receive(
            .deltas(origin: b, [DirectoryDelta(version: 1, change: .join("sb", ["sb", "room"]))]), from: b, now: at(1),
            actions: &actions)
        node.join("sa", rooms: ["room"], now: at(1), actions: &actions)
        actions.removeAll()
        node.broadcast(
            BroadcastPacket(ByteBuffer(string: "x")), options: BroadcastOptions(rooms: ["room"]), actions: &actions)
        let toB = sends(actions, to: b, by: &node)
        let toC = sends(actions, to: c, by: &node)
        #expect(toB.count == 1)
        #expect(toC.isEmpty, "c has no member in the room")
        #expect(actions.contains { if case .deliver(_, let sockets, _) = $0 { sockets == ["sa"] } else { false } })
        actions.removeAll()
        node.broadcast(
            BroadcastPacket(ByteBuffer(string: "x")), options: BroadcastOptions(flags: .init(local: true)),
            actions: &actions)
        let localToB = sends(actions, to: b, by: &node)
        let localToC = sends(actions, to: c, by: &node)
        #expect(localToB.isEmpty && localToC.isEmpty)
        actions.removeAll()
        node.broadcast(BroadcastPacket(ByteBuffer(string: "x")), options: BroadcastOptions(), actions: &actions)
        let allToB = sends(actions, to: b, by: &node)
        let allToC = sends(actions, to: c, by: &node)
        #expect(allToB.count == 1 && allToC.count == 1, "no room: every node")
    }

    /// Broadcasts to the same room reuse its route until the directory or a peer's liveness
    /// changes; each change shows in the very next broadcast.
    @Test func aRepeatedRouteFollowsEveryChange() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.linkUp(c, now: at(0), actions: &actions)
        func targets(_ node: inout MeshInstance) -> [NodeID] {
            var actions: [MeshAction] = []
            node.broadcast(
                BroadcastPacket(ByteBuffer(string: "x")), options: BroadcastOptions(rooms: ["room"]), actions: &actions)
            let routed = [b, c].filter { !sends(actions, to: $0, by: &node).isEmpty }
            #expect(routed == node.routes(for: ["room"]), "the kept route is the one computed afresh")
            return routed
        }
        #expect(targets(&node).isEmpty)
        node.receive(
            .deltas(origin: b, [DirectoryDelta(version: 1, change: .join("sb", ["room"]))]), from: b, now: at(1),
            actions: &actions)
        #expect(targets(&node) == [b])
        #expect(targets(&node) == [b])
        node.receive(
            .deltas(origin: c, [DirectoryDelta(version: 1, change: .join("sc", ["room"]))]), from: c, now: at(2),
            actions: &actions)
        #expect(targets(&node) == [b, c])
        node.receive(.leaving, from: b, now: at(3), actions: &actions)
        #expect(targets(&node) == [c], "b left")
        node.receive(
            .deltas(origin: c, [DirectoryDelta(version: 2, change: .leave("sc", ["room"]))]), from: c, now: at(4),
            actions: &actions)
        #expect(targets(&node).isEmpty)
    }

    /// The same for this node's own sockets in a room broadcast to again and again.
    @Test func repeatedLocalDeliveriesFollowEveryJoinAndLeave() {
        var node = MeshInstance(id: a, settings: settings)
        func delivered(_ node: inout MeshInstance) -> Set<SocketID> {
            var actions: [MeshAction] = []
            node.broadcast(
                BroadcastPacket(ByteBuffer(string: "x")), options: BroadcastOptions(rooms: ["room"]), actions: &actions)
            var sockets = Set<SocketID>()
            for case .deliver(_, let targets, _) in actions { sockets.formUnion(targets) }
            return sockets
        }
        var actions: [MeshAction] = []
        #expect(delivered(&node).isEmpty)
        node.join("s1", rooms: ["room"], now: at(0), actions: &actions)
        #expect(delivered(&node) == ["s1"])
        #expect(delivered(&node) == ["s1"])
        node.join("s2", rooms: ["room", "other"], now: at(1), actions: &actions)
        #expect(delivered(&node) == ["s1", "s2"])
        node.leave("s1", rooms: ["room"], now: at(2), actions: &actions)
        #expect(delivered(&node) == ["s2"])
        node.remove("s2", now: at(3), actions: &actions)
        #expect(delivered(&node).isEmpty)
    }

    @Test func aSilentPeerIsSuspectedThenDownUnlessAnotherPeerHearsIt() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.linkUp(c, now: at(0), actions: &actions)
        // c keeps talking; b goes silent.
        node.receive(.heartbeat(Heartbeat(receivedBelow: 1, nextToSend: 1)), from: c, now: at(290), actions: &actions)
        actions.removeAll()
        node.tick(now: at(300), actions: &actions)
        #expect(node.status(of: b) == "suspect")
        let probes = sends(actions, to: c, by: &node).filter { if case .probe = $0 { true } else { false } }
        guard case .probe(let target, let nonce) = probes.first else {
            Issue.record("expected a probe to c, got \(probes)")
            return
        }
        #expect(target == b)
        // c still hears b: a broken link is not a dead node.
        node.receive(.probeReply(target: b, nonce: nonce, alive: true), from: c, now: at(310), actions: &actions)
        node.receive(.heartbeat(Heartbeat(receivedBelow: 1, nextToSend: 1)), from: c, now: at(500), actions: &actions)
        actions.removeAll()
        // The suspicion ran out but was confirmed: b stays, counted, and is asked about again.
        node.tick(now: at(520), actions: &actions)
        #expect(node.status(of: b) == "suspect")
        #expect(node.serverCount == 3)
        guard
            case .probe(_, let second)? = sends(actions, to: c, by: &node).first(where: {
                if case .probe = $0 { true } else { false }
            })
        else {
            Issue.record("expected a second probe")
            return
        }
        // This time c no longer hears b either: down at once, without waiting out the timeout.
        node.receive(.probeReply(target: b, nonce: second, alive: false), from: c, now: at(530), actions: &actions)
        #expect(node.status(of: b) == "down")
        #expect(node.serverCount == 2)
    }

    @Test func aLonePeerIsDownAfterSuspicionTimesOut() {
        var node = linkedToB(socket: "sb", in: ["sb"])
        var actions: [MeshAction] = []
        node.tick(now: at(300), actions: &actions)
        #expect(node.status(of: b) == "suspect")
        actions.removeAll()
        node.tick(now: at(500), actions: &actions)
        #expect(node.status(of: b) == "down")
        #expect(node.directory.memberships(of: b).isEmpty, "a down node's sockets leave the directory")
        #expect(actions.contains { if case .peerDown(let peer, .unreachable) = $0 { peer == b } else { false } })
    }

    @Test func aRequestNamesThePeersThatDidNotAnswerAndStopsWaitingForOnesThatLeave() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        node.linkUp(c, now: at(0), actions: &actions)
        let first = node.request(.fetchSockets(BroadcastOptions()), now: at(0), actions: &actions)
        node.receive(.leaving, from: c, now: at(10), actions: &actions)
        node.receive(.heartbeat(Heartbeat(receivedBelow: 1, nextToSend: 1)), from: b, now: at(200), actions: &actions)
        actions.removeAll()
        node.tick(now: at(501), actions: &actions)
        let outcome = actions.compactMap {
            if case .complete(let id, let outcome) = $0, id == first { outcome } else { nil }
        }.first
        #expect(outcome?.missing == [b])
        #expect(outcome?.departed == [c])
    }

    @Test func framesAreReplayedAfterAReconnectAndTheOnesEvictedAreReportedLost() {
        var sender = linkedToB(socket: "sb", in: ["sb"])
        var actions: [MeshAction] = []
        sender.linkDown(b)
        for index in 0..<6 {
            sender.broadcast(
                BroadcastPacket(ByteBuffer(string: "\(index)")), options: BroadcastOptions(rooms: ["sb"]),
                actions: &actions)
        }
        let whileDown = sends(actions, to: b, by: &sender)
        #expect(whileDown.isEmpty, "nothing is written while the link is down")
        sender.linkUp(b, now: at(50), actions: &actions)
        actions.removeAll()
        // The receiver had frames below 2; the buffer keeps only the newest 4 (3...6).
        sender.receive(.resume(next: 2), from: b, now: at(51), actions: &actions)
        let messages = sends(actions, to: b, by: &sender)
        #expect(messages.first == .skip(next: 3))
        #expect(
            messages.dropFirst().compactMap { if case .ordered(let frame) = $0 { frame.sequence } else { nil } } == [
                UInt64(3), 4, 5, 6,
            ])

        var receiver = MeshInstance(id: b, settings: settings)
        var received: [MeshAction] = []
        receiver.join("sb", rooms: [], now: at(0), actions: &received)
        receiver.linkUp(a, now: at(0), actions: &received)
        received.removeAll()
        for message in messages.reversed() { receiver.receive(message, from: a, now: at(60), actions: &received) }
        let delivered = received.compactMap {
            if case .deliver(let delivery, _, _) = $0 { String(buffer: delivery.packet.header) } else { nil }
        }
        #expect(delivered == ["2", "3", "4", "5"], "in order, once, after the skip")
        #expect(receiver.counters.framesLost == 2)
    }

    /// A broadcast that fits the frame limit alone but not with the vector changes its frame
    /// must carry: the changes go just ahead in a frame of their own, so no frame is over the
    /// limit (a peer would refuse it, and it would be replayed and refused for ever), and the
    /// receiver still delivers the broadcast once, after its directory covers the changes.
    @Test func vectorChangesThatDoNotFitBesideAFrameGoAheadInAFrameOfTheirOwn() throws {
        var small = settings
        small.maximumFrameSize = 4096
        // The two frames together exceed the replay window: neither may be evicted unsent.
        small.replayBytes = 6_000
        var sender = MeshInstance(id: a, settings: small)
        var actions: [MeshAction] = []
        sender.linkUp(b, now: at(0), actions: &actions)
        let joined = DirectoryDelta(version: 1, change: .join("sb", ["room"]))
        sender.receive(.deltas(origin: b, [joined]), from: b, now: at(0), actions: &actions)
        let origins = (0..<60).map { NodeID(name: "an-origin-with-a-long-name-\($0)", incarnation: 1) }
        let deltas = origins.enumerated().map { index, _ in
            DirectoryDelta(version: 1, change: .join(SocketID("s\(index)"), []))
        }
        for (origin, delta) in zip(origins, deltas) {
            sender.receive(.deltas(origin: origin, [delta]), from: b, now: at(0), actions: &actions)
        }
        actions.removeAll()
        let options = BroadcastOptions(rooms: ["room"])
        let bare = MeshWire.orderedBroadcastSize(
            namespace: "/", options: options, packet: BroadcastPacket(ByteBuffer()))
        let packet = BroadcastPacket(ByteBuffer(repeating: 7, count: 4096 - bare))
        #expect(sender.broadcast(packet, options: options, actions: &actions), "the broadcast alone fits")

        var bytes = ByteBuffer()
        sender.takeOrdered(for: b, into: &bytes)
        var frames: [OrderedFrame] = []
        while bytes.readableBytes > 0 {
            let length = try #require(bytes.getInteger(at: bytes.readerIndex, as: UInt32.self))
            #expect(length <= 4096, "every frame within the limit")
            guard case .ordered(let frame) = try MeshWire.readFrame(from: &bytes, maximumFrameSize: 4096) else {
                Issue.record("an ordered frame")
                return
            }
            frames.append(frame)
        }
        #expect(
            frames.map(\.payload) == [
                .vectorOnly, .broadcast(BroadcastFrame(namespace: "/", options: options, number: 1, packet: packet)),
            ])
        #expect(frames.map(\.sequence) == [1, 2])
        #expect(frames.first?.vector.count == origins.count + 1, "b and the 60 origins (a has changed nothing)")
        #expect(frames.last?.vector.isEmpty == true)

        var receiver = MeshInstance(id: b, settings: small)
        var received: [MeshAction] = []
        receiver.join("sb", rooms: ["room"], now: at(0), actions: &received)
        receiver.linkUp(a, now: at(0), actions: &received)
        received.removeAll()
        for frame in frames { receiver.receive(.ordered(frame), from: a, now: at(1), actions: &received) }
        let early = received.contains { if case .deliver = $0 { true } else { false } }
        #expect(!early, "held at the causal gate until the 60 origins' changes are applied")
        for (origin, delta) in zip(origins, deltas) {
            receiver.receive(.deltas(origin: origin, [delta]), from: a, now: at(2), actions: &received)
        }
        let delivered = received.compactMap {
            if case .deliver(let delivery, let sockets, _) = $0 { (delivery, sockets) } else { nil }
        }
        #expect(delivered.count == 1)
        #expect(delivered.first?.1 == ["sb"])
        #expect(delivered.first?.0.packet == packet)
    }

    /// The one receive path: the shortcut for broadcasts takes the next frame in order and
    /// nothing else; whatever it leaves takes the general path, and the two together deliver
    /// each broadcast once, in order.
    @Test func theInOrderShortcutTakesOnlyTheNextFrame() throws {
        var sender = linkedToB(socket: "sb", in: ["room"])
        var actions: [MeshAction] = []
        // The first frame carries the sender's vector (the receiver learns what to require);
        // the rest carry no change.
        for index in 0..<4 {
            sender.broadcast(
                BroadcastPacket(ByteBuffer(string: "\(index)")), options: BroadcastOptions(rooms: ["room"]),
                actions: &actions)
        }
        var wire = ByteBuffer()
        sender.takeOrdered(for: b, into: &wire)
        var frames: [ByteBuffer] = []
        while let length = wire.readInteger(as: UInt32.self), let frame = wire.readSlice(length: Int(length)) {
            frames.append(frame)
        }
        #expect(frames.count == 4)
        #expect(MeshWire.readOrderedBroadcast(frames[0]) == nil, "a vector change is for the general path")

        var receiver = MeshInstance(
            id: b, settings: MeshSettings(heartbeatInterval: .seconds(1), acknowledgeEvery: 2))
        var received: [MeshAction] = []
        receiver.join("sb", rooms: ["room"], now: at(0), actions: &received)
        receiver.linkUp(a, now: at(0), actions: &received)
        received.removeAll()
        var delivered: [String] = []
        var shortcuts: [BroadcastID] = []
        func receive(_ index: Int) throws {
            let incoming = try IncomingFrame(frame: frames[index])
            switch receiver.receive(incoming, from: a, now: at(1), actions: &received) {
            case .broadcast(let sockets, let namespace):
                #expect(sockets == ["sb"])
                #expect(namespace == .main)
                guard case .broadcast(let broadcast) = incoming else {
                    Issue.record("the shortcut took a frame that is not a broadcast")
                    return
                }
                let delivery = broadcast.delivery(from: a)
                shortcuts.append(delivery.id)
                delivered.append(String(buffer: delivery.packet.header))
            case .message:
                break
            }
            for case .deliver(let delivery, _, _) in received {
                delivered.append(String(buffer: delivery.packet.header))
            }
            received.removeAll { if case .deliver = $0 { true } else { false } }
        }
        try receive(0)
        #expect(delivered == ["0"] && shortcuts.isEmpty, "a vector change takes the general path")
        try receive(1)
        #expect(shortcuts == [BroadcastID(origin: a.name, incarnation: a.incarnation, sequence: 2)])
        try receive(1)
        #expect(receiver.counters.duplicateFrames == 1 && delivered == ["0", "1"], "a duplicate is dropped")
        try receive(3)
        #expect(delivered == ["0", "1"], "frame 4 waits for frame 3")
        try receive(2)
        #expect(shortcuts.count == 1, "with a frame waiting, frame 3 takes the general path")
        #expect(delivered == ["0", "1", "2", "3"])
        let acknowledgements = received.compactMap {
            if case .send(.heartbeat(let heartbeat), to: a) = $0 { heartbeat.receivedBelow } else { nil }
        }
        #expect(acknowledgements == [3, 5], "every second frame, counting the one that took the general path")
        #expect(receiver.counters.broadcastsReceived == 4)
    }

    @Test func aRemoteJoinCountsForRoutingUntilTheDirectoryReflectsIt() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.linkUp(b, now: at(0), actions: &actions)
        let request = node.request(
            .addSockets(BroadcastOptions(rooms: ["sb"]), rooms: ["new"]), now: at(0), actions: &actions)
        #expect(node.routes(for: ["new"]) == [b], "pending: b may have joined")
        node.receive(
            .ordered(
                OrderedFrame(sequence: 1, vector: [], payload: .response(request, .applied(affected: 1, version: 2)))),
            from: b, now: at(5), actions: &actions)
        #expect(node.routes(for: ["new"]) == [b], "answered, but the join is not in the directory yet")
        node.receive(
            .deltas(
                origin: b,
                [
                    DirectoryDelta(version: 1, change: .join("sb", ["sb"])),
                    DirectoryDelta(version: 2, change: .join("sb", ["new"])),
                ]), from: b, now: at(6), actions: &actions)
        node.receive(
            .deltas(origin: b, [DirectoryDelta(version: 3, change: .leave("sb", ["new"]))]), from: b, now: at(7),
            actions: &actions)
        #expect(node.routes(for: ["new"]).isEmpty, "reflected, then left: no longer routed")
    }

    @Test func aFrameWaitsAtTheCausalGateUntilTheDirectoryCoversIt() {
        var node = MeshInstance(id: a, settings: settings)
        var actions: [MeshAction] = []
        node.join("sa", rooms: ["room"], now: at(0), actions: &actions)
        node.linkUp(b, now: at(0), actions: &actions)
        node.linkUp(c, now: at(0), actions: &actions)
        actions.removeAll()
        // b has seen c's version 1; a has not yet.
        let frame = OrderedFrame(
            sequence: 1, vector: [VectorEntry(origin: c, version: 1)],
            payload: .emit(namespace: "/", ByteBuffer(string: "go")))
        node.receive(.ordered(frame), from: b, now: at(1), actions: &actions)
        #expect(!actions.contains { if case .receiveEmit = $0 { true } else { false } })
        let pulls = sends(actions, to: b, by: &node)
        #expect(
            pulls.contains { if case .digest(_, true) = $0 { true } else { false } },
            "pulls what it lacks")
        actions.removeAll()
        node.receive(
            .deltas(origin: c, [DirectoryDelta(version: 1, change: .join("sc", ["sc"]))]), from: c, now: at(2),
            actions: &actions
        )
        #expect(actions.contains { if case .receiveEmit(_, let from, _) = $0 { from == b } else { false } })
    }

    @Test func aNewerIncarnationReplacesTheOldOneEverywhereItLinks() {
        var node = linkedToB(socket: "old", in: ["old"])
        var actions: [MeshAction] = []
        let restarted = NodeID(name: "b", incarnation: 2)
        node.linkUp(restarted, now: at(10), actions: &actions)
        #expect(!node.directory.knows(b))
        #expect(actions.contains { if case .peerDown(let peer, .restarted) = $0 { peer == b } else { false } })
        #expect(node.livePeers == [restarted])
        actions.removeAll()
        node.linkUp(b, now: at(20), actions: &actions)
        #expect(
            actions.contains { if case .closeLink(let peer) = $0 { peer == b } else { false } },
            "the old one is refused")
    }
}
