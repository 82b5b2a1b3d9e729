import Metrics

/// The node's metrics, created once; the only dimension is the node name.
struct MeshMetrics: Sendable {
    let linksUp: Gauge
    let livePeers: Gauge
    let framesIn: Counter
    let framesOut: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let volatileDropped: Counter
    let overflowCloses: Counter
    let framesReplayed: Counter
    let framesLost: Counter
    let refusals: Counter
    let linkErrors: Counter
    let malformedFrames: Counter
    let directoryMemberships: Gauge
    let directoryRooms: Gauge
    let causalGateWaits: Counter
    /// Broadcasts refused to the application: larger than the frames peers accept.
    let broadcastsRefused: Counter
    /// How long a join takes to reach this node's directory from the moment a peer's digest
    /// first showed it was behind: the convergence lag as this node sees it.
    let convergenceLag: Timer

    init(node: String) {
        let dimensions = [("node", node)]
        linksUp = Gauge(label: "mesh_links_up", dimensions: dimensions)
        livePeers = Gauge(label: "mesh_live_peers", dimensions: dimensions)
        framesIn = Counter(label: "mesh_frames_in_total", dimensions: dimensions)
        broadcastsRefused = Counter(label: "mesh_broadcasts_refused_total", dimensions: dimensions)
        framesOut = Counter(label: "mesh_frames_out_total", dimensions: dimensions)
        bytesIn = Counter(label: "mesh_bytes_in_total", dimensions: dimensions)
        bytesOut = Counter(label: "mesh_bytes_out_total", dimensions: dimensions)
        volatileDropped = Counter(label: "mesh_volatile_dropped_total", dimensions: dimensions)
        overflowCloses = Counter(label: "mesh_link_overflow_closes_total", dimensions: dimensions)
        framesReplayed = Counter(label: "mesh_frames_replayed_total", dimensions: dimensions)
        framesLost = Counter(label: "mesh_frames_lost_total", dimensions: dimensions)
        refusals = Counter(label: "mesh_handshake_refusals_total", dimensions: dimensions)
        linkErrors = Counter(label: "mesh_link_errors_total", dimensions: dimensions)
        malformedFrames = Counter(label: "mesh_malformed_frames_total", dimensions: dimensions)
        directoryMemberships = Gauge(label: "mesh_directory_memberships", dimensions: dimensions)
        directoryRooms = Gauge(label: "mesh_directory_rooms", dimensions: dimensions)
        causalGateWaits = Counter(label: "mesh_causal_gate_waits_total", dimensions: dimensions)
        convergenceLag = Timer(label: "mesh_convergence_lag", dimensions: dimensions)
    }
}
