package import Logging
import SocketIOProtocol

/// An Engine.IO server that writes every message back to its sender, text as text and binary
/// as binary: what the Engine.IO protocol test suite talks to.
package enum EngineEcho {
    package static func server(configuration: SocketIOConfiguration, logger: Logger) -> EngineServer {
        EngineServer(configuration: configuration, logger: logger) { connection in
            connection.delegate = Echo(connection: connection)
        }
    }

    private final class Echo: EngineConnectionDelegate {
        unowned let connection: EngineConnection
        init(connection: EngineConnection) { self.connection = connection }

        func engineReceived(_ packet: EngineIOPacket) {
            connection.send(OutboundMessage(packet))
        }

        func engineClosed(_ reason: EngineIOSession.CloseReason) {}
    }
}
