package import NIOCore
import NIOHTTP1
package import NIOPosix

/// A plain HTTP/1.1 server on SwiftNIO for one or more engines (each at its own path), for
/// apps that do not bring their own HTTP server.
package final class EngineHTTPServer: Sendable {
    private let channel: any Channel
    package var localAddress: SocketAddress? { channel.localAddress }

    private init(channel: any Channel) { self.channel = channel }

    package static func start(
        engines: [EngineServer], host: String, port: Int,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> EngineHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Each channel keeps its receive buffer between reads: start it small (most
            // clients send little) and let it grow for those that send more.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 128, maximum: 65_536)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let http = EngineHTTPHandler(engines: engines)
                    let upgrader = EngineWebSocketUpgrader(engines: engines)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.syncOperations.removeHandler(http, promise: nil)
                            }
                        ),
                        withErrorHandling: true
                    )
                    try channel.pipeline.syncOperations.addHandler(http)
                }
            }
            .bind(host: host, port: port).get()
        return EngineHTTPServer(channel: channel)
    }

    package func shutdown() async throws {
        try await channel.close()
    }
}
