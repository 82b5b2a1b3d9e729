public import NIOCore
public import NIOHTTP1
import NIOPosix

/// What a web framework (Hummingbird, Vapor, your own) hands the server to mount it: each
/// HTTP request for the Socket.IO path, and each websocket that asks for it. The standalone
/// server (`listen`) does this itself, on SwiftNIO, with a faster websocket path.
extension SocketIOServer {
    /// One HTTP request to the Socket.IO path, read whole.
    public struct EngineRequest: Sendable {
        public var method: HTTPMethod
        /// The path and query, as the client sent them.
        public var uri: String
        public var headers: HTTPHeaders
        public var remoteAddress: SocketAddress?
        public var body: ByteBuffer?
        /// The body was longer than `maxHttpBufferSize` and was not kept (the answer is 413).
        public var bodyTooLarge: Bool

        public init(
            method: HTTPMethod, uri: String, headers: HTTPHeaders, remoteAddress: SocketAddress? = nil,
            body: ByteBuffer? = nil, bodyTooLarge: Bool = false
        ) {
            self.method = method
            self.uri = uri
            self.headers = headers
            self.remoteAddress = remoteAddress
            self.body = body
            self.bodyTooLarge = bodyTooLarge
        }
    }

    /// The answer to write back.
    public struct EngineResponse: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
    }

    /// Whether a request for `path` is for this server.
    public func serves(path: String) -> Bool { engine.serves(Substring(path)) }

    /// Answers one HTTP request (the polling transport, and the protocol's errors). A poll
    /// may wait for messages; cancelling the task (the framework's, when its client goes
    /// away) ends it, and its session, as engine.io does.
    public func respond(to request: EngineRequest) async throws -> EngineResponse {
        var engineRequest = EngineHTTPRequest(
            method: request.method, uri: request.uri, headers: request.headers, remoteAddress: request.remoteAddress,
            body: request.body)
        engineRequest.bodyTooLarge = request.bodyTooLarge
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let closed = loop.makePromise(of: Void.self)
        defer { closed.succeed() }
        let response = try await withTaskCancellationHandler {
            try await engine.handle(engineRequest, on: loop, closed: closed.futureResult).get()
        } onCancel: {
            closed.succeed()
        }
        return EngineResponse(status: response.status, headers: response.headers, body: response.body)
    }

    /// A websocket request for the Socket.IO path: the session to run once the framework
    /// completed the upgrade, or nil to refuse it (the framework then answers the request
    /// as plain HTTP, through `respond(to:)`, which gives the protocol's error).
    public func acceptWebSocket(
        uri: String, headers: HTTPHeaders, remoteAddress: SocketAddress? = nil, eventLoop: any EventLoop
    ) async throws -> WebSocketSession? {
        let request = EngineHTTPRequest(method: .GET, uri: uri, headers: headers, remoteAddress: remoteAddress)
        guard engine.serves(request.path),
            let decision = try await engine.shouldUpgrade(request, on: eventLoop).get()
        else { return nil }
        return WebSocketSession(engine: engine, decision: decision, eventLoop: eventLoop)
    }
}

/// One upgraded websocket's Engine.IO session, run by a framework integration.
public final class WebSocketSession: Sendable {
    public enum Message: Sendable, Equatable {
        case text(String)
        case binary(ByteBuffer)
    }

    private let engine: EngineServer
    private let decision: EngineServer.WebSocketDecision
    private let eventLoop: any EventLoop

    init(engine: EngineServer, decision: EngineServer.WebSocketDecision, eventLoop: any EventLoop) {
        self.engine = engine
        self.decision = decision
        self.eventLoop = eventLoop
    }

    /// Runs until the websocket or the session ends: `inbound` is what the client sends,
    /// `send` writes one message to it, `close` closes the websocket.
    public func run<Inbound: AsyncSequence & Sendable>(
        inbound: Inbound,
        send: @escaping @Sendable (Message) async throws -> Void,
        close: @escaping @Sendable () async -> Void
    ) async where Inbound.Element == Message {
        let link = AsyncWebSocketLink(eventLoop: eventLoop, engine: engine)
        engine.webSocketOpened(decision, link: link)
        await link.run(
            inbound: inbound,
            send: { message in
                switch message {
                case .text(let bytes): try await send(.text(String(buffer: bytes)))
                case .binary(let bytes): try await send(.binary(bytes))
                }
            },
            closeSocket: close)
    }
}
