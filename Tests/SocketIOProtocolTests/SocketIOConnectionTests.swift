import OrderedCollections
import SocketIOProtocol
import Testing

@Suite struct SocketIOConnectionTests {
    private func event(_ arguments: [SocketValue], in namespace: String = "/", id: UInt64? = nil) -> SocketIOMessage {
        SocketIOMessage(kind: .event, namespace: namespace, id: id, data: .array(arguments))
    }

    @Test func aNamespaceIsJoinedOnlyWhenTheApplicationAcceptsIt() {
        var connection = SocketIOConnection(connectTimeout: .seconds(1), now: .zero)
        let auth = SocketValue.object(["token": .string("t")])
        #expect(
            connection.received(SocketIOMessage(kind: .connect, data: auth)) == [.authorize(namespace: "/", auth: auth)]
        )
        // Events before the answer are dropped, as socket.io drops them.
        #expect(connection.received(event([.string("early")])) == [])
        #expect(
            connection.accepted(namespace: "/", socketID: "abc") == [
                .send(SocketIOMessage(kind: .connect, data: .object(["sid": .string("abc")])))
            ])
        #expect(
            connection.received(event([.string("hi"), .number(1)], id: 7)) == [
                .event(namespace: "/", arguments: [.string("hi"), .number(1)], ackID: 7)
            ])
        #expect(connection.received(event([.string("hi")], in: "/other")) == [])
    }

    @Test func aRefusedNamespaceGetsItsErrorAndCanBeAskedAgain() {
        var connection = SocketIOConnection(connectTimeout: .seconds(1), now: .zero)
        _ = connection.received(SocketIOMessage(kind: .connect, namespace: "/admin"))
        let refusal = SocketValue.object(["message": .string("Invalid namespace")])
        #expect(
            connection.refused(namespace: "/admin", .unknownNamespace) == [
                .send(SocketIOMessage(kind: .connectError, namespace: "/admin", data: refusal))
            ])
        #expect(!connection.isJoined("/admin"))
        #expect(connection.accepted(namespace: "/admin", socketID: "late") == [])
        #expect(connection.received(SocketIOMessage(kind: .connect, namespace: "/admin")).count == 1)
    }

    @Test func aClientThatJoinsNothingInTimeIsClosedButLeavingTheLastNamespaceIsNot() {
        var idle = SocketIOConnection(connectTimeout: .milliseconds(1_000), now: .zero)
        #expect(idle.nextDeadline == .milliseconds(1_000))
        #expect(idle.tick(now: .milliseconds(999)) == [])
        #expect(idle.tick(now: .milliseconds(1_000)) == [.close(.connectTimeout)])
        #expect(idle.received(SocketIOMessage(kind: .connect)) == [])

        var joined = SocketIOConnection(connectTimeout: .milliseconds(1_000), now: .zero)
        _ = joined.received(SocketIOMessage(kind: .connect, namespace: "/custom"))
        _ = joined.accepted(namespace: "/custom", socketID: "s")
        #expect(
            joined.received(SocketIOMessage(kind: .disconnect, namespace: "/custom")) == [.left(namespace: "/custom")])
        #expect(joined.tick(now: .seconds(5)) == [])
        #expect(joined.received(SocketIOMessage(kind: .connect)).count == 1)
    }

    @Test func theServersAcksAreMatchedByIdAndExpire() {
        var connection = SocketIOConnection(connectTimeout: .seconds(1), now: .zero)
        _ = connection.received(SocketIOMessage(kind: .connect))
        _ = connection.accepted(namespace: "/", socketID: "s")
        let first = connection.awaitAck(namespace: "/", deadline: .milliseconds(100))
        let second = connection.awaitAck(namespace: "/", deadline: .milliseconds(200))
        #expect(first != second)
        let answer = SocketIOMessage(kind: .ack, id: second, data: .array([.string("ok")]))
        #expect(connection.received(answer) == [.acknowledged(namespace: "/", id: second, arguments: [.string("ok")])])
        #expect(connection.received(answer) == [])  // answered once only
        #expect(connection.nextDeadline == .milliseconds(100))
        #expect(connection.tick(now: .milliseconds(150)) == [.ackTimedOut(namespace: "/", id: first)])
        #expect(connection.received(SocketIOMessage(kind: .ack, id: first, data: .array([]))) == [])
        let orphan = connection.awaitAck(namespace: "/", deadline: .seconds(10))
        #expect(
            connection.disconnect(namespace: "/") == [
                .send(SocketIOMessage(kind: .disconnect)), .ackTimedOut(namespace: "/", id: orphan),
                .left(namespace: "/"),
            ])
    }

    @Test func aClientSendingAConnectErrorIsClosed() {
        var connection = SocketIOConnection(connectTimeout: .seconds(1), now: .zero)
        #expect(
            connection.received(SocketIOMessage(kind: .connectError, data: .string("x"))) == [
                .close(.protocolViolation)
            ])
        #expect(connection.tick(now: .seconds(2)) == [])
    }
}
