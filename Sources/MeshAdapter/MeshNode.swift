public import Logging
public import MeshCore
public import NIOCore
public import NIOPosix
public import RealtimeAdapter
public import ServiceLifecycle

/// One server process's member of the mesh: a swift-service-lifecycle `Service`.
///
/// Create it, make its adapter with the server's `SocketHost`, and run it in the server's
/// `ServiceGroup`. `run()` listens, dials the seeds, keeps the links, and returns after a
/// graceful shutdown (it announces leaving and flushes its links first) or cancellation.
public final class MeshNode: Service, Sendable {
    public let configuration: MeshConfiguration
    let loop: any EventLoop
    let core: NIOLoopBoundBox<NodeCore>
    private let submissions = Submissions()
    private let hostWork: AsyncStream<HostWork>
    private let logger: Logger
    public let id: NodeID
    /// Peers coming and going and frames lost, for the application to watch (one consumer;
    /// the newest 1,000 are kept if nobody reads).
    public let events: AsyncStream<MeshEvent>

    public init(
        configuration: MeshConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "MeshAdapter")
    ) throws {
        self.configuration = configuration
        self.loop = eventLoopGroup.next()
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: HostWork.self)
        self.hostWork = stream
        let (events, eventContinuation) = AsyncStream.makeStream(
            of: MeshEvent.self, bufferingPolicy: .bufferingNewest(1000))
        self.events = events
        let core = try NodeCore(
            configuration: configuration, loop: loop, logger: logger, hostWork: continuation, events: eventContinuation,
            submissions: submissions)
        self.id = core.id
        self.core = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: loop)
    }

    /// The adapter a server uses; `host` owns this process's sockets. One adapter per node.
    public func makeAdapter(host: any SocketHost) -> MeshAdapter {
        let core = self.core
        loop.execute { core.value.host = host }
        return MeshAdapter(node: self, host: host)
    }

    /// The event loop the node and all its links run on. Code running here (a channel
    /// handler, or a task or actor using it as its executor) reaches the node without a hop.
    public var eventLoop: any EventLoop { loop }

    /// The address other nodes dial, once the node listens.
    public func listeningAddress() async throws -> MeshAddress {
        try await onLoop { $0.listeningAddress() }.get()
    }

    public func run() async throws {
        let core = self.core
        _ = try await loop.flatSubmit { core.value.bind() }.get()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for await work in hostWork {
                        group.addTask { await self.serve(work) }
                    }
                }
            } onGracefulShutdown: {
                self.loop.execute { _ = core.value.shutdown() }
            }
        } onCancel: {
            self.loop.execute { _ = core.value.shutdown() }
        }
        try await loop.flatSubmit { core.value.serverChannel?.closeFuture ?? core.value.loop.makeSucceededVoidFuture() }
            .get()
    }

    /// Stops the node as a graceful shutdown would (for callers not using a ServiceGroup).
    public func shutdown() async {
        let core = self.core
        try? await loop.flatSubmit { core.value.shutdown() }.get()
    }

    /// What the protocol has counted so far (replays, losses, duplicates, causal waits).
    public func counters() async -> MeshCounters {
        await onLoop { $0.instance.counters }
    }

    /// Memberships of other nodes' sockets this node holds.
    public func replicatedMemberships() async -> Int {
        await onLoop { $0.instance.directory.replicatedMembershipCount }
    }

    /// Bytes written to and read from other nodes so far, framing included.
    public func trafficBytes() async -> (written: Int, read: Int) {
        await onLoop { ($0.bytesOut, $0.bytesIn) }
    }

    /// Bytes queued for other nodes and not yet written: a sender can pace itself on it.
    public func outboundBacklog() async -> Int {
        await onLoop { $0.outboundBacklog }
    }

    /// Returns once this node's directory shows a member of `room` on another node.
    public func waitUntilVisible(room: Room) async throws {
        let future: EventLoopFuture<Void> = await onLoop { core in
            if !core.instance.directory.nodes(withMembersIn: [room]).isEmpty {
                return core.loop.makeSucceededVoidFuture()
            }
            let promise = core.loop.makePromise(of: Void.self)
            core.roomWatchers[room, default: []].append(promise)
            return promise.futureResult
        }
        try await future.get()
    }

    // MARK: Internals

    /// Runs `body` with the node's core on its event loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (NodeCore) -> T) async -> T {
        let core = self.core
        if loop.inEventLoop { return body(core.value) }
        // The loop only stops when the process's group shuts down, after every node has.
        return try! await loop.submit { body(core.value) }.get()
    }

    /// Hands a broadcast or emit to the node: at once when called on its event loop (after
    /// anything queued before it), otherwise queued for the loop's next batch.
    func submit(_ item: Submissions.Item) {
        let core = self.core
        if loop.inEventLoop {
            core.value.drainSubmissions()
            core.value.run { instance, actions, _ in NodeCore.apply(item, to: &instance, actions: &actions) }
        } else if submissions.append(item) {
            loop.execute { core.value.drainSubmissions() }
        }
    }

    private func serve(_ work: HostWork) async {
        guard let host = await onLoop({ $0.host }) else { return }
        switch work {
        case .emit(let packet, let from):
            _ = await host.receiveServerSideEmit(packet, from: from.name)
        case .serve(let request, let rooms):
            let body: ResponseBody
            switch request.body {
            case .fetchSockets:
                body = .sockets(
                    request.matches.map {
                        SocketRecord(socket: $0, rooms: rooms[$0] ?? [], details: host.details(of: $0))
                    })
            case .broadcastWithAck(_, let packet, let milliseconds):
                let acks = await host.deliverWithAck(packet, to: request.matches, timeout: .milliseconds(milliseconds))
                body = .acks(
                    expected: UInt32(clamping: request.matches.count),
                    acks.map { AckRecord(socket: $0.key, response: $0.value) })
            case .serverSideEmit(let packet):
                body = .emitReply(await host.receiveServerSideEmit(packet, from: request.from.name))
            case .addSockets, .delSockets, .disconnectSockets:
                return
            }
            let core = self.core
            loop.execute {
                core.value.run { instance, actions, _ in
                    instance.respond(to: request.from, id: request.id, with: body, actions: &actions)
                }
            }
        }
    }
}

/// Something that happened to the mesh, as seen by one node.
public enum MeshEvent: Sendable, Equatable {
    /// Listening on `bound`; other nodes are told to dial `advertised`.
    case listening(bound: MeshAddress, advertised: MeshAddress)
    case peerUp(NodeID)
    case peerDown(NodeID, reason: PeerDownReason)
    case framesLost(from: NodeID, count: UInt64)
}
