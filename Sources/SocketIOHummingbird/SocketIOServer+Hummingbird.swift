public import HTTPTypes
public import Hummingbird
public import HummingbirdWebSocket
public import Logging
public import NIOCore
import NIOHTTP1
import NIOWebSocket
public import SocketIO

extension SocketIOServer {
    /// Serves the polling transport at the server's `configuration.path` on `router`, beside
    /// the application's own routes.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let path = RouterPath(stringLiteral: configuration.path.trimmingSlashes)
        for method: HTTPRequest.Method in [.get, .post, .options] {
            router.on(path, method: method) { [self] request, context -> Response in
                try await respond(to: request, context: context)
            }
        }
    }

    /// The websocket transport, for `HTTPServerBuilder.http1WebSocketUpgrade`: upgrades the
    /// requests for the Socket.IO path it accepts, and answers `.dontUpgrade` to the others
    /// (an application with websockets of its own tries them next).
    public func webSocketUpgrade(
        for request: HTTPRequest, channel: any Channel, logger: Logger
    ) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard
            let session = try await acceptWebSocket(
                uri: request.path ?? "/", headers: HTTPHeaders(request.headerFields),
                remoteAddress: channel.remoteAddress, eventLoop: channel.eventLoop)
        else { return .dontUpgrade }
        let maximum = configuration.maxHttpBufferSize
        return .upgrade([:]) { inbound, outbound, _ in
            await session.run(
                inbound: inbound.messages(maxSize: maximum).map { message -> WebSocketSession.Message in
                    switch message {
                    case .text(let text): .text(text)
                    case .binary(let bytes): .binary(bytes)
                    }
                },
                send: { message in
                    switch message {
                    case .text(let text): try await outbound.write(.text(text))
                    case .binary(let bytes): try await outbound.write(.binary(bytes))
                    }
                },
                close: { try? await outbound.close(.normalClosure, reason: nil) })
        }
    }

    private func respond<Context: RequestContext>(to request: Request, context: Context) async throws -> Response {
        var request = request
        var body: ByteBuffer?
        var tooLarge = false
        if request.method == .post {
            do {
                body = try await request.collectBody(upTo: configuration.maxHttpBufferSize)
            } catch {
                tooLarge = true
            }
        }
        let response = try await respond(
            to: SocketIOServer.EngineRequest(
                method: HTTPMethod(rawValue: request.method.rawValue), uri: request.uri.string,
                headers: HTTPHeaders(request.headers),
                remoteAddress: (context as? any RemoteAddressRequestContext)?.remoteAddress, body: body,
                bodyTooLarge: tooLarge))
        var headers = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { headers.append(HTTPField(name: name, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers,
            body: ResponseBody(byteBuffer: response.body))
    }
}

extension HTTPHeaders {
    fileprivate init(_ fields: HTTPFields) {
        self.init()
        for field in fields { add(name: field.name.rawName, value: field.value) }
    }
}

extension String {
    fileprivate var trimmingSlashes: String {
        String(self.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }
}
