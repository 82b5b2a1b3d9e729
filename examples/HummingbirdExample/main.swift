import Hummingbird
import HummingbirdWebSocket
import SocketIO
import SocketIOHummingbird

// A Hummingbird 2 application with Socket.IO at /socket.io/ beside its own routes (the
// README's "Socket.IO server" section shows these lines). Runs on 127.0.0.1:8080.
let io = SocketIOServer()
io.sockets.onConnection { socket in
    socket.on("chat") { arguments, ack in
        try? await socket.broadcast.emit("chat", arguments)
        ack?(true)
    }
}

let router = Router()
router.get("/health") { _, _ in "ok" }
io.addRoutes(to: router)

let app = Application(
    router: router,
    server: .http1WebSocketUpgrade { request, channel, logger in
        try await io.webSocketUpgrade(for: request, channel: channel, logger: logger)
    },
    configuration: .init(address: .hostname("127.0.0.1", port: 8080))
)
try await app.runService()
