import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The websocket upgrade for the Engine.IO path: the engine decides whether to take the
/// request (a new session, or the probe of a polling one); NIO's upgrader builds the
/// handshake's answer. The pipeline it leaves is our `WebSocketTransport` alone, which reads
/// and writes its frames itself (`WebSocketFrameReader`, `WebSocketFrames`).
///
/// One per connection: it keeps the engine's decision from the response to the upgrade.
final class EngineWebSocketUpgrader: HTTPServerProtocolUpgrader, Sendable {
    struct Refused: Error {}

    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    private let engines: [EngineServer]
    private let handshake: NIOWebSocketServerUpgrader
    private let decision = NIOLockedValueBox<(EngineServer, EngineServer.WebSocketDecision)?>(nil)

    init(engines: [EngineServer]) {
        self.engines = engines
        self.handshake = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 14, automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
    }

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let request = EngineHTTPRequest(
            method: upgradeRequest.method, uri: upgradeRequest.uri, headers: upgradeRequest.headers,
            remoteAddress: channel.remoteAddress)
        guard let engine = engines.first(where: { $0.serves(request.path) }) else {
            return channel.eventLoop.makeFailedFuture(Refused())
        }
        return engine.shouldUpgrade(request, on: channel.eventLoop).flatMap { decision in
            guard let decision else { return channel.eventLoop.makeFailedFuture(Refused()) }
            self.decision.withLockedValue { $0 = (engine, decision) }
            return self.handshake.buildUpgradeResponse(
                channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
        }
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        guard let (engine, decision) = decision.withLockedValue({ $0 }) else {
            return context.eventLoop.makeFailedFuture(Refused())
        }
        let channel = context.channel
        let transport = WebSocketTransport(
            maximumMessage: engine.configuration.maxHttpBufferSize, outbound: engine.configuration.outbound,
            counters: engine.counters, logger: engine.logger)
        let link = WebSocketLink(channel: channel, transport: transport)
        transport.link = link
        do {
            try channel.pipeline.syncOperations.addHandler(transport)
        } catch {
            return context.eventLoop.makeFailedFuture(error)
        }
        engine.webSocketOpened(decision, link: link)
        return context.eventLoop.makeSucceededVoidFuture()
    }
}
