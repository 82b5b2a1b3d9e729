import NIOCore
import NIOHTTP1

/// The HTTP/1.1 side of the server: reads each request whole (its body bounded by
/// `maxHttpBufferSize`), hands those for the Engine.IO path to the engine, the others to the
/// others 404, and writes the answers in order.
final class EngineHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let engines: [EngineServer]
    private let maximumBody: Int
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// Completed when the request in progress is answered or its connection closes: a poll
    /// cut off by its client ends its session. One per request, so a keep-alive connection
    /// that polls for hours holds no callback per poll.
    private var requestEnded: EventLoopPromise<Void>?

    init(engines: [EngineServer]) {
        self.engines = engines
        self.maximumBody = engines.map(\.configuration.maxHttpBufferSize).max() ?? 1_000_000
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            tooLarge = false
        case .body(var part):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > maximumBody {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var request = EngineHTTPRequest(
            method: head.method, uri: head.uri, headers: head.headers, remoteAddress: context.channel.remoteAddress,
            body: body)
        request.bodyTooLarge = tooLarge
        body = nil
        let keepAlive = head.isKeepAlive
        let answer: EventLoopFuture<EngineHTTPResponse>
        if let engine = engines.first(where: { $0.serves(request.path) }) {
            let ended = context.eventLoop.makePromise(of: Void.self)
            requestEnded = ended
            answer = engine.handle(request, on: context.eventLoop, closed: ended.futureResult)
        } else if tooLarge {
            answer = context.eventLoop.makeSucceededFuture(EngineHTTPResponse(status: .payloadTooLarge))
        } else {
            answer = context.eventLoop.makeSucceededFuture(.text("Not Found", status: .notFound))
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        answer.whenComplete { result in
            let (handler, context) = bound.value
            handler.requestEnded?.succeed()
            handler.requestEnded = nil
            guard case .success(let response) = result else { return context.close(promise: nil) }
            handler.write(response, keepAlive: keepAlive, version: head.version, context: context)
        }
    }

    private func write(
        _ response: EngineHTTPResponse, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext
    ) {
        guard context.channel.isActive else { return }
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        requestEnded?.succeed()
        requestEnded = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestEnded?.succeed()
        requestEnded = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused websocket upgrade comes through here; the request itself follows and is
        // answered with the protocol's error.
        if error is EngineWebSocketUpgrader.Refused { return }
        context.close(promise: nil)
    }
}
