import SocketIO
import Vapor

// A Vapor 4 application with Socket.IO at /socket.io/ beside its own routes, on
// 127.0.0.1:8080. The mounting is `SocketIOServer.mount(on:)`, in this package.
let app = try await Application.make(.detect())
app.http.server.configuration.hostname = "127.0.0.1"
app.http.server.configuration.port = 8080

let io = SocketIOServer()
io.sockets.onConnection { socket in
    socket.on("chat") { arguments, ack in
        try? await socket.broadcast.emit("chat", arguments)
        ack?(true)
    }
}
app.get("health") { _ in "ok" }
io.mount(on: app)

do {
    try await app.execute()
} catch {
    app.logger.report(error: error)
}
try await app.asyncShutdown()
