import NIOCore
import RealtimeAdapter
import TestSupport
import Testing

@_spi(MeshInternals) @testable import MeshCore

/// Broadcast frames take a dedicated encoder and decoder: they must agree exactly with the
/// general ones, on valid frames and on damaged ones.
@Suite struct BroadcastEncodingTests {
    static let frames: [BroadcastFrame] = [
        BroadcastFrame(rooms: ["chat"], except: [], packet: ByteBuffer(string: "hello")),
        BroadcastFrame(rooms: [], except: [], packet: ByteBuffer()),
        BroadcastFrame(
            rooms: ["a", "ü-room", "a-much-longer-room-name-than-fits-inline"], except: ["x", "y"],
            packet: ByteBuffer(repeating: 0x41, count: 1_024)),
        BroadcastFrame(namespace: "/chat", rooms: ["lobby"], except: [], number: 78, packet: ByteBuffer(string: "x")),
        BroadcastFrame(
            namespace: "/chat", rooms: ["lobby"], except: [], number: 77, compress: true,
            packet: BroadcastPacket(ByteBuffer(string: "51-[\"e\",{}]"), attachments: [ByteBuffer(bytes: [1, 2, 3])])),
    ]

    @Test(arguments: frames)
    func theBroadcastEncoderWritesWhatTheGeneralOneWrites(frame: BroadcastFrame) throws {
        let message = MeshMessage.ordered(OrderedFrame(sequence: 12_345, vector: [], payload: .broadcast(frame)))
        var general = ByteBuffer()
        MeshWire.encodeInGeneral(message, into: &general)
        var dedicated = ByteBuffer(string: "prefix")
        dedicated.moveReaderIndex(forwardBy: 6)
        MeshWire.encodeOrderedBroadcast(sequence: 12_345, frame, into: &dedicated)
        #expect(dedicated == general)
        #expect(try MeshWire.readFrame(from: &dedicated, maximumFrameSize: 1 << 20) == message)
    }

    /// A broadcast is encoded for each peer straight from the application's options, with the
    /// vector changes the peer has not been told (rarely any) or none.
    @Test(arguments: frames, [[], [VectorEntry(origin: NodeID(name: "o", incarnation: 3), version: 9)]])
    func aBroadcastFromOptionsEncodesAsItsFrame(frame: BroadcastFrame, vector: [VectorEntry]) throws {
        let options = frame.options
        let message = MeshMessage.ordered(
            OrderedFrame(
                sequence: 99, vector: vector,
                payload: .broadcast(
                    BroadcastFrame(
                        namespace: frame.namespace, options: options, number: frame.number, packet: frame.packet))))
        var general = ByteBuffer()
        MeshWire.encodeInGeneral(message, into: &general)
        var direct = ByteBuffer()
        MeshWire.encodeOrderedBroadcast(
            sequence: 99, vector: vector, namespace: frame.namespace, number: frame.number, options: options,
            packet: frame.packet, into: &direct)
        #expect(direct == general)
        #expect(try MeshWire.readFrame(from: &direct, maximumFrameSize: 1 << 20) == message)
    }

    @Test(arguments: frames)
    func theBroadcastDecoderReadsWhatTheGeneralOneReads(frame: BroadcastFrame) throws {
        let message = MeshMessage.ordered(OrderedFrame(sequence: 7, vector: [], payload: .broadcast(frame)))
        var body = MeshWire.encode(message)
        body.moveReaderIndex(forwardBy: 4)
        guard frame.packet.attachments.isEmpty else {
            #expect(MeshWire.readOrderedBroadcast(body) == nil, "a packet with attachments takes the general path")
            var general = body
            #expect(try MeshWire.decodeInGeneral(frame: &general) == message)
            return
        }
        #expect(MeshWire.decodeOrderedBroadcast(body) == message)
        let oneRoom = frame.rooms.count == 1 && frame.except.isEmpty
        if case .room(let room) = MeshWire.readOrderedBroadcast(body)?.target {
            #expect(oneRoom && [room] == frame.rooms)
        } else {
            #expect(!oneRoom, "one room and no exclusion is read without a list")
        }
        var general = body
        #expect(try MeshWire.decodeInGeneral(frame: &general) == message)
    }

    /// Damaged broadcast frames: the dedicated decoder gives up (nil) or reads exactly what the
    /// general decoder reads from the same bytes; it never accepts what the general one refuses.
    @Test func onDamagedFramesTheBroadcastDecoderNeverDisagrees() throws {
        // Seeded, so that a failure replays.
        var generator = SeededGenerator(seed: 0xB40A_DCA5)
        var accepted = 0
        for frame in Self.frames {
            var body = MeshWire.encode(
                .ordered(OrderedFrame(sequence: 7, vector: [], payload: .broadcast(frame))))
            body.moveReaderIndex(forwardBy: 4)
            for _ in 0..<3_000 {
                var damaged = body
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let at = damaged.readerIndex + Int.random(in: 0..<damaged.readableBytes, using: &generator)
                    damaged.setInteger(UInt8.random(in: 0...255, using: &generator), at: at)
                }
                if Bool.random(using: &generator) {
                    damaged = damaged.getSlice(
                        at: damaged.readerIndex, length: Int.random(in: 0...damaged.readableBytes, using: &generator))!
                }
                var general = damaged
                let expected = try? MeshWire.decodeInGeneral(frame: &general)
                guard let fast = MeshWire.decodeOrderedBroadcast(damaged) else { continue }
                accepted += 1
                #expect(fast == expected)
            }
        }
        #expect(accepted > 0, "some damage (in the packet bytes) leaves a valid frame")
    }
}
