import NIOCore
import NIOWebSocket
import Testing

@testable import SocketIO

@Suite struct WebSocketFrameReaderTests {
    private func read(_ bytes: ByteBuffer, limit: Int = 1 << 20) throws(WebSocketFrameReader.Failure)
        -> WebSocketFrameReader.Frame?
    {
        var bytes = bytes
        return try WebSocketFrameReader.read(from: &bytes, maximumPayload: limit)
    }

    @Test(arguments: [0, 5, 125, 126, 65_535, 65_536, 200_000])
    func aMaskedFrameOfAnyLengthIsReadAndUnmasked(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var bytes = TestWebSocket.maskedFrame(opcode: 0x2, payload)
        let frame = try #require(try WebSocketFrameReader.read(from: &bytes, maximumPayload: 1 << 20))
        #expect(frame.fin && frame.opcode == .binary)
        #expect(Array(frame.payload.readableBytesView) == payload)
        #expect(bytes.readableBytes == 0)
    }

    @Test func aFrameCutAnywhereWaitsForTheRestAndLeavesTheBytes() throws {
        let whole = TestWebSocket.maskedFrame(opcode: 0x1, Array(repeating: 0x61, count: 300))
        for cut in 0..<whole.readableBytes {
            var part = whole.getSlice(at: whole.readerIndex, length: cut)!
            #expect(try WebSocketFrameReader.read(from: &part, maximumPayload: 1 << 20) == nil)
            #expect(part.readableBytes == cut)
        }
    }

    @Test func framesBackToBackAreReadInOrder() throws {
        var bytes = TestWebSocket.maskedFrame(opcode: 0x1, Array("4hel".utf8), fin: false)
        var second = TestWebSocket.maskedFrame(opcode: 0x0, Array("lo".utf8))
        var third = TestWebSocket.maskedFrame(opcode: 0x9, [1, 2])
        bytes.writeBuffer(&second)
        bytes.writeBuffer(&third)
        var frames: [WebSocketFrameReader.Frame] = []
        while let frame = try WebSocketFrameReader.read(from: &bytes, maximumPayload: 100) { frames.append(frame) }
        #expect(frames.map(\.opcode) == [.text, .continuation, .ping])
        #expect(frames.map(\.fin) == [false, true, true])
        #expect(frames.map { String(buffer: $0.payload) } == ["4hel", "lo", "\u{1}\u{2}"])
    }

    @Test func anUnmaskedFrameIsAProtocolError() {
        var frame = ByteBuffer(bytes: [0x81, 0x02])
        frame.writeString("hi")
        #expect(throws: WebSocketFrameReader.Failure.protocolError) { try read(frame) }
    }

    @Test(arguments: [UInt8(0x40), 0x20, 0x10])
    func reservedBitsAreAProtocolError(bit: UInt8) {
        var frame = TestWebSocket.maskedFrame(opcode: 0x1, Array("4x".utf8))
        frame.setInteger(frame.getInteger(at: 0, as: UInt8.self)! | bit, at: 0)
        #expect(throws: WebSocketFrameReader.Failure.protocolError) { try read(frame) }
    }

    @Test(arguments: [UInt8(0x3), 0x7, 0xB, 0xF])
    func reservedOpcodesAreAProtocolError(opcode: UInt8) {
        #expect(throws: WebSocketFrameReader.Failure.protocolError) {
            try read(TestWebSocket.maskedFrame(opcode: opcode, [1]))
        }
    }

    @Test func aFragmentedOrLongControlFrameIsAProtocolError() {
        #expect(throws: WebSocketFrameReader.Failure.protocolError) {
            try read(TestWebSocket.maskedFrame(opcode: 0x9, [1], fin: false))
        }
        #expect(throws: WebSocketFrameReader.Failure.protocolError) {
            try read(TestWebSocket.maskedFrame(opcode: 0x8, Array(repeating: 0, count: 126)))
        }
    }

    @Test func aFrameOverTheLimitFailsOnItsHeaderAlone() {
        let frame = TestWebSocket.maskedFrame(opcode: 0x2, Array(repeating: 7, count: 1_001))
        let header = frame.getSlice(at: 0, length: 4)!  // first byte, 126, 16-bit length
        #expect(throws: WebSocketFrameReader.Failure.tooLarge) { try read(header, limit: 1_000) }
        #expect(throws: Never.self) { try read(TestWebSocket.maskedFrame(opcode: 0x2, [7]), limit: 1_000) }
    }

    @Test func aLengthWithItsTopBitSetIsTooLarge() {
        var frame = ByteBuffer(bytes: [0x82, 0x80 | 127])
        frame.writeInteger(UInt64(1) << 63)
        #expect(throws: WebSocketFrameReader.Failure.tooLarge) { try read(frame) }
    }
}
