package import NIOCore
package import SocketIOProtocol

/// A websocket the engine writes a session's messages to: our NIO server's (`WebSocketLink`),
/// or one a web framework owns (`AsyncWebSocketLink`).
package protocol EngineWebSocket: AnyObject, Sendable {
    /// The loop a session opened on this websocket runs on.
    var eventLoop: any EventLoop { get }
    /// The session it serves; set once, before its first message is read.
    var connection: EngineConnection? { get set }
    /// Writes one message, from any thread. `frame`, when given, is its websocket frame,
    /// already encoded (a broadcast's, shared by every recipient). False when it was not
    /// taken (a volatile message for a client over its bound).
    @discardableResult
    func write(_ message: OutboundMessage, frame: ByteBuffer?, volatile: Bool) -> Bool
    func close()
}
