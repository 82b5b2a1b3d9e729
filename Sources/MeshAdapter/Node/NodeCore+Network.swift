import Logging
@_spi(MeshInternals) import MeshCore
import NIOCore
import NIOPosix
import NIOSSL
import RealtimeAdapter

struct DialState {
    var attempts = 0
    var nextAttempt = NIODeadline.now()
    /// A connection from this dial is open (connecting, handshaking or linked).
    var inFlight = false
}

/// Why a node cannot start or serve. Codes are an open set, as `AdapterError`'s.
public struct MeshNodeError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case insecureListen
            case shutdown
        }
        private let base: Base

        /// Asked to listen where other machines can reach it with neither a secret nor TLS.
        public static let insecureListen = Code(base: .insecureListen)
        /// The node shut down before it listened.
        public static let shutdown = Code(base: .shutdown)

        public var description: String {
            switch base {
            case .insecureListen: "insecureListen"
            case .shutdown: "shutdown"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "MeshNodeError(\(code), \(message))" }
}

extension NodeCore {
    /// Every link: no Nagle delay (writes are already coalesced per read and per application
    /// input), and room in NIO's
    /// buffer for a burst before the link's own queue takes over.
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 256 * 1024, high: 1024 * 1024)

    // MARK: Listening

    func bind() -> EventLoopFuture<MeshAddress> {
        let listen = configuration.listen
        guard listen.isLoopback || configuration.secret != nil || configuration.tls != nil else {
            return loop.makeFailedFuture(
                MeshNodeError(
                    code: .insecureListen,
                    message:
                        "refusing to listen on \(listen), which other machines can reach, with neither a cluster secret nor TLS"
                ))
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: Self.waterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try bound.value.configure(channel, dialed: nil) }
            }
            .bind(host: listen.host, port: listen.port)
            .flatMapThrowing { channel in
                let node = bound.value
                node.serverChannel = channel
                let boundAddress = MeshAddress(host: listen.host, port: channel.localAddress?.port ?? listen.port)
                let address = node.configuration.advertisedAddress ?? boundAddress
                node.instance.address = address.description
                node.handshakeIdentity.address = address.description
                node.logger.info(
                    "Mesh node listening",
                    metadata: ["mesh.address": "\(boundAddress)", "mesh.advertised": "\(address)"])
                node.setListening(.success(address))
                node.events.yield(.listening(bound: boundAddress, advertised: address))
                for seed in node.configuration.seeds { node.want(seed) }
                node.tick()
                return address
            }
            .flatMapErrorThrowing { error in
                bound.value.setListening(.failure(error))
                throw error
            }
    }

    func configure(_ channel: any Channel, dialed: MeshAddress?) throws {
        if let tls {
            if dialed != nil {
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: tls.client, serverHostname: nil))
            } else {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.server))
            }
        }
        let link = LinkHandler(node: self, dialedAddress: dialed)
        linkOpened(link)
        try channel.pipeline.syncOperations.addHandler(link)
    }

    static func makeTLSContexts(_ tls: MeshConfiguration.TLS) throws -> (server: NIOSSLContext, client: NIOSSLContext) {
        var server = TLSConfiguration.makeServerConfiguration(
            certificateChain: tls.certificateChain.map { .certificate($0) }, privateKey: .privateKey(tls.privateKey))
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = tls.certificateChain.map { .certificate($0) }
        client.privateKey = .privateKey(tls.privateKey)
        for side in [0, 1] {
            var configuration = side == 0 ? server : client
            configuration.minimumTLSVersion = .tlsv13
            // Nodes are named by the cluster, not by DNS: the chain to the cluster's roots is what
            // identifies a peer, and the handshake then checks its cluster and node name.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(tls.trustRoots)
            if side == 0 { server = configuration } else { client = configuration }
        }
        return (try NIOSSLContext(configuration: server), try NIOSSLContext(configuration: client))
    }

    // MARK: Dialing

    /// Keeps dialing `address` (with back-off) whenever no link leads there.
    func want(_ address: MeshAddress) {
        guard !ownAddresses.contains(address), dialing[address] == nil else { return }
        dialing[address] = DialState()
        if serverChannel != nil { dialDue() }
    }

    func dialDue() {
        guard !shuttingDown else { return }
        let linked = linkedAddresses
        let now = NIODeadline.now()
        for (address, state) in dialing where !state.inFlight && state.nextAttempt <= now && !linked.contains(address) {
            dial(address)
        }
    }

    /// When the next dial falls due: the earliest back-off of an address no link leads to.
    var nextDialAttempt: NIODeadline? {
        let linked = linkedAddresses
        return dialing.filter { !$0.value.inFlight && !linked.contains($0.key) }.map(\.value.nextAttempt).min()
    }

    /// Addresses of established links: the ones dialed and the ones peers advertise.
    var linkedAddresses: Set<MeshAddress> {
        var result: Set<MeshAddress> = []
        for link in links.values {
            if let dialed = link.dialedAddress { result.insert(dialed) }
            if let advertised = link.peer.flatMap({ MeshAddress($0.address) }) { result.insert(advertised) }
        }
        return result
    }

    private func dial(_ address: MeshAddress) {
        dialing[address]?.inFlight = true
        let bound = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(2))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.waterMark)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try bound.value.configure(channel, dialed: address) }
            }
            .connect(host: address.host, port: address.port)
            .whenFailure { error in
                let node = bound.value
                guard var state = node.dialing[address] else { return }
                state.attempts += 1
                state.inFlight = false
                state.nextAttempt = NIODeadline.now() + node.backoff(attempts: state.attempts)
                node.dialing[address] = state
                node.armTimer(at: state.nextAttempt)
                node.logger.debug(
                    "Mesh dial failed", metadata: ["mesh.address": "\(address)", "mesh.error": "\(error)"])
            }
    }

    func backoff(attempts: Int) -> TimeAmount {
        let initial = configuration.timeouts.dialInitial.nanosecondsClamped
        let maximum = configuration.timeouts.dialMaximum.nanosecondsClamped
        let exponent = UInt64(min(max(attempts, 0), 20))
        let delay = min(maximum, initial << exponent)
        // Up to a quarter of jitter, so restarted nodes do not dial in lockstep.
        let jitter = UInt64.random(in: 0...(delay / 4 + 1))
        return .nanoseconds(Int64(clamping: delay + jitter))
    }

    // MARK: Shutdown

    /// Announces leaving, flushes every link within the configured bound, closes everything.
    func shutdown() -> EventLoopFuture<Void> {
        guard !shuttingDown else { return loop.makeSucceededVoidFuture() }
        shuttingDown = true
        timer?.task.cancel()
        timer = nil
        run { instance, actions, _ in instance.announceLeaving(actions: &actions) }
        let flushes = links.values.compactMap { $0.closeAfterFlush() }
        let deadline = loop.scheduleTask(in: TimeAmount(configuration.timeouts.shutdownFlush)) {}
        let flushed = EventLoopFuture.andAllComplete(flushes, on: loop)
        let bounded = loop.makePromise(of: Void.self)
        var done = false
        let finish = NIOLoopBound({ if !done { done = true; bounded.succeed() } }, eventLoop: loop)
        flushed.whenComplete { _ in finish.value() }
        deadline.futureResult.whenComplete { _ in finish.value() }
        let bound = NIOLoopBound(self, eventLoop: loop)
        return bounded.futureResult.flatMap {
            let node = bound.value
            for connection in node.connections.values { connection.close() }
            for (_, waiter) in node.waiters {
                waiter.fail(AdapterError(code: .shutdown, message: "the node shut down"))
            }
            node.waiters.removeAll()
            for waiter in node.roomWatchers.values.flatMap({ $0 }) { waiter.fail(AdapterError(code: .shutdown)) }
            node.roomWatchers.removeAll()
            node.hostWork.finish()
            node.events.finish()
            node.setListening(.failure(MeshNodeError(code: .shutdown, message: "the node shut down")))
            return node.serverChannel?.close() ?? node.loop.makeSucceededVoidFuture()
        }
    }
}
