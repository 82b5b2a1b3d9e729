import MeshAdapter
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback TCP proxy that can stall (hold every byte) and reset (drop every connection), to
/// break a mesh link the way a network does.
final class TCPProxy: Sendable {
    private struct State {
        var target: MeshAddress?
        var channels: [any Channel] = []
        var stalled = false
    }

    private let state = NIOLockedValueBox(State())
    private let server: any Channel
    let address: MeshAddress

    init() async throws {
        let state = self.state
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                guard let target = state.withLockedValue({ $0.target }) else {
                    return inbound.eventLoop.makeFailedFuture(ProcessError("proxy has no target"))
                }
                state.withLockedValue { $0.channels.append(inbound) }
                // Bytes from the client wait in the forwarder until the target is connected.
                let toTarget = Forwarder(state: state, peer: nil)
                let attach = NIOLoopBound(toTarget, eventLoop: inbound.eventLoop)
                do {
                    try inbound.pipeline.syncOperations.addHandler(toTarget)
                } catch {
                    return inbound.eventLoop.makeFailedFuture(error)
                }
                ClientBootstrap(group: inbound.eventLoop)
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture {
                            try outbound.pipeline.syncOperations.addHandler(Forwarder(state: state, peer: inbound))
                        }
                    }
                    .connect(host: target.host, port: target.port)
                    .whenComplete { result in
                        switch result {
                        case .success(let outbound):
                            state.withLockedValue { $0.channels.append(outbound) }
                            attach.value.attach(outbound)
                        case .failure:
                            inbound.close(promise: nil)
                        }
                    }
                return inbound.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        address = MeshAddress(host: "127.0.0.1", port: server.localAddress?.port ?? 0)
    }

    func forward(to target: MeshAddress) { state.withLockedValue { $0.target = target } }

    /// Holds every byte until `resume` or `reset`.
    func stall() { state.withLockedValue { $0.stalled = true } }

    /// Closes every connection through the proxy, losing what it held, and stops stalling.
    func reset() {
        let channels = state.withLockedValue { state in
            state.stalled = false
            defer { state.channels.removeAll() }
            return state.channels
        }
        for channel in channels { channel.close(promise: nil) }
    }

    func close() async {
        reset()
        try? await server.close()
    }

    /// Copies bytes to `peer` unless the proxy is stalled, in which case it drops them: a stall
    /// ends in a reset here, so what was held would be lost anyway.
    private final class Forwarder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let state: NIOLockedValueBox<State>
        private var peer: (any Channel)?
        private var waiting: [ByteBuffer] = []

        init(state: NIOLockedValueBox<State>, peer: (any Channel)?) {
            self.state = state
            self.peer = peer
        }

        func attach(_ peer: any Channel) {
            self.peer = peer
            for buffer in waiting { peer.write(buffer, promise: nil) }
            peer.flush()
            waiting.removeAll()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if state.withLockedValue({ $0.stalled }) { return }
            let buffer = unwrapInboundIn(data)
            if let peer {
                peer.writeAndFlush(buffer, promise: nil)
            } else {
                waiting.append(buffer)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer?.close(promise: nil)
        }
    }
}
