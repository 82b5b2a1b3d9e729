import NIOCore
import OrderedCollections
import SocketIOProtocol
import Testing

@Suite struct SocketIODecoderTests {
    @Test func textPacketsDecodeWithTheirDataAndBinaryOnesWaitForTheirAttachments() throws {
        var decoder = SocketIODecoder()
        #expect(
            try decoder.receive(text: #"2/chat,12["message",1]"#)
                == SocketIOMessage(
                    kind: .event, namespace: "/chat", id: 12, data: .array([.string("message"), .number(1)])))
        #expect(
            try decoder.receive(text: #"0{"token":"abc"}"#)
                == SocketIOMessage(kind: .connect, data: .object(["token": .string("abc")])))
        #expect(
            try decoder.receive(text: #"52-["up",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#) == nil)
        #expect(decoder.isAwaitingAttachments)
        #expect(try decoder.receive(binary: ByteBuffer(bytes: [1])) == nil)
        let message = try decoder.receive(binary: ByteBuffer(bytes: [2]))
        #expect(
            message
                == SocketIOMessage(
                    kind: .event,
                    data: .array([.string("up"), .binary(ByteBuffer(bytes: [2])), .binary(ByteBuffer(bytes: [1]))])))
        #expect(!decoder.isAwaitingAttachments)
    }

    @Test func whatIsOutOfOrderOrOfTheWrongShapeIsRefused() throws {
        let refusals: [(String, ProtocolError.Code)] = [
            ("2", .invalidPayload),  // an event without arguments
            ("2[]", .invalidPayload),  // without a name
            ("2[1]", .invalidPayload),  // a name that is not a string
            ("3[]", .invalidPayload),  // an ack without an id
            ("31{}", .invalidPayload),  // ack data that is not a list
            ("0[]", .invalidPayload),  // connect auth that is not an object
            ("1{}", .invalidPayload),  // disconnect with data
            ("4[]", .invalidPayload),  // connect error that is neither
            (#"2["a",]"#, .invalidJSON),
        ]
        for (text, code) in refusals {
            var decoder = SocketIODecoder()
            #expect(performing: { try decoder.receive(text: text) }, throws: { ($0 as? ProtocolError)?.code == code })
        }
        var decoder = SocketIODecoder()
        #expect(
            performing: { try decoder.receive(binary: ByteBuffer(bytes: [1])) },
            throws: {
                ($0 as? ProtocolError)?.code == .invalidAttachments
            })
        _ = try decoder.receive(text: #"51-["a",{"_placeholder":true,"num":0}]"#)
        #expect(
            performing: { try decoder.receive(text: #"2["b"]"#) },
            throws: {
                ($0 as? ProtocolError)?.code == .invalidAttachments
            })
        var unnamed = SocketIODecoder()
        _ = try unnamed.receive(text: #"52-["a",{"_placeholder":true,"num":0}]"#)
        _ = try unnamed.receive(binary: ByteBuffer(bytes: [1]))
        #expect(
            performing: { try unnamed.receive(binary: ByteBuffer(bytes: [2])) },
            throws: {
                ($0 as? ProtocolError)?.code == .invalidAttachments
            })
    }

    @Test func theEncoderWritesWhatTheDecoderReads() throws {
        let messages = [
            SocketIOMessage(kind: .event, data: .array([.string("hi"), .object(["n": .number(1)])])),
            SocketIOMessage(
                kind: .event, namespace: "/x", id: 3,
                data: .array([.string("file"), .binary(ByteBuffer(bytes: [7, 8]))])),
            SocketIOMessage(kind: .ack, namespace: "/x", id: 4, data: .array([.binary(ByteBuffer(bytes: [9]))])),
            SocketIOMessage(kind: .ack, id: 5, data: .array([])),
            SocketIOMessage(kind: .connect, namespace: "/admin", data: .object(["sid": .string("abc")])),
            SocketIOMessage(kind: .connectError, data: .object(["message": .string("Invalid namespace")])),
            SocketIOMessage(kind: .disconnect, namespace: "/admin"),
        ]
        for message in messages {
            var decoder = SocketIODecoder()
            let (text, attachments) = SocketIOEncoder.encode(message)
            var decoded = try decoder.receive(text: text)
            for attachment in attachments { decoded = try decoder.receive(binary: attachment) }
            #expect(decoded == message, "\(text)")
        }
        #expect(SocketIOEncoder.encode(messages[1]).text == #"51-/x,3["file",{"_placeholder":true,"num":0}]"#)
    }
}
