package import NIOCore
import NIOWebSocket
import SocketIOProtocol

/// The engine's handle on one websocket of our NIO server: it writes from any thread
/// (hopping to the websocket's own event loop when it must) and knows the session the
/// websocket serves.
package final class WebSocketLink: EngineWebSocket, @unchecked Sendable {
    package let channel: any Channel
    private let transport: NIOLoopBound<WebSocketTransport>
    /// Set on the channel's loop before the first frame is read; read only there.
    package var connection: EngineConnection?

    init(channel: any Channel, transport: WebSocketTransport) {
        self.channel = channel
        self.transport = NIOLoopBound(transport, eventLoop: channel.eventLoop)
    }

    package var eventLoop: any EventLoop { channel.eventLoop }

    /// Writes one encoded frame. On the websocket's own loop it says whether the frame was
    /// taken (a volatile frame for a client over its limit is not); elsewhere it hops and
    /// says true.
    @discardableResult
    package func write(_ message: OutboundMessage, frame: ByteBuffer?, volatile: Bool) -> Bool {
        write(frame: frame ?? WebSocketFrames.frame(message), volatile: volatile)
    }

    @discardableResult
    package func write(frame: ByteBuffer, volatile: Bool) -> Bool {
        if channel.eventLoop.inEventLoop { return transport.value.write(frame, volatile: volatile) }
        let transport = self.transport
        channel.eventLoop.execute { _ = transport.value.write(frame, volatile: volatile) }
        return true
    }

    package func close() {
        let transport = self.transport
        if channel.eventLoop.inEventLoop { return transport.value.close() }
        channel.eventLoop.execute { transport.value.close() }
    }
}
