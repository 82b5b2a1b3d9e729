import NIOCore
import SocketIOProtocol
import TestSupport
import Testing

@Suite struct SocketIOPacketTests {
    /// The examples of the Socket.IO v5 specification, in socket.io-parser's encoding.
    static let examples: [(String, SocketIOPacket)] = [
        ("0", SocketIOPacket(kind: .connect)),
        (#"0/admin,{"token":"123"}"#, SocketIOPacket(kind: .connect, namespace: "/admin", data: #"{"token":"123"}"#)),
        (#"0{"sid":"oSO0OpakMV_3jnilAAAA"}"#, SocketIOPacket(kind: .connect, data: #"{"sid":"oSO0OpakMV_3jnilAAAA"}"#)),
        ("1/admin,", SocketIOPacket(kind: .disconnect, namespace: "/admin")),
        (#"2["hello",1]"#, SocketIOPacket(kind: .event, data: #"["hello",1]"#)),
        (
            #"2/admin,456["project:delete",123]"#,
            SocketIOPacket(kind: .event, namespace: "/admin", id: 456, data: #"["project:delete",123]"#)
        ),
        ("3/admin,456[]", SocketIOPacket(kind: .ack, namespace: "/admin", id: 456, data: "[]")),
        (
            #"4{"message":"Not authorized"}"#,
            SocketIOPacket(kind: .connectError, data: #"{"message":"Not authorized"}"#)
        ),
        (
            #"51-["hello",{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(kind: .binaryEvent, attachments: 1, data: #"["hello",{"_placeholder":true,"num":0}]"#)
        ),
        (
            #"61-/admin,456[{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(
                kind: .binaryAck, namespace: "/admin", id: 456, attachments: 1,
                data: #"[{"_placeholder":true,"num":0}]"#)
        ),
        (#"2/é,7["x"]"#, SocketIOPacket(kind: .event, namespace: "/é", id: 7, data: #"["x"]"#)),
    ]

    @Test func theSpecificationsExamplesDecodeAndEncodeBack() throws {
        for (wire, expected) in Self.examples {
            #expect(try SocketIOPacket.decode(wire) == expected, "\(wire)")
            #expect(expected.encode() == wire)
        }
        // A namespace with nothing after it, as some clients write it.
        #expect(try SocketIOPacket.decode("1/admin") == SocketIOPacket(kind: .disconnect, namespace: "/admin"))
    }

    @Test func headersOutOfTheirFormAreRefusedWithTheirCode() throws {
        let cases: [(String, ProtocolError.Code)] = [
            ("", .empty), ("7", .unknownType), ("a", .unknownType),
            (#"5["x"]"#, .invalidHeader),  // binary without its count
            (#"51["x"]"#, .invalidHeader),  // count without its dash
            (#"51001-["x"]"#, .invalidHeader),  // over the attachment limit
            (#"29007199254740993["x"]"#, .invalidHeader),  // ack id past 2^53
            (#"2999999999999999999999999["x"]"#, .invalidHeader),
        ]
        for (wire, code) in cases {
            #expect(performing: { try SocketIOPacket.decode(wire) }, throws: { ($0 as? ProtocolError)?.code == code })
        }
        #expect(try SocketIOPacket.decode("52-[]", limits: .init(maximumAttachments: 2)).attachments == 2)
    }

    /// Every prefix of every example, and thousands of seeded corruptions, decode or throw a
    /// `ProtocolError`: nothing a client sends can trap the parser.
    @Test func truncationsAndCorruptionsNeverTrap() throws {
        var outcomes = (decoded: 0, refused: 0)
        func attempt(_ bytes: [UInt8]) {
            let text = String(decoding: bytes, as: UTF8.self)
            if (try? SocketIOPacket.decode(text)) != nil { outcomes.decoded += 1 } else { outcomes.refused += 1 }
            if (try? EngineIOPacket.decode(text: ByteBuffer(bytes: bytes))) != nil {
                outcomes.decoded += 1
            } else {
                outcomes.refused += 1
            }
            _ = try? EngineIOPayload.decode(ByteBuffer(bytes: bytes), maximumBytes: 1 << 20)
        }
        let alphabet = Array("0123456789-/,[]{}\"b\u{1e}=+ é".utf8)
        var random = SeededGenerator(seed: 0x5eed_0001)
        for (wire, _) in Self.examples {
            let bytes = Array(wire.utf8)
            for end in 0...bytes.count { attempt(Array(bytes[..<end])) }
            for _ in 0..<1_000 {
                var corrupted = bytes
                for _ in 0...Int.random(in: 0..<4, using: &random) {
                    let position = Int.random(in: 0..<corrupted.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: corrupted[position] = alphabet.randomElement(using: &random)!
                    case 1: corrupted[position] = UInt8.random(in: 0...255, using: &random)
                    default: corrupted.insert(alphabet.randomElement(using: &random)!, at: position)
                    }
                }
                attempt(corrupted)
            }
        }
        // Both outcomes occurred: the corruptions reached the checks, not only the happy path.
        #expect(outcomes.decoded > 1_000 && outcomes.refused > 1_000, "\(outcomes)")
    }
}
