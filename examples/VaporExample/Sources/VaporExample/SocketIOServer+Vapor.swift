import NIOWebSocket
import SocketIO
import Vapor

extension SocketIOServer {
    /// Serves Socket.IO at `configuration.path` on a Vapor application, beside its own
    /// routes: polling through its router, websockets through its upgrade.
    func mount(on app: Application) {
        let path = configuration.path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
        let maximum = configuration.maxHttpBufferSize
        app.on(.GET, path) { [self] request async throws -> Response in
            if request.headers[.upgrade].contains(where: { $0.lowercased() == "websocket" }),
                let session = try await acceptWebSocket(
                    uri: request.url.string, headers: request.headers, remoteAddress: request.remoteAddress,
                    eventLoop: request.eventLoop)
            {
                return request.webSocket(maxFrameSize: WebSocketMaxFrameSize(integerLiteral: maximum)) { _, socket in
                    await Self.run(session, on: socket)
                }
            }
            return try await respond(to: request)
        }
        app.on(.POST, path, body: .collect(maxSize: ByteCount(value: maximum))) { [self] request async throws in
            try await respond(to: request)
        }
        app.on(.OPTIONS, path) { [self] request async throws in try await respond(to: request) }
    }

    private func respond(to request: Request) async throws -> Response {
        let response = try await respond(
            to: EngineRequest(
                method: request.method, uri: request.url.string, headers: request.headers,
                remoteAddress: request.remoteAddress, body: request.body.data))
        return Response(status: response.status, headers: response.headers, body: .init(buffer: response.body))
    }

    private static func run(_ session: WebSocketSession, on socket: WebSocket) async {
        let (inbound, input) = AsyncStream.makeStream(of: WebSocketSession.Message.self)
        // WebSocketKit's callbacks are set on the websocket's own event loop.
        try? await socket.eventLoop.submit {
            socket.onText { _, text in input.yield(.text(text)) }
            socket.onBinary { _, bytes in input.yield(.binary(bytes)) }
            socket.onClose.whenComplete { _ in input.finish() }
        }.get()
        await session.run(
            inbound: inbound,
            send: { message in
                switch message {
                case .text(let text): try await socket.send(text)
                case .binary(let bytes): try await socket.send(raw: bytes.readableBytesView, opcode: .binary)
                }
            },
            close: { try? await socket.close() })
    }
}
