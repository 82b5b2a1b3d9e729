import NIOCore
import OrderedCollections
import SocketIOProtocol
import Testing

/// Engine.IO v3 (and Socket.IO's protocol 4 above it) as engine.io's v3 parser and socket.io
/// serve it: polling bodies in both forms, the client's heartbeat, the "/" joined without
/// asking, a namespace's query as its auth.
@Suite struct EngineIOV3Tests {
    private static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
    private static let hello = OutboundMessage.text(ByteBuffer(string: "4héllo😀"))
    private static let blob = OutboundMessage.binary(ByteBuffer(bytes: [1, 2, 3]))

    @Test func textBodiesCountUTF16UnitsAndCarryBinaryInBase64() throws {
        // "4héllo😀": six units, and two for the emoji.
        let body = OutboundMessage.payloadV3([Self.hello, Self.blob], base64: true)
        #expect(!body.isBinary)
        #expect(String(buffer: body.bytes) == "8:4héllo😀6:b4AQID")
        // Without binary messages a client that takes binary still gets text.
        let text = OutboundMessage.payloadV3([Self.hello, OutboundMessage(.noop)], base64: false)
        #expect(String(buffer: text.bytes) == "8:4héllo😀1:6")
        #expect(
            try EngineIOPayload.decodeV3(body.bytes, maximumBytes: 1_000) == [
                .message("héllo😀"), .binaryMessage(ByteBuffer(bytes: [1, 2, 3])),
            ])
    }

    @Test func binaryBodiesHaveAMarkerDigitBytesAndTheTypeByte() throws {
        let body = OutboundMessage.payloadV3(
            [OutboundMessage.text(ByteBuffer(string: "4hi")), Self.blob], base64: false)
        #expect(body.isBinary)
        #expect(Self.bytes(body.bytes) == [0, 3, 0xFF] + Array("4hi".utf8) + [1, 4, 0xFF, 4, 1, 2, 3])
        let long = OutboundMessage.text(ByteBuffer(string: "4" + String(repeating: "x", count: 120)))
        let longBody = OutboundMessage.payloadV3([long, Self.blob], base64: false)
        #expect(Array(Self.bytes(longBody.bytes).prefix(5)) == [0, 1, 2, 1, 0xFF])
        #expect(
            try EngineIOPayload.decodeV3(body.bytes, maximumBytes: 1_000) == [
                .message("hi"), .binaryMessage(ByteBuffer(bytes: [1, 2, 3])),
            ])
        #expect(try EngineIOPayload.decodeV3(longBody.bytes, maximumBytes: 1_000).count == 2)
    }

    @Test func bodiesOutOfTheirFormAreRefused() {
        let invalid: [[UInt8]] = [
            [], Array("x:4hi".utf8), Array(":4hi".utf8), Array("-1:4".utf8), Array("2:4hi".utf8),
            Array("1:😀".utf8), Array("2:b5AQ".utf8), Array("3:b4!".utf8), Array("2:9x".utf8),
            [0, 3, 0xFF, 0x34], [0, 3], [2, 1, 0xFF, 0x34], [0, 10, 0xFF, 0x34], [1, 2, 0xFF, 5, 1], [1, 0, 0xFF],
            [0] + Array(repeating: 9, count: 11) + [0xFF], [0, 2, 0xFF, 0x34, 0xC3],
        ]
        for body in invalid {
            #expect(
                "\(body)", performing: { try EngineIOPayload.decodeV3(ByteBuffer(bytes: body), maximumBytes: 1_000) },
                throws: { $0 is ProtocolError })
        }
        #expect(
            performing: { try EngineIOPayload.decodeV3(ByteBuffer(string: "3:4hi"), maximumBytes: 4) },
            throws: { ($0 as? ProtocolError)?.code == .tooLarge })
    }

    @Test func aBinaryWebsocketMessageStartsWithItsTypeByte() throws {
        #expect(Self.bytes(binaryBytes(Self.blob.v3WebSocketForm)) == [4, 1, 2, 3])
        #expect(
            try EngineIOPacket.decodeV3(binary: ByteBuffer(bytes: [4, 9])) == .binaryMessage(ByteBuffer(bytes: [9])))
        #expect(performing: { try EngineIOPacket.decodeV3(binary: ByteBuffer(bytes: [3, 9])) }, throws: { _ in true })
        #expect(performing: { try EngineIOPacket.decodeV3(binary: ByteBuffer()) }, throws: { _ in true })
    }

    private func binaryBytes(_ message: OutboundMessage) -> ByteBuffer {
        guard case .binary(let bytes) = message else { return ByteBuffer() }
        return bytes
    }

    @Test func theClientPingsTheServerAnswersAndSilenceCloses() {
        let settings = EngineIOSession.Settings(pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200))
        var session = EngineIOSession(id: "s", transport: .polling, settings: settings, now: .zero, version: .v3)
        #expect(session.nextDeadline == .milliseconds(500))
        #expect(session.tick(now: .milliseconds(300)) == [])
        #expect(session.received(.ping(""), on: .polling, now: .milliseconds(400)) == [.send(.pong(""), on: .polling)])
        #expect(session.received(.message("x"), on: .polling, now: .milliseconds(800)) == [.deliver(.message("x"))])
        #expect(session.tick(now: .milliseconds(899)) == [])
        #expect(session.tick(now: .milliseconds(900)) == [.close(.pingTimeout)])

        var wrongWay = EngineIOSession(id: "s", transport: .websocket, settings: settings, now: .zero, version: .v3)
        #expect(wrongWay.received(.pong(""), on: .websocket, now: .milliseconds(10)) == [.close(.transportError)])
    }

    @Test func v3RequestsAreTakenOnlyWhenAllowed() {
        let request = EngineIORequest(method: "GET", query: ["EIO": "3", "transport": "polling"])
        #expect(request.route { _ in nil } == .error(.unsupportedProtocolVersion))
        #expect(request.route(allowEIO3: true) { _ in nil } == .handshake(.polling))
        let other = EngineIORequest(method: "GET", query: ["EIO": "2", "transport": "polling"])
        #expect(other.route(allowEIO3: true) { _ in nil } == .error(.unsupportedProtocolVersion))
    }

    @Test func aV2ClientJoinsTheMainNamespaceWithoutAskingAndAuthsByQuery() {
        var connection = SocketIOConnection(connectTimeout: .seconds(1), now: .zero, version: .v3)
        #expect(connection.start() == [.authorize(namespace: "/", auth: .object([:]))])
        #expect(connection.start() == [])
        #expect(
            connection.accepted(namespace: "/", socketID: "e1") == [.send(SocketIOMessage(kind: .connect))])
        // The CONNECT's own data is not what a v2 client authenticates with: its query is.
        let admin = SocketIOMessage(kind: .connect, namespace: "/admin?token=a%20b&n=1", data: ["ignored": true])
        #expect(
            connection.received(admin) == [
                .authorize(namespace: "/admin", auth: .object(["n": .string("1"), "token": .string("a b")]))
            ])
        #expect(
            connection.accepted(namespace: "/admin", socketID: "/admin#e1") == [
                .send(SocketIOMessage(kind: .connect, namespace: "/admin"))
            ])
        let event = SocketIOMessage(kind: .event, namespace: "/admin?token=a", data: ["hi"])
        #expect(connection.received(event) == [.event(namespace: "/admin", arguments: ["hi"], ackID: nil)])

        // A middleware's refusal: its data alone, or its message; an unknown namespace as in v4.
        _ = connection.received(SocketIOMessage(kind: .connect, namespace: "/a"))
        #expect(
            connection.refused(namespace: "/a", .byMiddleware(message: "no", data: nil)) == [
                .send(SocketIOMessage(kind: .connectError, namespace: "/a", data: "no"))
            ])
        _ = connection.received(SocketIOMessage(kind: .connect, namespace: "/a"))
        #expect(
            connection.refused(namespace: "/a", .byMiddleware(message: "no", data: ["code": 1])) == [
                .send(SocketIOMessage(kind: .connectError, namespace: "/a", data: ["code": 1]))
            ])
        _ = connection.received(SocketIOMessage(kind: .connect, namespace: "/b"))
        #expect(
            connection.refused(namespace: "/b", .unknownNamespace) == [
                .send(SocketIOMessage(kind: .connectError, namespace: "/b", data: ["message": "Invalid namespace"]))
            ])

        var current = SocketIOConnection(connectTimeout: .seconds(1), now: .zero)
        #expect(current.start() == [])
    }
}
