@_spi(MeshInternals) public import MeshCore
public import NIOSSL

/// Everything a node needs to join a mesh. Every default is in `init`.
public struct MeshConfiguration: Sendable {
    /// This node's name: unique in the cluster, stable across restarts.
    public var nodeName: String
    /// Nodes of another cluster are refused in the handshake.
    public var clusterName: String
    /// Where to listen. Port 0 lets the OS choose.
    public var listen: MeshAddress
    /// The address other nodes should dial; the bound address when nil.
    public var advertisedAddress: MeshAddress?
    /// Nodes to dial at start; the rest are learned through gossip.
    public var seeds: [MeshAddress]
    /// A shared secret: peers prove they know it (HMAC-SHA256 challenge-response).
    public var secret: [UInt8]?
    /// Mutual TLS 1.3 between nodes.
    public var tls: TLS?
    /// Distinguishes this run of the process from earlier ones; by default the start time in
    /// microseconds, so it grows across restarts.
    public var incarnation: UInt64?
    /// The protocol's timing and limits.
    public var protocolSettings: MeshSettings
    public var limits: Limits
    public var timeouts: Timeouts

    public init(
        nodeName: String,
        clusterName: String = "mesh",
        listen: MeshAddress = MeshAddress(host: "127.0.0.1", port: 0),
        advertisedAddress: MeshAddress? = nil,
        seeds: [MeshAddress] = [],
        secret: [UInt8]? = nil,
        tls: TLS? = nil,
        incarnation: UInt64? = nil,
        protocolSettings: MeshSettings = MeshSettings(),
        limits: Limits = Limits(),
        timeouts: Timeouts = Timeouts()
    ) {
        self.nodeName = nodeName
        self.clusterName = clusterName
        self.listen = listen
        self.advertisedAddress = advertisedAddress
        self.seeds = seeds
        self.secret = secret
        self.tls = tls
        self.incarnation = incarnation
        self.protocolSettings = protocolSettings
        self.limits = limits
        self.timeouts = timeouts
    }

    /// Mutual TLS: this node's certificate and key, and the roots its peers' certificates must
    /// chain to. TLS 1.3 only; both sides present certificates.
    public struct TLS: Sendable {
        public var certificateChain: [NIOSSLCertificate]
        public var privateKey: NIOSSLPrivateKey
        public var trustRoots: [NIOSSLCertificate]

        public init(
            certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, trustRoots: [NIOSSLCertificate]
        ) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.trustRoots = trustRoots
        }
    }

    public struct Limits: Sendable {
        /// A frame longer than this is refused from its length prefix, before it is buffered.
        public var maximumFrameSize: Int
        /// Bytes a link may hold unsent. Past half of it volatile broadcasts are dropped; past
        /// all of it the link is closed and later resynchronised.
        public var outboundQueueBytes: Int

        public init(maximumFrameSize: Int = 16 << 20, outboundQueueBytes: Int = 32 << 20) {
            self.maximumFrameSize = maximumFrameSize
            self.outboundQueueBytes = outboundQueueBytes
        }
    }

    public struct Timeouts: Sendable {
        /// A connection that has not finished its handshake by then is closed.
        public var handshake: Duration
        /// Dial back-off: doubles from `dialInitial` up to `dialMaximum`.
        public var dialInitial: Duration
        public var dialMaximum: Duration
        /// How long a graceful shutdown waits for links to flush.
        public var shutdownFlush: Duration

        public init(
            handshake: Duration = .seconds(5),
            dialInitial: Duration = .milliseconds(100),
            dialMaximum: Duration = .seconds(5),
            shutdownFlush: Duration = .seconds(2)
        ) {
            self.handshake = handshake
            self.dialInitial = dialInitial
            self.dialMaximum = dialMaximum
            self.shutdownFlush = shutdownFlush
        }
    }
}

extension MeshConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The settings that identify the node, without its secret or its TLS key: a configuration
    /// can be logged or printed safely.
    public var description: String {
        "MeshConfiguration(node: \(nodeName), cluster: \(clusterName), listen: \(listen), "
            + "advertised: \(advertisedAddress.map { "\($0)" } ?? "-"), seeds: \(seeds.map(\.description)), "
            + "secret: \(secret == nil ? "none" : "<redacted>"), tls: \(tls == nil ? "none" : "<configured>"))"
    }

    public var debugDescription: String { description }

    /// `dump` and debuggers show the same redacted fields.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "nodeName": nodeName, "clusterName": clusterName, "listen": listen,
                "advertisedAddress": advertisedAddress as Any, "seeds": seeds,
                "secret": secret == nil ? "none" : "<redacted>", "tls": tls == nil ? "none" : "<configured>",
                "incarnation": incarnation as Any, "protocolSettings": protocolSettings, "limits": limits,
                "timeouts": timeouts,
            ],
            displayStyle: .struct)
    }
}
