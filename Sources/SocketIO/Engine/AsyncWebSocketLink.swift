import NIOConcurrencyHelpers
package import NIOCore
import SocketIOProtocol

/// A websocket owned by a web framework that hands it over as async streams (Hummingbird's,
/// Vapor's): the engine's messages go through a queue that one task writes out, within the
/// client's outbound bound; what the client sends goes to its session.
///
/// Slower than our own NIO websocket (one async write per message), and what a framework
/// integration can do; the standalone server (`SocketIOServer.listen`) uses `WebSocketLink`.
package final class AsyncWebSocketLink: EngineWebSocket, @unchecked Sendable {
    private struct State {
        var connection: EngineConnection?
        var outbox: ClientOutbox
        var closed = false
    }

    package let eventLoop: any EventLoop
    private let state: NIOLockedValueBox<State>
    private let queue: AsyncStream<OutboundMessage>
    private let queueInput: AsyncStream<OutboundMessage>.Continuation
    private let counters: EngineCounters

    package init(eventLoop: any EventLoop, engine: EngineServer) {
        self.eventLoop = eventLoop
        let limits = engine.configuration.outbound
        self.state = NIOLockedValueBox(
            State(outbox: ClientOutbox(limit: limits.limit, hardLimit: limits.hardLimit, grace: limits.grace)))
        (queue, queueInput) = AsyncStream.makeStream(of: OutboundMessage.self)
        self.counters = engine.counters
    }

    package var connection: EngineConnection? {
        get { state.withLockedValue { $0.connection } }
        set { state.withLockedValue { $0.connection = newValue } }
    }

    package func write(_ message: OutboundMessage, frame: ByteBuffer?, volatile: Bool) -> Bool {
        let now = EngineConnection.now
        let outcome = state.withLockedValue { state -> ClientOutbox.Outcome? in
            guard !state.closed else { return nil }
            let outcome = state.outbox.admit(bytes: message.byteCount, volatile: volatile, now: now)
            if outcome == .queued, state.outbox.isTooSlow(now: now) { return .overHardLimit }
            return outcome
        }
        switch outcome {
        case .queued?:
            queueInput.yield(message)
            return true
        case .droppedVolatile?:
            counters.count(\.droppedVolatile)
            return false
        case .overHardLimit?:
            if let connection {
                connection.loop.execute { connection.tooSlow(self) }
            }
            close()
            return false
        case nil:
            return false
        }
    }

    package func close() {
        state.withLockedValue { $0.closed = true }
        queueInput.finish()
    }

    /// Runs the websocket until it or its session ends: `inbound` is what the client sends,
    /// `send` writes one message, `closeSocket` ends the websocket.
    package func run<Inbound: AsyncSequence & Sendable>(
        inbound: Inbound,
        send: @escaping @Sendable (OutboundMessage) async throws -> Void,
        closeSocket: @escaping @Sendable () async -> Void
    ) async where Inbound.Element == WebSocketSession.Message {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await message in queue {
                    do {
                        try await send(message)
                    } catch {
                        break
                    }
                    state.withLockedValue { $0.outbox.wrote(bytes: message.byteCount) }
                }
                await closeSocket()
            }
            group.addTask { [self] in
                var failed = false
                do {
                    for try await message in inbound { deliver(message) }
                } catch {
                    failed = true
                }
                if let connection {
                    let failed = failed
                    connection.loop.execute { connection.closed(self, error: failed) }
                }
                close()
            }
        }
    }

    private func deliver(_ incoming: WebSocketSession.Message) {
        guard let connection else { return }
        let packet: Result<EngineIOPacket, ProtocolError>
        switch incoming {
        case .binary(let bytes):
            packet = .success(.binaryMessage(bytes))
        case .text(let text):
            do throws(ProtocolError) {
                packet = .success(try EngineIOPacket.decode(text: ByteBuffer(string: text)))
            } catch {
                packet = .failure(error)
            }
        }
        connection.loop.execute { WebSocketTransport.deliver(packet, to: connection, from: self) }
    }
}
