import Benchmark
@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter

// Micro-benchmarks of the protocol core's hot paths. Allocation counts are gated by the
// committed thresholds; wall-clock figures are reported, not gated (machines here are noisy).

let packet = ByteBuffer(repeating: 0x61, count: 100)
let origin = NodeID(name: "origin", incarnation: 1)
let peers = (0..<3).map { NodeID(name: "peer\($0)", incarnation: 1) }
let broadcastFrame = MeshMessage.ordered(
    OrderedFrame(
        sequence: 42, vector: [], payload: .broadcast(BroadcastFrame(rooms: ["chat"], except: [], packet: packet))))

/// 1,000 deltas of one origin: 250 sockets joining 3 of 100 rooms, then some leaving.
let originDeltas: [DirectoryDelta] = {
    var directory = MeshDirectory(selfID: origin)
    var deltas: [DirectoryDelta] = []
    for index in 0..<1_000 {
        let socket = SocketID("socket-\(index % 250)")
        let change: DirectoryChange =
            index < 750 ? .join(socket, [Room("room-\(index % 100)")]) : .leave(socket, [Room("room-\(index % 100)")])
        if let delta = directory.applyLocal(change) { deltas.append(delta) }
    }
    return deltas
}()

/// A directory holding 1,000 single-node rooms spread over 5 origins.
let routingDirectory: MeshDirectory = {
    var directory = MeshDirectory(selfID: origin)
    for node in 0..<5 {
        let id = NodeID(name: "n\(node)", incarnation: 1)
        let deltas = (0..<200).map { index in
            DirectoryDelta(
                version: UInt64(index + 1),
                change: .join(SocketID("s\(node)-\(index)"), [Room("room-\(node * 200 + index)")]))
        }
        _ = directory.apply(deltas, from: id)
    }
    return directory
}()

// Names are shell-safe: the threshold files are named after them.
let benchmarks: @Sendable () -> Void = {
    // Each sample runs 1,000 operations after its set-up, so figures are per 1,000 operations.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(1),
        maxIterations: 10_000)

    Benchmark("FrameEncode100B") { benchmark in
        var buffer = ByteBuffer()
        buffer.reserveCapacity(4_096)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            buffer.clear()
            MeshWire.encode(broadcastFrame, into: &buffer)
            blackHole(buffer.readableBytes)
        }
    }

    Benchmark("FrameDecode100B") { benchmark in
        let encoded = MeshWire.encode(broadcastFrame)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var bytes = encoded
            blackHole(try MeshWire.readFrame(from: &bytes, maximumFrameSize: 1 << 20))
        }
    }

    Benchmark("DirectoryApply1000Deltas", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var directory = MeshDirectory(selfID: peers[0])
            blackHole(directory.apply(originDeltas, from: origin))
        }
    }

    Benchmark("DirectoryMerge5Origins", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var empty = MeshDirectory(selfID: peers[0])
            empty.merge(routingDirectory)
            blackHole(empty.internedRoomCount)
        }
    }

    Benchmark("RoutingLookup1000Rooms") { benchmark in
        let rooms: [Set<Room>] = (0..<1_000).map { [Room("room-\($0)")] }
        var index = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(routingDirectory.nodes(withMembersIn: rooms[index]))
            index = (index + 1) % 1_000
        }
    }

    Benchmark("BroadcastFanOut3Peers") { benchmark in
        var instance = MeshInstance(id: origin)
        var actions: [MeshAction] = []
        instance.join("local", rooms: ["chat"], now: .zero, actions: &actions)
        for peer in peers {
            instance.linkUp(peer, now: .zero, actions: &actions)
            instance.receive(
                .deltas(origin: peer, [DirectoryDelta(version: 1, change: .join(SocketID("\(peer.name)-s"), ["chat"]))]),
                from: peer, now: .zero, actions: &actions)
        }
        actions.removeAll(keepingCapacity: true)
        let options = BroadcastOptions(rooms: ["chat"])
        var wire = ByteBuffer()
        wire.reserveCapacity(64 * 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            instance.broadcast(BroadcastPacket(packet), options: options, actions: &actions)
            // As the shell does: each peer's frames copied onto its link's outgoing bytes.
            for action in actions {
                if case .writeOrdered(let peer) = action { instance.takeOrdered(for: peer, into: &wire) }
            }
            blackHole(wire.readableBytes)
            wire.clear()
            actions.removeAll(keepingCapacity: true)
            if instance.unacknowledgedFrames(to: peers[0]) >= 1_024 {
                // Acknowledge, as the peers do every 1,024 frames, to keep the replay log bounded.
                for peer in peers {
                    instance.receive(
                        .heartbeat(Heartbeat(receivedBelow: .max, nextToSend: 1)), from: peer, now: .zero,
                        actions: &actions)
                }
                actions.removeAll(keepingCapacity: true)
            }
        }
    }
}
