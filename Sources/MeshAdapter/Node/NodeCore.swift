import CoreMetrics
import DequeModule
import Foundation
import Logging
@_spi(MeshInternals) import MeshCore
import NIOCore
import NIOSSL
import RealtimeAdapter

/// The shell around one `MeshInstance`: it feeds the instance its inputs (frames, link
/// changes, timer ticks, the application's calls) and carries out the actions it returns.
///
/// Everything here runs on the node's one event loop, as do all its links, so no frame crosses
/// a thread or an actor on its way through. Not Sendable: reach it through `NIOLoopBoundBox`.
final class NodeCore {
    let configuration: MeshConfiguration
    let loop: any EventLoop
    var logger: Logger
    let metrics: MeshMetrics
    let tls: (server: NIOSSLContext, client: NIOSSLContext)?
    var instance: MeshInstance
    var handshakeIdentity: HandshakeStateMachine.Identity

    /// The established link to each peer (one per peer: duplicates are closed).
    var links: [NodeID: LinkHandler] = [:]
    /// Every open connection, established or still in its handshake.
    var connections: [ObjectIdentifier: LinkHandler] = [:]
    var dialing: [MeshAddress: DialState] = [:]
    /// Addresses that turned out to lead back to this node.
    var ownAddresses: Set<MeshAddress> = []

    /// The host of each namespace served here, indexed by `NamespaceID`.
    var hosts: [(any SocketHost)?] = []
    var waiters: [RequestID: EventLoopPromise<RequestOutcome>] = [:]
    let hostWork: AsyncStream<HostWork>.Continuation
    let events: AsyncStream<MeshEvent>.Continuation
    var serverChannel: (any Channel)?
    /// The timer that calls `tick`, and when it fires: set for the earliest deadline of the
    /// core (`.scheduleTick`) and of the shell (dial back-off, gauges), never polling.
    var timer: (task: Scheduled<Void>, at: NIODeadline)?
    var timerWakeups = 0
    /// Links with bytes queued in this event-loop tick, written by one task at its end (or
    /// when the input that queued them ends, outside a read).
    private var linksToFlush: [LinkHandler] = []
    /// True while `run` carries out an input, so that nested inputs leave the flush to it.
    private var inInput = false
    var shuttingDown = false
    var lag: (target: VersionVector, since: MeshInstant)?
    /// Bytes written to and read from all links, for statistics.
    var bytesOut = 0
    var bytesIn = 0
    /// Rooms someone waits to see a remote member in (`MeshNode.waitUntilVisible`).
    var roomWatchers: [WatchedRoom: [EventLoopPromise<Void>]] = [:]
    var lastGaugeUpdate: MeshInstant = .zero
    private var readTime: MeshInstant?
    /// Broadcasts and emits from other threads, and the buffer a batch of them is taken into.
    let submissions: Submissions
    private var batch: Deque<Submissions.Item> = []
    /// The actions buffer, kept between inputs so that an input allocates none.
    private var spareActions: [MeshAction] = []
    /// Where the node listens, once it does, or why it cannot.
    var listening: Result<MeshAddress, any Error>?
    private var listeningWaiters: [EventLoopPromise<MeshAddress>] = []

    init(
        configuration: MeshConfiguration, loop: any EventLoop, logger: Logger,
        hostWork: AsyncStream<HostWork>.Continuation, events: AsyncStream<MeshEvent>.Continuation,
        submissions: Submissions = Submissions()
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.submissions = submissions
        self.loop = loop
        let incarnation = configuration.incarnation ?? UInt64(Date().timeIntervalSince1970 * 1_000_000)
        let id = NodeID(name: configuration.nodeName, incarnation: incarnation)
        var logger = logger
        logger[metadataKey: "mesh.node"] = "\(id)"
        self.logger = logger
        self.metrics = MeshMetrics(node: configuration.nodeName)
        self.tls = try configuration.tls.map(Self.makeTLSContexts)
        var settings = configuration.protocolSettings
        // The one frame limit, configured in `limits`, is what the core cuts and refuses by.
        settings.maximumFrameSize = configuration.limits.maximumFrameSize
        self.instance = MeshInstance(id: id, settings: settings)
        self.handshakeIdentity = HandshakeStateMachine.Identity(
            cluster: configuration.clusterName, node: id, address: "",
            authenticator: configuration.secret.map(ClusterAuthenticator.init(secret:)))
        self.hostWork = hostWork
        self.events = events
    }

    var id: NodeID { instance.id }

    // MARK: Namespaces

    /// Makes `host` the host of `namespace`; its interned id.
    func register(_ host: any SocketHost, for namespace: String) throws(AdapterError) -> NamespaceID {
        guard let id = instance.namespaceID(interning: namespace) else {
            throw AdapterError(code: .invalidArgument, message: "too many namespaces")
        }
        let slot = Int(id.rawValue)
        while hosts.count <= slot { hosts.append(nil) }
        guard hosts[slot] == nil else {
            throw AdapterError(code: .namespaceInUse, message: "namespace \(namespace) has an adapter already")
        }
        hosts[slot] = host
        return id
    }

    /// `namespace`'s adapter closed: its sockets leave every node's directory, and the
    /// namespace is free for another adapter. Only the host that registered it may close it.
    func close(_ namespace: NamespaceID, host: any SocketHost) {
        let slot = Int(namespace.rawValue)
        guard slot < hosts.count, let current = hosts[slot], current === host else { return }
        run { instance, actions, now in instance.removeNamespace(namespace, now: now, actions: &actions) }
        hosts[slot] = nil
    }

    func host(of namespace: NamespaceID) -> (any SocketHost)? {
        let slot = Int(namespace.rawValue)
        return slot < hosts.count ? hosts[slot] : nil
    }

    /// A room a `MeshNode.waitUntilVisible` caller waits for.
    struct WatchedRoom: Hashable {
        var namespace: String
        var room: Room
    }

    func isVisible(_ watched: WatchedRoom) -> Bool {
        guard let namespace = instance.directory.namespaceID(of: watched.namespace) else { return false }
        return !instance.directory.nodes(withMembersIn: [watched.room], of: namespace).isEmpty
    }

    /// Completes when the node listens (or fails to, or shuts down first).
    func listeningAddress() -> EventLoopFuture<MeshAddress> {
        if let listening { return loop.makeCompletedFuture(listening) }
        let promise = loop.makePromise(of: MeshAddress.self)
        listeningWaiters.append(promise)
        return promise.futureResult
    }

    func setListening(_ result: Result<MeshAddress, any Error>) {
        guard listening == nil else { return }
        listening = result
        for waiter in listeningWaiters { waiter.completeWith(result) }
        listeningWaiters.removeAll()
    }

    /// The time, read from the clock once per read of a link: the frames of one read are
    /// handled at the same instant.
    func now() -> MeshInstant { readTime ?? MeshInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    func readStarted() { readTime = MeshInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }
    func readEnded() { readTime = nil }

    static func makeNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    // MARK: Inputs

    static func apply(_ item: consuming Submissions.Item, to instance: inout MeshInstance, actions: inout [MeshAction])
    {
        switch consume item {
        case .broadcast(let packet, let options, let namespace):
            instance.broadcast(packet, options: options, in: namespace, actions: &actions)
        case .emit(let packet, let namespace): instance.emit(packet, in: namespace, actions: &actions)
        }
    }

    /// Runs one input against the instance and carries out what it asks.
    ///
    /// What an input outside a link's read queues on links (an application's broadcast, a
    /// batch of them, a timer's heartbeats) is written when the input ends: the bytes are
    /// complete, and every microsecond they wait is latency. Inside a read, writes wait for
    /// the end of the loop's tick, so the frames a read produces go out in one write.
    func run(_ input: (inout MeshInstance, inout [MeshAction], MeshInstant) -> Void) {
        let outer = inInput
        inInput = true
        var actions = spareActions
        spareActions = []
        input(&instance, &actions, now())
        perform(&actions)
        if actions.capacity <= 16_384 { spareActions = actions }
        inInput = outer
        if readTime == nil, !outer { flushLinks() }
    }

    /// Runs every broadcast and emit queued from other threads, in order, as one input.
    func drainSubmissions() {
        var items = batch
        batch = []
        submissions.take(into: &items)
        guard !items.isEmpty else {
            batch = items
            return
        }
        // Each item is moved out of the batch, not copied. A buffer grown by a burst is not kept.
        let taken = items.count
        run { instance, actions, _ in
            while let item = items.popFirst() { Self.apply(item, to: &instance, actions: &actions) }
        }
        if taken <= 16_384 { batch = items }
    }

    /// A frame read on `peer`'s link (without its length). The core decides how it is
    /// taken: a broadcast that is the next frame in order with nothing at the gate (nearly
    /// always) comes back to be delivered at once; anything else is handled as a message.
    /// Throws for a malformed frame.
    func received(frame: ByteBuffer, from peer: NodeID) throws(MeshWireError) {
        let incoming = try IncomingFrame(frame: frame)
        var received: ReceivedFrame?
        run { instance, actions, now in received = instance.receive(incoming, from: peer, now: now, actions: &actions) }
        switch received {
        case .broadcast(let sockets, let namespace):
            if !sockets.isEmpty, case .broadcast(let broadcast) = incoming, let host = host(of: namespace) {
                host.deliver(broadcast.delivery(from: peer), to: sockets)
            }
        case .message(let message):
            messageHandled(message)
        case nil:
            break
        }
    }

    /// The shell's bookkeeping after the core handled `message`.
    private func messageHandled(_ message: MeshMessage) {
        // A digest changes nothing in the directory, so "behind" reads the same after it.
        if case .digest(let digest, _) = message, lag == nil, instance.directory.isBehind(digest) {
            lag = (digest, now())
        }
        if !roomWatchers.isEmpty { settleRoomWatchers() }
        if let watched = lag, !instance.directory.isBehind(watched.target) {
            metrics.convergenceLag.recordNanoseconds(Int64(clamping: now().nanoseconds &- watched.since.nanoseconds))
            lag = nil
        }
    }

    func tick() {
        timer = nil
        guard !shuttingDown else { return }
        run { instance, actions, now in instance.tick(now: now, actions: &actions) }
        dialDue()
        let now = now()
        if now.since(lastGaugeUpdate) >= Self.gaugeInterval {
            lastGaugeUpdate = now
            metrics.linksUp.record(links.count)
            metrics.livePeers.record(instance.livePeers.count)
            metrics.directoryMemberships.record(instance.directory.replicatedMembershipCount)
            metrics.directoryRooms.record(instance.directory.internedRoomCount)
        }
        if let dial = nextDialAttempt { armTimer(at: dial) }
        armTimer(at: NIODeadline.uptimeNanoseconds(lastGaugeUpdate.nanoseconds) + TimeAmount(Self.gaugeInterval))
    }

    static let gaugeInterval: Duration = .seconds(1)

    /// Has `link`'s queued bytes written together with every other link's: when the input
    /// that queued them ends (outside a read), else by one task at the end of the loop's tick.
    func flushAtEndOfTick(_ link: LinkHandler) {
        linksToFlush.append(link)
        // Outside a read, the input that queued the bytes writes them when it ends.
        guard linksToFlush.count == 1, readTime != nil || !inInput else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        loop.execute { bound.value.flushLinks() }
    }

    func flushLinks() {
        var flushing: [LinkHandler] = []
        swap(&flushing, &linksToFlush)
        for link in flushing { link.flushPending() }
        // The list's storage serves the next tick.
        flushing.removeAll(keepingCapacity: true)
        if linksToFlush.isEmpty, flushing.capacity <= 1024 { linksToFlush = flushing }
    }

    /// Makes the timer fire at `deadline` unless it fires earlier already.
    func armTimer(at deadline: NIODeadline) {
        guard !shuttingDown else { return }
        if let timer {
            guard deadline < timer.at else { return }
            timer.task.cancel()
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = (
            loop.scheduleTask(deadline: deadline) {
                bound.value.timerWakeups += 1
                bound.value.tick()
            }, deadline
        )
    }

    /// Starts a request and returns its outcome's future.
    func request(_ body: RequestBody, in namespace: NamespaceID, timeout: Duration?) -> EventLoopFuture<RequestOutcome>
    {
        guard !shuttingDown else {
            return loop.makeFailedFuture(AdapterError(code: .shutdown, message: "the node shut down"))
        }
        let promise = loop.makePromise(of: RequestOutcome.self)
        var actions: [MeshAction] = []
        let outer = inInput
        inInput = true
        let id = instance.request(body, in: namespace, timeout: timeout, now: now(), actions: &actions)
        waiters[id] = promise
        perform(&actions)
        inInput = outer
        if readTime == nil, !outer { flushLinks() }
        return promise.futureResult
    }

    func settleRoomWatchers() {
        for (room, waiters) in roomWatchers where isVisible(room) {
            roomWatchers[room] = nil
            for waiter in waiters { waiter.succeed() }
        }
    }

    /// Bytes queued on links and not yet handed to the socket.
    var outboundBacklog: Int { links.values.reduce(0) { $0 + $1.pendingBytes } }

    // MARK: Actions

    /// Carries out `actions` in order, then empties the array at once, keeping its capacity
    /// for the next input.
    func perform(_ actions: inout [MeshAction]) {
        defer { actions.removeAll(keepingCapacity: true) }
        for index in actions.indices {
            switch actions[index] {
            case .send(let message, let peer):
                links[peer]?.enqueue(message)
            case .writeOrdered(let peer):
                let written = links[peer]?.enqueue { self.instance.takeOrdered(for: peer, into: &$0) } ?? false
                if !written { instance.dropOrderedWrite(for: peer) }
            case .deliver(let delivery, let sockets, let namespace):
                host(of: namespace)?.deliver(delivery, to: sockets)
            case .disconnectLocal(let sockets, let closeTransport, let namespace):
                host(of: namespace)?.disconnect(sockets, closeTransport: closeTransport)
            case .serve(let request):
                var rooms: [SocketID: [Room]] = [:]
                if case .fetchSockets = request.body, let namespace = request.namespace {
                    let table = instance.directory.local(namespace)
                    for socket in request.matches {
                        rooms[socket] = table.roomsOf[socket].map { Array($0) }
                    }
                }
                // A namespace with no host here still gets its (empty) answer.
                hostWork.yield(.serve(request, rooms: rooms, host: request.namespace.flatMap(host(of:))))
            case .receiveEmit(let packet, let from, let namespace):
                if let host = host(of: namespace) { hostWork.yield(.emit(packet, from: from, host: host)) }
            case .complete(let id, let outcome):
                waiters.removeValue(forKey: id)?.succeed(outcome)
            case .connect(let record):
                if let address = MeshAddress(record.address) { want(address) }
            case .closeLink(let peer):
                links[peer]?.close()
            case .peerUp(let peer):
                logger.info("Mesh peer up", metadata: ["mesh.peer.id": "\(peer)"])
                events.yield(.peerUp(peer))
            case .peerDown(let peer, let reason):
                logger.info("Mesh peer down", metadata: ["mesh.peer.id": "\(peer)", "mesh.reason": "\(reason)"])
                events.yield(.peerDown(peer, reason: reason))
            case .framesLost(let peer, let count):
                logger.info(
                    "Mesh frames lost beyond the replay window",
                    metadata: ["mesh.peer.id": "\(peer)", "mesh.frames": "\(count)"])
                metrics.framesLost.increment(by: Int64(clamping: count))
                events.yield(.framesLost(from: peer, count: count))
            case .scheduleTick(let instant):
                armTimer(at: .uptimeNanoseconds(instant.nanoseconds))
            }
        }
    }

    // MARK: Links

    func linkOpened(_ link: LinkHandler) {
        connections[ObjectIdentifier(link)] = link
    }

    func linkEstablished(_ link: LinkHandler, hello: HandshakeMessage.Hello) {
        let peer = hello.node
        if let dialed = link.dialedAddress { dialing[dialed]?.attempts = 0 }
        if let existing = links[peer], existing !== link {
            // Both sides dialed at once. Both keep the link dialed by the smaller node id.
            let initiator = link.isInitiator ? id : peer
            if initiator == min(id, peer) {
                links[peer] = link
                existing.close()
            } else {
                link.close()
            }
            return
        }
        links[peer] = link
        run { instance, actions, now in
            instance.linkUp(peer, address: hello.address, now: now, actions: &actions)
        }
    }

    func linkClosed(_ link: LinkHandler) {
        connections[ObjectIdentifier(link)] = nil
        if let dialed = link.dialedAddress, var state = dialing[dialed] {
            state.inFlight = false
            state.nextAttempt = NIODeadline.now() + backoff(attempts: state.attempts)
            dialing[dialed] = state
            armTimer(at: state.nextAttempt)
        }
        guard let peer = link.peerID, links[peer] === link else { return }
        links[peer] = nil
        instance.linkDown(peer)
        if shuttingDown, links.isEmpty { logger.debug("Mesh links closed") }
        // An address this link stood for (the peer's advertised one) may be due for a dial now.
        if let dial = nextDialAttempt { armTimer(at: dial) }
    }

    func handshakeRefused(_ link: LinkHandler, code: HandshakeError.Code) {
        if code == .selfConnection, let dialed = link.dialedAddress {
            ownAddresses.insert(dialed)
            dialing[dialed] = nil
        }
    }
}

/// Work only the host can do, handed from the node's event loop to tasks in `MeshNode.run`.
enum HostWork: Sendable {
    case serve(IncomingRequest, rooms: [SocketID: [Room]], host: (any SocketHost)?)
    case emit(ByteBuffer, from: NodeID, host: any SocketHost)
}
