import NIOCore
import SocketIOProtocol
import Testing

@Suite struct EngineIOPacketTests {
    private func packet(_ text: String) throws(ProtocolError) -> EngineIOPacket {
        try EngineIOPacket.decode(text: ByteBuffer(string: text))
    }

    private func text(_ packet: EngineIOPacket) -> String {
        var buffer = ByteBuffer()
        packet.encodeText(into: &buffer)
        return String(buffer: buffer)
    }

    @Test func everyTypeDecodesFromItsDigitAndEncodesBack() throws {
        let cases: [(String, EngineIOPacket)] = [
            (
                #"0{"sid":"abc","upgrades":["websocket"],"pingInterval":300}"#,
                .open(#"{"sid":"abc","upgrades":["websocket"],"pingInterval":300}"#)
            ),
            ("1", .close), ("2", .ping("")), ("2probe", .ping("probe")), ("3probe", .pong("probe")),
            ("4hello €", .message("hello €")), ("4", .message("")), ("5", .upgrade), ("6", .noop),
        ]
        for (wire, expected) in cases {
            #expect(try packet(wire) == expected, "\(wire)")
            #expect(text(expected) == wire)
        }
    }

    @Test func unknownTypesEmptyFramesAndBrokenTextAreRefused() {
        #expect(throws: ProtocolError(.empty, "no packet type")) { try packet("") }
        for wire in ["7", "9x", "x", "/", " 4"] {
            #expect(performing: { try packet(wire) }, throws: { ($0 as? ProtocolError)?.code == .unknownType })
        }
        var invalid = ByteBuffer(string: "4")
        invalid.writeBytes([0xC3, 0x28])
        #expect(
            performing: { try EngineIOPacket.decode(text: invalid) },
            throws: {
                ($0 as? ProtocolError)?.code == .invalidText
            })
    }
}

@Suite struct EngineIOPayloadTests {
    @Test func packetsAreSplitOnTheRecordSeparatorWithBinaryInBase64() throws {
        let body = ByteBuffer(string: "4hello\u{1e}2\u{1e}bAQIDBA==\u{1e}4")
        let packets = try EngineIOPayload.decode(body, maximumBytes: 1_000)
        #expect(
            packets == [.message("hello"), .ping(""), .binaryMessage(ByteBuffer(bytes: [1, 2, 3, 4])), .message("")])
        var encoded = ByteBuffer()
        EngineIOPayload.encode(packets, into: &encoded)
        #expect(encoded == body)
    }

    @Test func aBodyOverTheLimitOrWithBadBase64IsRefusedWhole() {
        let body = ByteBuffer(string: "4" + String(repeating: "x", count: 100))
        #expect(
            performing: { try EngineIOPayload.decode(body, maximumBytes: 100) },
            throws: {
                ($0 as? ProtocolError)?.code == .tooLarge
            })
        #expect(
            performing: { try EngineIOPayload.decode(ByteBuffer(string: "4a\u{1e}b!!!"), maximumBytes: 100) },
            throws: {
                ($0 as? ProtocolError)?.code == .invalidBase64
            })
        #expect(
            performing: { try EngineIOPayload.decode(ByteBuffer(), maximumBytes: 100) },
            throws: {
                ($0 as? ProtocolError)?.code == .empty
            })
        #expect(
            performing: { try EngineIOPayload.decode(ByteBuffer(string: "4a\u{1e}"), maximumBytes: 100) },
            throws: {
                ($0 as? ProtocolError)?.code == .empty
            })
    }
}
