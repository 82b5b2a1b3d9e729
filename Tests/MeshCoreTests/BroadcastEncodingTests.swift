import NIOCore
import RealtimeAdapter
import Testing

@testable import MeshCore

/// Broadcast frames take a dedicated encoder: it must write exactly what the general one does.
@Suite struct BroadcastEncodingTests {
    static let frames: [BroadcastFrame] = [
        BroadcastFrame(rooms: ["chat"], except: [], packet: ByteBuffer(string: "hello")),
        BroadcastFrame(rooms: [], except: [], packet: ByteBuffer()),
        BroadcastFrame(
            rooms: ["a", "ü-room", "a-much-longer-room-name-than-fits-inline"], except: ["x", "y"],
            packet: ByteBuffer(repeating: 0x41, count: 1_024)),
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
}
