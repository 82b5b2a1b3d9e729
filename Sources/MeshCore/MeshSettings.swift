/// The protocol's timing and limits. Every default is in `init`; the shell passes the same
/// struct through from the public configuration.
public struct MeshSettings: Sendable, Equatable {
    /// How often each linked peer is sent a heartbeat (which also acknowledges ordered frames).
    public var heartbeatInterval: Duration
    /// Silence after which a peer is suspected and other peers are asked whether they hear it.
    public var suspectAfter: Duration
    /// How long a suspicion lasts, unconfirmed by any other peer, before the peer is down.
    public var suspicionTimeout: Duration
    /// How often a digest goes to the next peer in turn (anti-entropy).
    public var gossipInterval: Duration
    /// How long a request waits for peers that stay silent.
    public var requestTimeout: Duration
    /// How long an ordered frame may wait at the causal gate before it is handled anyway.
    public var causalGateTimeout: Duration
    /// How soon a receiver asks again for frames it saw a gap before.
    public var resendInterval: Duration

    /// Deltas kept per origin for peers that fall a little behind.
    public var deltaLogCapacity: Int
    /// Out-of-order deltas held per origin while a gap fills.
    public var pendingDeltaLimit: Int
    /// Ordered frames kept per link for replay after a reconnect, by count and by their bytes
    /// as encoded for the wire.
    public var replayFrames: Int
    public var replayBytes: Int
    /// Out-of-order ordered frames held per link.
    public var reorderFrames: Int
    /// Sockets per snapshot frame.
    public var snapshotChunk: Int
    /// A receiver acknowledges ordered frames at least every this many frames.
    public var acknowledgeEvery: Int
    /// The largest frame peers accept (the shell's `MeshConfiguration.limits.maximumFrameSize`):
    /// a broadcast that would not fit is refused to its caller, and catch-up is cut below it.
    public var maximumFrameSize: Int
    /// Namespaces a node interns, its own and its peers'.
    public var maximumNamespaces: Int

    public init(
        heartbeatInterval: Duration = .seconds(1),
        suspectAfter: Duration = .seconds(3),
        suspicionTimeout: Duration = .seconds(2),
        gossipInterval: Duration = .milliseconds(500),
        requestTimeout: Duration = .seconds(5),
        causalGateTimeout: Duration = .seconds(5),
        resendInterval: Duration = .milliseconds(100),
        deltaLogCapacity: Int = 4096,
        pendingDeltaLimit: Int = 4096,
        replayFrames: Int = 65_536,
        replayBytes: Int = 16 << 20,
        reorderFrames: Int = 1024,
        snapshotChunk: Int = 2048,
        acknowledgeEvery: Int = 1024,
        maximumFrameSize: Int = 16 << 20,
        maximumNamespaces: Int = 4096
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.suspectAfter = suspectAfter
        self.suspicionTimeout = suspicionTimeout
        self.gossipInterval = gossipInterval
        self.requestTimeout = requestTimeout
        self.causalGateTimeout = causalGateTimeout
        self.resendInterval = resendInterval
        self.deltaLogCapacity = deltaLogCapacity
        self.pendingDeltaLimit = pendingDeltaLimit
        self.replayFrames = replayFrames
        self.replayBytes = replayBytes
        self.reorderFrames = reorderFrames
        self.snapshotChunk = snapshotChunk
        self.acknowledgeEvery = acknowledgeEvery
        self.maximumFrameSize = maximumFrameSize
        self.maximumNamespaces = maximumNamespaces
    }
}
