/// The Engine.IO protocol a client speaks: 4 (socket.io-client 3 and later, python-socketio
/// 5), or 3 (socket.io-client 2.x, sails.io.js, python-socketio 4), which a server takes only
/// when asked to (`allowEIO3`). A v3 client speaks Socket.IO's protocol 4 on top of it.
///
/// What v3 changes: polling bodies (`EngineIOPayload.decodeV3`, `OutboundMessage.payloadV3`),
/// a binary websocket frame starts with the packet's type byte, the client pings and the
/// server answers (`EngineIOSession`), and at the Socket.IO level the client is joined to "/"
/// without asking, a namespace carries its auth as a query (`/admin?token=x`), the CONNECT
/// answer has no data and a refusal's data is a plain message (`SocketIOConnection`).
package enum EngineIOVersion: Sendable, Equatable {
    case v3, v4

    /// The version an `EIO` query value names, nil for any other.
    package init?(query value: String?) {
        switch value {
        case "4": self = .v4
        case "3": self = .v3
        default: return nil
        }
    }
}
