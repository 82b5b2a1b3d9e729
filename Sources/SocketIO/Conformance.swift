public import Logging
public import NIOCore

/// The server the official protocol test suites expect (see `socketio-conformance`): ping
/// every 300 ms with a 200 ms timeout, 1,000,000-byte payloads, a 1 s connect timeout, CORS
/// for any origin; an Engine.IO echo at `/engine.io/` and the Socket.IO handlers of the suite
/// at `/socket.io/`. With `allowEIO3`, both also take Engine.IO v3 clients (python-socketio
/// 4 runs the same cases through it).
public enum ConformanceSetup {
    public struct Running: Sendable {
        let http: EngineHTTPServer
        let io: SocketIOServer
        public var localAddress: SocketAddress? { http.localAddress }
        public func shutdown() async throws { try await http.shutdown() }
    }

    public static func configuration(path: String, allowEIO3: Bool = false) -> SocketIOConfiguration {
        SocketIOConfiguration(
            path: path, pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200),
            maxHttpBufferSize: 1_000_000, connectTimeout: .milliseconds(1_000), allowEIO3: allowEIO3, cors: .anyOrigin)
    }

    public static func start(host: String, port: Int, allowEIO3: Bool = false, logger: Logger) async throws -> Running {
        let echo = EngineEcho.server(
            configuration: configuration(path: "/engine.io/", allowEIO3: allowEIO3), logger: logger)
        let io = SocketIOServer(configuration: configuration(path: "/socket.io/", allowEIO3: allowEIO3), logger: logger)
        io.sockets.onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
            socket.on("message") { arguments, _ in socket.emit("message-back", arguments) }
            socket.on("message-with-ack") { arguments, ack in ack?.send(arguments) }
        }
        io.of("/custom").onConnection { socket in socket.emit("auth", socket.handshake.auth) }
        let http = try await EngineHTTPServer.start(engines: [echo, io.engine], host: host, port: port)
        return Running(http: http, io: io)
    }
}
