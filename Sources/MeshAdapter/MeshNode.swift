import CoreMetrics
public import Logging
@_spi(MeshInternals) public import MeshCore
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

    /// The adapter of `namespace` a server uses; `host` owns this process's sockets in it.
    ///
    /// One node serves any number of namespaces, each with its own adapter, rooms and sockets;
    /// make them at start-up or as namespaces appear (dynamic namespaces). The host is in
    /// place when this returns, so nothing that arrives for the namespace is missed.
    ///
    /// - Throws: `AdapterError.namespaceInUse` when the namespace has an adapter already
    ///   (close it first), `.invalidArgument` for a name no adapter carries, `.shutdown` once
    ///   the node stopped.
    public func makeAdapter(namespace: String = "/", host: any SocketHost) async throws -> ClusterAdapter {
        try AdapterLimits.check(namespace: namespace)
        let id = try await onLoop { core in try core.register(host, for: namespace) }
        return ClusterAdapter(node: self, namespace: namespace, id: id, host: host)
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
                        group.addTask { await self.runHostWork(work) }
                    }
                }
            } onGracefulShutdown: {
                self.submissions.close()
                self.loop.execute { _ = core.value.shutdown() }
            }
        } onCancel: {
            self.submissions.close()
            self.loop.execute { _ = core.value.shutdown() }
        }
        try await loop.flatSubmit { core.value.serverChannel?.closeFuture ?? core.value.loop.makeSucceededVoidFuture() }
            .get()
    }

    /// Stops the node as a graceful shutdown would (for callers not using a ServiceGroup).
    public func shutdown() async {
        submissions.close()
        let core = self.core
        try? await loop.flatSubmit { core.value.shutdown() }.get()
    }

    /// What the protocol has counted so far (replays, losses, duplicates, causal waits).
    public func counters() async throws -> MeshCounters {
        try await onLoop { $0.instance.counters }
    }

    /// How often the node's timer has fired: for tests that check it sleeps between deadlines.
    package func timerWakeups() async throws -> Int {
        try await onLoop { $0.timerWakeups }
    }

    /// Memberships of other nodes' sockets this node holds.
    public func replicatedMemberships() async throws -> Int {
        try await onLoop { $0.instance.directory.replicatedMembershipCount }
    }

    /// Bytes written to and read from other nodes so far, framing included.
    public func trafficBytes() async throws -> (written: Int, read: Int) {
        try await onLoop { ($0.bytesOut, $0.bytesIn) }
    }

    /// Bytes queued for other nodes and not yet written: a sender can pace itself on it.
    public func outboundBacklog() async throws -> Int {
        try await onLoop { $0.outboundBacklog }
    }

    /// Returns once this node's directory shows a member of `room` of `namespace` on another
    /// node.
    public func waitUntilVisible(room: Room, namespace: String = "/") async throws {
        let future: EventLoopFuture<Void> = try await onLoop { core in
            let scoped = NodeCore.WatchedRoom(namespace: namespace, room: room)
            if core.isVisible(scoped) { return core.loop.makeSucceededVoidFuture() }
            let promise = core.loop.makePromise(of: Void.self)
            core.roomWatchers[scoped, default: []].append(promise)
            return promise.futureResult
        }
        try await future.get()
    }

    // MARK: Internals

    /// Runs `body` with the node's core on its event loop; `.shutdown` once the node or its
    /// event loop has stopped.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (NodeCore) throws -> T) async throws -> T {
        let core = self.core
        if loop.inEventLoop {
            guard !core.value.shuttingDown else { throw Self.stopped }
            return try body(core.value)
        }
        do {
            return try await loop.submit {
                guard !core.value.shuttingDown else { throw Self.stopped }
                return try body(core.value)
            }.get()
        } catch let error as AdapterError {
            throw error
        } catch {
            // The event loop group shut down.
            throw AdapterError(code: .shutdown, message: "the node's event loop stopped: \(error)")
        }
    }

    private static let stopped = AdapterError(code: .shutdown, message: "the node shut down")

    /// Hands a broadcast or emit to the node: at once when called on its event loop (after
    /// anything queued before it), otherwise queued for the loop's next batch.
    func submit(_ item: Submissions.Item) throws(AdapterError) {
        let core = self.core
        if loop.inEventLoop {
            guard !core.value.shuttingDown else { throw Self.stopped }
            core.value.drainSubmissions()
            core.value.run { instance, actions, _ in NodeCore.apply(item, to: &instance, actions: &actions) }
            return
        }
        switch submissions.append(item) {
        case .queued: break
        case .drainNeeded: loop.execute { core.value.drainSubmissions() }
        case .closed: throw Self.stopped
        }
    }

    /// Counts a broadcast the adapter refused as too large (from any thread).
    func countRefusedBroadcast() {
        let core = self.core
        loop.execute { core.value.metrics.broadcastsRefused.increment() }
    }

    /// Does what only the host can (answers requests, takes emits), off the node's loop.
    private func runHostWork(_ work: HostWork) async {
        switch work {
        case .emit(let packet, let from, let host):
            _ = await host.receiveServerSideEmit(packet, from: from.name)
        case .serve(let request, let rooms, let host):
            let body: ResponseBody
            switch request.body {
            case .fetchSockets:
                body = .sockets(
                    request.matches.map {
                        SocketRecord(socket: $0, rooms: rooms[$0] ?? [], details: host?.details(of: $0))
                    })
            case .broadcastWithAck(_, let packet, let milliseconds):
                let acks =
                    await host?.deliverWithAck(packet, to: request.matches, timeout: .milliseconds(milliseconds)) ?? [:]
                body = .acks(
                    expected: UInt32(clamping: request.matches.count),
                    acks.map { AckRecord(socket: $0.key, response: $0.value) })
            case .serverSideEmit(let packet):
                body = .emitReply(await host?.receiveServerSideEmit(packet, from: request.from.name))
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
