@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter
import TestSupport
import Testing

@Suite struct WireFormatTests {
    static let node = NodeID(name: "node-a", incarnation: 1_732_000_000_123)
    static let packet = ByteBuffer(string: "42[\"chat\",\"hello\"]")

    /// One of every message, payload, request and response kind.
    static let samples: [MeshMessage] = {
        let options = BroadcastOptions(rooms: ["r1", "r2"], except: ["muted"], flags: .init(volatile: true))
        let frame = BroadcastFrame(rooms: ["r1"], except: ["x"], packet: packet)
        let binary = BroadcastFrame(
            namespace: "/chat", rooms: [], except: [], number: 12, compress: true,
            packet: BroadcastPacket(packet, attachments: [ByteBuffer(bytes: [0, 1, 2]), ByteBuffer()]))
        var vector = VersionVector()
        vector[node] = 9
        vector[NodeID(name: "b", incarnation: 2)] = 3
        let payloads: [OrderedPayload] = [
            .broadcast(frame),
            .broadcast(binary),
            .emit(namespace: "/", packet),
            .emit(namespace: "/admin", packet),
            .request(1, namespace: "/", .fetchSockets(options)),
            .request(2, namespace: "/", .addSockets(options, rooms: ["joined"])),
            .request(3, namespace: "/", .delSockets(BroadcastOptions(), rooms: ["left"])),
            .request(4, namespace: "/", .disconnectSockets(options, closeTransport: true)),
            .request(5, namespace: "/", .serverSideEmit(packet)),
            .request(
                6, namespace: "/chat",
                .broadcastWithAck(options, packet: BroadcastPacket(packet), timeoutMilliseconds: 2_500)),
            .response(
                7,
                .sockets([
                    SocketRecord(socket: "s1", rooms: ["s1", "r"], details: packet),
                    SocketRecord(socket: "s2", rooms: [], details: nil),
                ])),
            .response(8, .applied(affected: 3, version: 77)),
            .response(9, .emitReply(packet)),
            .response(10, .emitReply(nil)),
            .response(11, .acks(expected: 2, [AckRecord(socket: "s1", response: packet)])),
        ]
        return [
            .deltas(
                origin: node,
                [
                    DirectoryDelta(version: 1, change: .join("s1", ["s1", "room"])),
                    DirectoryDelta(version: 2, namespace: "/chat", change: .leave("s1", ["room"])),
                    DirectoryDelta(version: 3, change: .remove("s1")),
                ]),
            .snapshot(
                origin: node, version: 12, part: 2, last: true,
                [
                    SnapshotEntry(socket: "s", rooms: ["a", "ü-room"]),
                    SnapshotEntry(namespace: "/chat", socket: "s", rooms: ["a"]),
                ]),
            .digest(vector, isReply: true),
            .digest(VersionVector(), isReply: false),
            .heartbeat(Heartbeat(receivedBelow: 10, nextToSend: 20)),
            .members([MemberRecord(node: node, address: "127.0.0.1:7001")]),
            .probe(target: node, nonce: 5),
            .probeReply(target: node, nonce: 5, alive: true),
            .leaving,
            .resume(next: 33),
            .skip(next: 44),
            .volatileBroadcast(frame),
        ]
            + payloads.enumerated().map { index, payload in
                .ordered(
                    OrderedFrame(
                        sequence: UInt64(index + 1),
                        vector: index % 2 == 0 ? [VectorEntry(origin: node, version: 4)] : [],
                        payload: payload))
            }
    }()

    @Test func everyMessageRoundTrips() throws {
        for message in Self.samples {
            var buffer = MeshWire.encode(message)
            let decoded = try MeshWire.readFrame(from: &buffer, maximumFrameSize: 1 << 20)
            #expect(decoded == message)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func framesAreReadOnlyWhenComplete() throws {
        var stream = ByteBuffer()
        for message in Self.samples { MeshWire.encode(message, into: &stream) }
        // Feed the stream a few bytes at a time, as a socket would.
        var pending = ByteBuffer()
        var decoded: [MeshMessage] = []
        while stream.readableBytes > 0 {
            var chunk = stream.readSlice(length: min(7, stream.readableBytes))!
            pending.writeBuffer(&chunk)
            while let message = try MeshWire.readFrame(from: &pending, maximumFrameSize: 1 << 20) {
                decoded.append(message)
            }
        }
        #expect(decoded == Self.samples)
    }

    @Test func aFrameOverTheMaximumIsRefusedFromItsLengthAlone() {
        var header = ByteBuffer()
        header.writeInteger(UInt32(5_000_000))
        header.writeInteger(UInt8(1))
        #expect(throws: MeshWireError(.frameTooLarge, "5000000 > 65536")) {
            _ = try MeshWire.readFrame(from: &header, maximumFrameSize: 65_536)
        }
    }

    @Test func everyTruncationIsATypedError() {
        var checked = 0
        for message in Self.samples {
            let full = MeshWire.encode(message)
            // The body without its length prefix, cut at every length short of complete.
            let body = full.getSlice(at: 4, length: full.readableBytes - 4)!
            for length in 0..<body.readableBytes {
                var truncated = body.getSlice(at: body.readerIndex, length: length)!
                #expect(throws: MeshWireError.self) { _ = try MeshWire.decode(frame: &truncated) }
                checked += 1
            }
        }
        #expect(checked > 1_000)
    }

    @Test func unknownTypesVersionsAndTrailingBytesAreTypedErrors() {
        var unknown = ByteBuffer(bytes: [200, MeshWire.version])
        #expect(throws: MeshWireError.self) { _ = try MeshWire.decode(frame: &unknown) }
        var version = ByteBuffer(bytes: [8, 99])
        #expect(throws: MeshWireError.self) { _ = try MeshWire.decode(frame: &version) }
        var trailing = ByteBuffer(bytes: [8, MeshWire.version, 0])
        #expect(throws: MeshWireError.self) { _ = try MeshWire.decode(frame: &trailing) }
        var hugeCount = ByteBuffer(bytes: [5, MeshWire.version, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: MeshWireError.self) { _ = try MeshWire.decode(frame: &hugeCount) }
        var badUTF8 = ByteBuffer(bytes: [6, MeshWire.version, 0, 2, 0xC3, 0x28] + Array(repeating: 0, count: 16))
        #expect(throws: MeshWireError.self) { _ = try MeshWire.decode(frame: &badUTF8) }
    }

    /// Random corruption of valid frames never traps. Each corrupted frame either fails with a
    /// typed error or, when the corruption happens to spell another valid frame (a flipped byte
    /// inside a packet, say), decodes to a well-formed message: one that survives its own round
    /// trip. (Room sets may be re-encoded in another order, so bytes are not compared.)
    @Test func randomCorruptionsAreTypedErrorsOrExactlyAnotherValidFrame() {
        var random = SeededGenerator(seed: 2026)
        var errors = 0
        var valid = 0
        for round in 0..<20_000 {
            let message = Self.samples[round % Self.samples.count]
            let full = MeshWire.encode(message)
            var bytes = Array(full.readableBytesView.dropFirst(4))
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0...2, using: &random) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &random)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
                }
            }
            var frame = ByteBuffer(bytes: bytes)
            do {
                let decoded = try MeshWire.decode(frame: &frame)
                var reencoded = MeshWire.encode(decoded)
                #expect(try MeshWire.readFrame(from: &reencoded, maximumFrameSize: 1 << 20) == decoded)
                valid += 1
            } catch {
                errors += 1
            }
        }
        #expect(errors > 10_000, "most corruptions break the structure")
        #expect(errors + valid == 20_000)
    }
}
